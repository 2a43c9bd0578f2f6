/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcr_pubkey.h — the image builder's PCR-policy public key (PEM) as the TPM
 * sees it, for signed PCR policies (TPM2_PolicyAuthorize), without a TPM.
 *
 * The key becomes a TPM2B_PUBLIC the way systemd 252 builds it for
 * TPM2_LoadExternal (nameAlg SHA-256, decrypt|sign|userWithAuth, no scheme,
 * no symmetric part), so its TPM name — which the sealed object's policy
 * binds — is the same for sealroot and systemd-cryptenroll.  RSA (1024..4096
 * bits, what systemd-measure signs with) and ECC NIST P-256 keys.
 *
 * The key is PEM ("-----BEGIN PUBLIC KEY-----", what systemd writes into
 * "tpm2_pubkey") or the same SubjectPublicKeyInfo in DER.
 *
 * The fingerprint is systemd's "pkfp": SHA-256 of the key's DER encoding
 * without the algorithm wrapper (PKCS#1 RSAPublicKey; the EC point).
 *
 * Errors: -EBADMSG the input is not a public key, -EOPNOTSUPP another key type
 * or curve, -ENOMEM.  Nothing is logged: callers name the file.
 */
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include "tpm2.h"

#define PCR_PUBKEY_PEM_MAX (16 * 1024)

struct pcr_pubkey {
	TPM2B_PUBLIC public;		       /* for TPM2_LoadExternal */
	uint8_t name[TPM2_NAME_SHA256_SIZE];   /* its TPM name */
	uint8_t fingerprint[TPM2_SHA256_SIZE]; /* systemd's "pkfp" */
};

int pcr_pubkey_from_pem(const void *pem, size_t size, struct pcr_pubkey *ret);

/* Turn SIG (systemd-measure's "sig": RSASSA-PKCS1-v1_5 or DER ECDSA over
 * SHA-256 of the policy digest) into the TPMT_SIGNATURE TPM2_VerifySignature
 * takes for KEY.  -EBADMSG when it cannot be one. */
int pcr_pubkey_tpm_signature(const struct pcr_pubkey *key, const uint8_t *sig, size_t size,
			     TPMT_SIGNATURE *ret);
