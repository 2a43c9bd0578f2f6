// SPDX-License-Identifier: GPL-2.0-or-later
// fuzz-sources: persist/token.c core/encoding.c core/json_util.c
/* Fuzz the LUKS2 token JSON parsers (untrusted: anything on the partition).
 * They must answer 0, -EBADMSG or -EOPNOTSUPP with a reason, never crash or
 * leak; a token that parses must format and parse back to the same values. */
#include <stddef.h>
#include <stdint.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size + 1);
	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';

	struct tpm2_token t = { .keyslot = -1 };
	const char *reason = NULL;
	int r = token_tpm2_parse(json, &t, &reason);
	if (r < 0 && (r != -EBADMSG && r != -EOPNOTSUPP && r != -ENOMEM))
		__builtin_trap();
	if (r < 0 && r != -ENOMEM && !reason)
		__builtin_trap();
	if (r == 0) {
		char *again = NULL;
		struct tpm2_token t2 = { .keyslot = -1 };
		if (token_tpm2_format(&t.sealed, t.keyslot, t.pcr_values_mask == t.sealed.pcr_mask,
				      &again) == 0) {
			if (token_tpm2_parse(again, &t2, &reason) != 0 || t2.keyslot != t.keyslot ||
			    t2.sealed.blob_size != t.sealed.blob_size ||
			    memcmp(t2.sealed.blob, t.sealed.blob, t.sealed.blob_size) != 0 ||
			    t2.sealed.pcr_mask != t.sealed.pcr_mask ||
			    t2.sealed.pubkey_pcr_mask != t.sealed.pubkey_pcr_mask ||
			    t2.sealed.pubkey_size != t.sealed.pubkey_size ||
			    (t.sealed.pubkey_size &&
			     memcmp(t2.sealed.pubkey, t.sealed.pubkey, t.sealed.pubkey_size) != 0))
				__builtin_trap();
			tpm2_token_done(&t2);
		}
		free(again);
		tpm2_token_done(&t);
	}

	char *type = NULL;
	int slot;
	if (token_peek(json, &type, &slot, &reason) == 0)
		free(type);

	/* The provisioning proof: found, absent or malformed, and dropping it
	 * leaves a token that has none. */
	uint8_t hmac[TOKEN_HMAC_SIZE];
	r = token_get_provisioning_hmac(json, hmac, &reason);
	if (r < 0 && r != -ENOENT && r != -EBADMSG && r != -ENOMEM)
		__builtin_trap();
	char *dropped = NULL;
	if (token_set_provisioning_hmac(json, NULL, &dropped, &reason) == 0) {
		r = token_get_provisioning_hmac(dropped, hmac, &reason);
		if (r != -ENOENT && r != -ENOMEM)
			__builtin_trap();
		free(dropped);
	}
	free(json);
	return 0;
}
