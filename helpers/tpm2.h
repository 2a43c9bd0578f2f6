/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2.h — the TPM2 operations sealroot needs, through tpm2-tss ESYS.
 *
 * Sealing is compatible with systemd-cryptenroll (systemd 252): the same
 * primary key template under the owner hierarchy (ECC NIST P-256, AES-128-CFB,
 * created fresh each time, never persisted), a KEYEDHASH sealed object whose
 * authPolicy is a PolicyPCR digest over the SHA-256 bank, and a blob that is
 * the marshalled TPM2B_PRIVATE followed by the marshalled TPM2B_PUBLIC — so a
 * struct tpm2_sealed round-trips through a "systemd-tpm2" LUKS2 token.
 *
 * Errors (negative errno): -ENXIO no TPM / TCTI cannot connect, -EPERM the
 * PCR policy was not satisfied (PCR values differ), -ESTALE the policy digest
 * computed now differs from the stored one, -ENOLCK dictionary-attack lockout,
 * -EBADMSG the blob cannot be unmarshalled or loaded, -EIO other TPM errors.
 */
#pragma once

#include <stdint.h>

#include "util.h"

#define TPM2_PCR_COUNT 24
#define TPM2_SHA256_SIZE 32
/* Extended by sealroot right after a successful unseal, and part of every
 * policy sealroot creates, so the secret cannot be unsealed again this boot. */
#define SEALROOT_TPM2_LOCK_PCR 15

struct tpm2_context;

/* tcti: a tpm2-tss TCTI string ("device:/dev/tpmrm0", "swtpm:port=2321"). */
int tpm2_context_new(const char *tcti, struct tpm2_context **ret);
void tpm2_context_free(struct tpm2_context *c);

int tpm2_get_random(struct tpm2_context *c, void *buf, size_t size);

struct tpm2_sealed {
	uint8_t *blob; /* TPM2B_PRIVATE || TPM2B_PUBLIC, marshalled */
	size_t blob_size;
	uint8_t policy_hash[TPM2_SHA256_SIZE];
	uint32_t pcr_mask;    /* PCRs in the policy */
	uint16_t pcr_bank;    /* TPM2_ALG_SHA256 */
	uint16_t primary_alg; /* TPM2_ALG_ECC */
	/* PCR values the policy was computed over (only pcr_mask bits valid). */
	uint8_t pcr_values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE];
};

void tpm2_sealed_done(struct tpm2_sealed *s);

/* Seal SECRET to the current values of the PCRs in pcr_mask (SHA-256 bank),
 * using an HMAC session salted with the primary key and parameter encryption. */
int tpm2_seal(struct tpm2_context *c, uint32_t pcr_mask, const struct secret *secret,
	      struct tpm2_sealed *ret);

/* Recompute the policy, compare it with sealed->policy_hash (-ESTALE), then
 * unseal into *ret (caller wipes with secret_wipe). */
int tpm2_unseal(struct tpm2_context *c, const struct tpm2_sealed *sealed, struct secret *ret);

int tpm2_pcr_read(struct tpm2_context *c, uint32_t pcr_mask,
		  uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE]);
/* Extend PCR (SHA-256 bank) with the SHA-256 of data. */
int tpm2_pcr_extend(struct tpm2_context *c, unsigned pcr, const void *data, size_t size);
