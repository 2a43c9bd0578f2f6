/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verity_sig.h — userspace check of a dm-verity root hash signature.
 *
 * The signature is a detached PKCS#7 (DER) over the root hash written as
 * lowercase hex ASCII (no newline) — the same blob the kernel's
 * DM_VERITY_VERIFY_ROOTHASH_SIG checks, made e.g. with
 *   openssl smime -sign -nocerts -noattr -binary -in roothash.txt \
 *           -inkey key.pem -signer cert.pem -outform der -out roothash.p7s
 * It is trusted when its signer certificate is one of (or chains to one of)
 * the certificates shipped in the initramfs (*.crt / *.pem, PEM or DER, in
 * SEALROOT_VERITY_CERT_DIR) and is meant for signing code:
 *   - an extendedKeyUsage extension is required and must list code signing
 *     (1.3.6.1.5.5.7.3.3), or the OID given instead (sealroot.verity_sig_eku=);
 *     anyExtendedKeyUsage does not count;
 *   - a keyUsage extension, when present, must include digitalSignature (an
 *     absent one restricts nothing, as X.509 says).
 * Only the signer's certificate is held to these; the certificates it chains
 * to are trust anchors.  Certificate validity times are not checked (the
 * initramfs has no trustworthy clock).  Every failure is a refusal.
 */
#pragma once

#include "util.h"

#define SEALROOT_VERITY_CERT_DIR "/etc/sealroot/verity-certs"
#define VERITY_SIG_EKU_CODE_SIGNING "1.3.6.1.5.5.7.3.3"

/* Load a "root-hash-signature=" value: "base64:…" or an absolute path.
 * Returns 0, -EINVAL (bad base64, empty), -EFBIG, or an errno from reading. */
int verity_sig_load(const char *spec, uint8_t **ret, size_t *ret_size);

/* Number of certificates in CERT_DIR (0 if it does not exist), or a negative
 * errno if it cannot be read or a certificate file cannot be parsed. */
int verity_sig_count_certs(const char *cert_dir);

/* Verify SIG over ROOT_HASH against the certificates in CERT_DIR, requiring
 * EKU_OID (NULL: code signing) in the signer's certificate.
 * 0: trusted.  -ENOKEY: no certificates there.  -EKEYREJECTED: the signature
 * does not verify or its signer is not trusted (reason logged at debug level)
 * or its certificate is not meant for this (reason logged as an error naming
 * it); the caller logs the refusal.  -EBADMSG: SIG is not PKCS#7 DER.
 * -EINVAL: EKU_OID is not a dotted OID. */
int verity_sig_verify(const uint8_t *root_hash, size_t root_hash_size, const uint8_t *sig,
		      size_t sig_size, const char *cert_dir, const char *eku_oid);
