// SPDX-License-Identifier: GPL-2.0-or-later
// fuzz-sources: persist/pcr_signature.c core/encoding.c
/* Fuzz the signed PCR policy parser (systemd-measure's JSON, from the boot
 * medium).  It must answer 0, -EBADMSG with a reason or -ENOMEM, never crash
 * or leak; every entry it accepts is complete and findable. */
#include <stddef.h>
#include <stdint.h>

#include "pcr_signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcr_signature s = {};
	const struct pcr_signature_entry *e = NULL;
	const char *reason = NULL;
	int r = pcr_signature_parse((const char *)data, size, &s, &reason);

	if (r < 0 && r != -EBADMSG && r != -ENOMEM)
		__builtin_trap();
	if (r == -EBADMSG && !reason)
		__builtin_trap();
	if (r == 0) {
		for (size_t i = 0; i < s.n_entries; i++) {
			const struct pcr_signature_entry *x = &s.entries[i];
			if (x->pcr_mask == 0 || x->pcr_mask >> TPM2_PCR_COUNT || !x->sig ||
			    x->sig_size == 0 || x->sig_size > PCR_SIGNATURE_SIG_MAX)
				__builtin_trap();
			if (pcr_signature_find(&s, x->pcr_mask, x->fingerprint, x->policy, &e) != 0)
				__builtin_trap();
		}
		pcr_signature_done(&s);
	}
	return 0;
}
