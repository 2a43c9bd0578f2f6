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
 * -EBADMSG the blob cannot be unmarshalled or loaded, -EREMCHG the storage
 * primary key is not the one recorded at sealing (pinned: this TPM was cleared,
 * it is another TPM, or something on the bus answers for it), -EOPNOTSUPP a PCR bank
 * or primary algorithm sealroot does not implement, -EIO other TPM errors.
 * Functions log the TPM's own error text (Tss2_RC_Decode) at debug level
 * only; the caller logs the user-facing message once.
 *
 * The LUKS2 passphrase: systemd-cryptenroll (252) seals 32 random bytes and
 * uses the standard base64 encoding of those bytes (no newline, no padding
 * stripped) as the keyslot passphrase; the "systemd-tpm2" token stores the
 * blob base64-encoded in "tpm2-blob" and the policy digest hex-encoded in
 * "tpm2-policy-hash".  tpm2_unseal() returns the raw bytes; turning them into
 * the passphrase is the caller's job.
 */
#pragma once

#include <stdint.h>

#include "util.h"

#define TPM2_PCR_COUNT 24
#define TPM2_SHA256_SIZE 32
/* Extended by sealroot right after a successful unseal, and part of every
 * policy sealroot creates, so the secret cannot be unsealed again this boot. */
#define SEALROOT_TPM2_LOCK_PCR 15
/* A TPM object name with a SHA-256 name algorithm: TPM2_ALG_SHA256 (2 bytes,
 * big-endian) followed by the digest of its public area. */
#define TPM2_NAME_SHA256_SIZE (2 + TPM2_SHA256_SIZE)
/* Largest secret a KEYEDHASH object can hold (TPM2B_SENSITIVE_DATA). */
#define TPM2_SEAL_SECRET_MAX 128

struct tpm2_context;

/* tcti: a tpm2-tss TCTI string ("device:/dev/tpmrm0", "swtpm:port=2321").
 * Sends TPM2_Startup(CLEAR) (already started is fine).  Unless TSS2_LOG is
 * set or the log level is debug, sets TSS2_LOG=all+none so tpm2-tss does not
 * print its own messages. */
int tpm2_context_new(const char *tcti, struct tpm2_context **ret);
void tpm2_context_free(struct tpm2_context *c);
static inline void tpm2_context_freep(struct tpm2_context **c)
{
	tpm2_context_free(*c);
	*c = NULL;
}
#define _cleanup_tpm2_ _cleanup_(tpm2_context_freep)

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
	/* Name of the storage primary key the object was sealed under, as the
	 * TPM answered CreatePrimary at sealing; size 0: not recorded (tokens
	 * from systemd-cryptenroll), not checked. */
	uint8_t primary_name[TPM2_NAME_SHA256_SIZE];
	uint16_t primary_name_size;
	/* Signed PCR policy (TPM2_PolicyAuthorize), systemd's "tpm2_pubkey" and
	 * "tpm2_pubkey_pcrs": the PEM public key whose signatures approve the
	 * values of the PCRs in pubkey_pcr_mask (0: no signed part; pubkey
	 * NULL).  pcr_mask then lists the PCRs bound by value on top of it. */
	uint8_t *pubkey;
	size_t pubkey_size;
	uint32_t pubkey_pcr_mask;
};

void tpm2_sealed_done(struct tpm2_sealed *s);

/* Seal SECRET (1..TPM2_SEAL_SECRET_MAX bytes) to the current values of the
 * PCRs in pcr_mask (SHA-256 bank, mask != 0; the caller adds
 * SEALROOT_TPM2_LOCK_PCR if it wants it), using an HMAC session salted with
 * the primary key and parameter encryption.  Fills every field of *ret,
 * including pcr_values; release with tpm2_sealed_done().  Copies of the
 * secret that tpm2-tss keeps (ESYS's saved command input, the SYS buffer
 * Unseal's response is decrypted in) are wiped before returning. */
int tpm2_seal(struct tpm2_context *c, uint32_t pcr_mask, const struct secret *secret,
	      struct tpm2_sealed *ret);

/* Like tpm2_seal(), but to the given expected VALUES of the PCRs in pcr_mask
 * (only those rows are read) instead of their current values: the policy
 * digest is computed in software (tpm2_policy_pcr_digest) and cross-checked
 * with a TPM trial session (-EIO if they differ).  For sealing on a running
 * system to the values the next boot will have. */
int tpm2_seal_to_values(struct tpm2_context *c, uint32_t pcr_mask,
			const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			const struct secret *secret, struct tpm2_sealed *ret);

/* Like tpm2_seal_to_values(), but the policy first requires a signature by
 * the key in PUBKEY (PEM, pcr_pubkey.h) approving the values of the PCRs in
 * PUBKEY_PCR_MASK (PolicyPCR then PolicyAuthorize, as systemd 252 builds it),
 * then binds the PCRs in PCR_MASK (may be 0) to VALUES.  The digest is
 * computed in software (tpm2_policy_signed_digest) and cross-checked with a
 * TPM trial session; the sealed object does not depend on the current values
 * of the signed PCRs.  -EBADMSG/-EOPNOTSUPP: PUBKEY is not a usable key. */
int tpm2_seal_to_values_signed(struct tpm2_context *c, uint32_t pcr_mask,
			       const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			       const void *pubkey, size_t pubkey_size, uint32_t pubkey_pcr_mask,
			       const struct secret *secret, struct tpm2_sealed *ret);

/* The policy digest after a single TPM2_PolicyPCR in a fresh session over the
 * SHA-256 PCRs in pcr_mask holding VALUES, without a TPM:
 *   H(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || H(values in PCR order))
 * with the selection marshalled as sealroot and systemd send it (one SHA-256
 * bank, sizeofSelect 3).  0 or -EINVAL (empty or out-of-range mask). */
int tpm2_policy_pcr_digest(uint32_t pcr_mask,
			   const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			   uint8_t ret[TPM2_SHA256_SIZE]);

/* The digest of a signed PCR policy, without a TPM: TPM2_PolicyAuthorize for
 * the key named KEY_NAME with an empty policyRef,
 *   A = H(H(0^32 || TPM_CC_PolicyAuthorize || KEY_NAME) || "")
 * then, unless pcr_mask is 0, TPM2_PolicyPCR over VALUES on top of it:
 *   H(A || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || H(values in PCR order)).
 * The signed PCRs do not appear: PolicyAuthorize replaces the digest. */
int tpm2_policy_signed_digest(const uint8_t key_name[TPM2_NAME_SHA256_SIZE], uint32_t pcr_mask,
			      const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			      uint8_t ret[TPM2_SHA256_SIZE]);

/* A signature approving a PolicyPCR digest, for unsealing a signed token. */
struct tpm2_policy_signature {
	const uint8_t *sig; /* as in the signature file (pcr_signature.h) */
	size_t sig_size;
	uint8_t approved[TPM2_SHA256_SIZE]; /* the PolicyPCR digest it signs */
};

/* Recompute the policy, compare it with sealed->policy_hash, then unseal into
 * *ret (caller wipes with secret_wipe).  When sealed->primary_name_size is
 * set, the primary key's name must equal primary_name before anything is
 * sent under it (-EREMCHG).  Uses sealed->blob, blob_size,
 * policy_hash, pcr_mask (0: systemd's PCR-less token, no PolicyPCR),
 * pcr_bank (0 means SHA-256) and primary_alg (0 means ECC; RSA is accepted for
 * tokens systemd made on TPMs without ECC).  When the digest differs: -EPERM
 * if the blob's own authPolicy equals policy_hash (the PCR values changed),
 * -ESTALE if policy_hash does not belong to the blob. */
int tpm2_unseal(struct tpm2_context *c, const struct tpm2_sealed *sealed, struct secret *ret);

/* tpm2_unseal() for any token; a token with sealed->pubkey_pcr_mask set
 * needs SIG (else -ENOKEY).  The signed PCRs' PolicyPCR digest in the session
 * must equal sig->approved (else -EKEYREJECTED: the PCRs changed since the
 * caller picked the signature); the TPM verifies the signature with the
 * token's key (TPM2_VerifySignature; -EKEYREVOKED when it does not verify),
 * then PolicyAuthorize and the PolicyPCR over sealed->pcr_mask follow.
 * -EBADMSG/-EOPNOTSUPP also when sealed->pubkey is not a usable key. */
int tpm2_unseal_signed(struct tpm2_context *c, const struct tpm2_sealed *sealed,
		       const struct tpm2_policy_signature *sig, struct secret *ret);

/* Check that BLOB unmarshals as TPM2B_PRIVATE || TPM2B_PUBLIC of a KEYEDHASH
 * object with nothing after it, without a TPM: 0 or -EBADMSG.  For checking
 * LUKS2 token contents before using them; tpm2_unseal() does it too. */
int tpm2_blob_validate(const void *blob, size_t size);

/* The authPolicy of the sealed object in BLOB (the policy the TPM enforces
 * for it), without a TPM: 0, or -EBADMSG when the blob is not a sealed object
 * or its authPolicy is not a SHA-256 digest. */
int tpm2_blob_auth_policy(const void *blob, size_t size, uint8_t ret[TPM2_SHA256_SIZE]);

/* PCR values of the SHA-256 bank for the PCRs in pcr_mask (other rows untouched). */
int tpm2_pcr_read(struct tpm2_context *c, uint32_t pcr_mask,
		  uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE]);
/* Extend PCR (SHA-256 bank) with the SHA-256 of data. */
int tpm2_pcr_extend(struct tpm2_context *c, unsigned pcr, const void *data, size_t size);
/* Extend PCR (SHA-256 bank) with DIGEST as it is (not hashed again): the PCR
 * becomes SHA-256(old value || DIGEST). */
int tpm2_pcr_extend_digest(struct tpm2_context *c, unsigned pcr,
			   const uint8_t digest[TPM2_SHA256_SIZE]);

/* Map a tpm2-tss return code to a negative errno (0 for success), as listed
 * at the top of this file.  Exposed for unit tests. */
int tpm2_rc_to_errno(uint32_t rc);
