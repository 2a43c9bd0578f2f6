// SPDX-License-Identifier: GPL-2.0-or-later
// fuzz-sources: persist/tpm2.c persist/pcr_pubkey.c core/secret.c core/log.c
// fuzz-sources: persist/dl_tss2.c core/dl_crypto.c core/dlopen_lib.c persist/tpm2_svn.c
// fuzz-sources: persist/tpm2_prestart.c
/* Fuzz the unmarshalling of a sealed blob as it comes from a LUKS2 token
 * (untrusted): tpm2_blob_validate and tpm2_blob_auth_policy must answer 0 or
 * -EBADMSG, never crash; a policy only comes from a valid blob. */
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "tpm2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log_set_max_level(LOG_LEVEL_ERR);
	int r = tpm2_blob_validate(data, size);
	if (r != 0 && r != -EBADMSG)
		__builtin_trap();
	uint8_t policy[TPM2_SHA256_SIZE];
	int p = tpm2_blob_auth_policy(data, size, policy);
	if ((p != 0 && p != -EBADMSG) || (p == 0 && r != 0))
		__builtin_trap();
	return 0;
}
