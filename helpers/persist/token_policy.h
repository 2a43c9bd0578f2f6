/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * token_policy.h — what a systemd-tpm2 token must prove before sealroot asks
 * the TPM to unseal it.
 *
 * 1. Floor: its SHA-256 PCR selection ("tpm2-pcrs") covers every PCR of
 *    FLOOR, the PCRs the signed command line asks for (sealroot.tpm2_pcrs=).
 * 2. Binding: the authPolicy of the sealed object itself (in the blob's
 *    TPM2B_PUBLIC; the one the TPM enforces) equals the token's
 *    "tpm2-policy-hash" and the PolicyPCR digest recomputed in software over
 *    that selection with the PCRs' current values (the all-zero digest for an
 *    empty selection).
 *    For a signed token ("tpm2_pubkey_pcrs"), the recomputed digest is
 *    PolicyAuthorize for its "tpm2_pubkey" then PolicyPCR over "tpm2-pcrs"
 *    (tpm2_policy_signed_digest): the floor and the lock PCR count only
 *    in "tpm2-pcrs", the part bound by value; signed PCRs never satisfy them.
 * Together they make the selection the JSON claims the one the TPM enforces,
 * so the floor holds for the object, not only for its description.
 * 3. Pin (only when required, sealroot.tpm2_srk_pin=required): the token
 *    records the storage primary key's name ("sealroot-srk-name"), which
 *    tpm2_unseal() then checks; a token without it is refused.
 *
 * Returns 0 when the token may be unsealed (a selection without the lock PCR
 * is accepted with a warning: the lock does not protect it).  Failures are
 * logged here, naming the token, device and what to do, except -EPERM:
 *   -EACCES  the selection is below the floor, or the pin is required and
 *            the token has none;
 *   -EBADMSG the JSON was altered (policy hash is not the object's authPolicy),
 *            the object is not bound to the claimed selection, or the blob is
 *            unusable;
 *   -EPERM   the PCR values changed since enrollment (object and JSON agree):
 *            NOT logged — the caller explains it as a refused unseal;
 *   other    reading the PCRs failed.
 */
#pragma once

#include "pcr_signature.h"
#include "token.h"
#include "tpm2.h"

struct token_policy {
	uint32_t floor;	      /* PCRs a token's selection must cover */
	bool require_srk_pin; /* refuse tokens without "sealroot-srk-name" */
};

int token_policy_check(struct tpm2_context *tpm, const struct tpm2_token *tok,
		       const struct token_policy *policy, int token, const char *device);

/* For a signed token: read its signed PCRs, compute the PolicyPCR digest
 * they give now and pick the signature in SIGS (parsed from SIG_PATH; NULL:
 * the file is missing) by the token's key that approves it.  *ret points
 * into SIGS.  Each refusal is logged naming the file, the key fingerprint
 * and the PCR values, and what to do:
 *   -ENOKEY        no signature file, or none of its entries is by this key;
 *   -EKEYREJECTED  signatures by this key exist, none for the current values;
 *   -EBADMSG/-EOPNOTSUPP the token's key is unusable; other: PCR read. */
int token_policy_signature(struct tpm2_context *tpm, const struct tpm2_token *tok,
			   const struct pcr_signature *sigs, const char *sig_path, int token,
			   const char *device, struct tpm2_policy_signature *ret);

/* True when MASK includes SEALROOT_TPM2_LOCK_PCR. */
static inline bool token_policy_lock_bound(uint32_t mask)
{
	return mask & (UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR);
}
