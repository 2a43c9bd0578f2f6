/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist_internal.h — what persist_open.c and persist_reseal.c share with
 * persist_unlock.c; not for other callers (they use persist.h).
 *
 * Every function here logs its own failures with the device name.
 */
#pragma once

#include "luks.h"
#include "lock.h"
#include "token_policy.h"
#include "tpm2.h"

/* What the TPM2 token that unlocked was bound to, for the report. */
struct unlocked_token {
	int token;
	uint32_t pcr_mask;
	uint32_t pubkey_pcr_mask;
	uint8_t key_fp[TPM2_SHA256_SIZE];
};

/* Connect to the TPM2 through TCTI for DEVICE; explains a missing TPM. */
int persist_connect_tpm(const char *tcti, const char *device, struct tpm2_context **ret);

/* Try every systemd-tpm2 token of CD that meets POLICY (see the comment at
 * the definition): 0 with *ret_pass, *ret_vk (unless NULL), *ret_keyslot and
 * *ret_used (unless NULL) set; a negative errno when no token unlocked, each
 * failure explained.  With LOCK, a secret its keyslot refuses is made
 * unusable at once (failure:keyslot). */
int persist_unlock_with_tpm(struct crypt_device *cd, const char *device, struct tpm2_context *tpm,
			    struct lock_record *lock, const struct token_policy *policy,
			    const char *sig_path, struct secret *ret_pass, struct secret *ret_vk,
			    int *ret_keyslot, struct unlocked_token *ret_used);

/* Ask for the recovery key (three attempts, TIMEOUT_USEC each): 0 with
 * *ret_pass, *ret_vk and *ret_keyslot set; -ETIME, -EPERM or another
 * negative errno. */
int persist_unlock_with_recovery_key(struct crypt_device *cd, const char *device,
				     usec_t timeout_usec, struct secret *ret_pass,
				     struct secret *ret_vk, int *ret_keyslot);

/* FP as lowercase hex. */
void persist_fingerprint_hex(const uint8_t fp[TPM2_SHA256_SIZE],
			     char out[2 * TPM2_SHA256_SIZE + 1]);
