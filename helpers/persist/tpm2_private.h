/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2_private.h — what tpm2.c shares with the other tpm2_*.c files and
 * nobody else: the context behind struct tpm2_context and the small tools
 * every TPM module needs.  Same error contract as tpm2.h.
 */
#pragma once

#include <tss2/tss2_esys.h>

#include "tpm2.h"

struct tpm2_context {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	/* tpm2_prestart.h: the ECC storage primary and the salted policy
	 * session started before the unlock needed them; ESYS_TR_NONE when
	 * there is none or it was taken. */
	ESYS_TR pre_primary;
	ESYS_TR pre_session;
};

/* Map RC to a negative errno (tpm2_rc_to_errno) and log the TPM's own words
 * at debug level, naming WHAT was asked. */
int tpm2_rc_log(TSS2_RC rc, const char *what);
/* Flush *H unless it is ESYS_TR_NONE, then set it to ESYS_TR_NONE. */
void tpm2_flush(struct tpm2_context *c, ESYS_TR *h);
/* Create the storage primary key from systemd-cryptenroll's template for ALG
 * (0 or TPM2_ALG_ECC: ECC P-256; TPM2_ALG_RSA: RSA-2048) into *RET;
 * -EOPNOTSUPP for another ALG. */
int tpm2_create_primary(struct tpm2_context *c, uint16_t alg, ESYS_TR *ret);
/* Start a session of TYPE (TPM2_SE_HMAC, TPM2_SE_POLICY) salted with PRIMARY,
 * AES-128-CFB parameter encryption both ways, into *RET. */
int tpm2_start_salted_session(struct tpm2_context *c, ESYS_TR primary, TPM2_SE type, ESYS_TR *ret);
/* Hand over the pre-started primary and session (tpm2_prestart.h) for a
 * token whose primary is ALG: both into *RET_PRIMARY and *RET_SESSION when
 * ALG is ECC (or 0), which the caller then owns and must check and flush;
 * flushed, and ESYS_TR_NONE in both, for any other ALG or when there is
 * none.  Either way the context no longer holds them. */
void tpm2_prestart_take(struct tpm2_context *c, uint16_t alg, ESYS_TR *ret_primary,
			ESYS_TR *ret_session);
/* The TPML_PCR_SELECTION of the SHA-256 PCRs in MASK, as sealroot sends it. */
void tpm2_pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel);
/* RET = SHA-256 over the N byte ranges PARTS[i] of SIZES[i] bytes, in order
 * (N may be 0).  Loads libcrypto; -EINVAL, -ENOMEM, -EIO or the load error. */
int tpm2_sha256_parts(uint8_t ret[TPM2_SHA256_SIZE], size_t n, const void *const parts[],
		      const size_t sizes[]);
/* A command code in TPM byte order. */
void tpm2_put_cc(uint8_t buf[4], uint32_t cc);
/* policyDigest' = H(START || TPM_CC_PolicyPCR || selection || H(values)). */
int tpm2_policy_pcr_update(const uint8_t start[TPM2_SHA256_SIZE], uint32_t pcr_mask,
			   const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			   uint8_t ret[TPM2_SHA256_SIZE]);
