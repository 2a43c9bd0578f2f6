// SPDX-License-Identifier: GPL-2.0-or-later
/* pcr_pubkey.c — PEM public key to TPM2B_PUBLIC, TPM name and fingerprint,
 * see pcr_pubkey.h. */
#include "pcr_pubkey.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#define ECC_P256_SIZE 32

static void evp_pkey_freep(EVP_PKEY **p)
{
	EVP_PKEY_free(*p);
}
static void bn_freep(BIGNUM **p)
{
	BN_free(*p);
}

/* The attributes and (empty) parameters systemd gives the key: any use,
 * the scheme comes with each signature. */
static const TPMA_OBJECT pubkey_attributes =
    TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH;

static int rsa_public(EVP_PKEY *pk, TPMT_PUBLIC *p)
{
	_cleanup_(bn_freep) BIGNUM *n = NULL, *e = NULL;
	BN_ULONG exponent;
	int bytes;

	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e))
		return -EBADMSG;
	bytes = BN_num_bytes(n);
	if (bytes < 128 || bytes > (int)sizeof(p->unique.rsa.buffer))
		return -EOPNOTSUPP;
	exponent = BN_get_word(e);
	if (exponent < 3 || exponent > UINT32_MAX)
		return -EOPNOTSUPP;

	*p = (TPMT_PUBLIC){
	    .type = TPM2_ALG_RSA,
	    .nameAlg = TPM2_ALG_SHA256,
	    .objectAttributes = pubkey_attributes,
	    .parameters.rsaDetail =
		{
		    .symmetric.algorithm = TPM2_ALG_NULL,
		    .scheme.scheme = TPM2_ALG_NULL,
		    .keyBits = (TPMI_RSA_KEY_BITS)(bytes * 8),
		    /* systemd 252 writes the exponent's value (65537), not 0. */
		    .exponent = (UINT32)exponent,
		},
	    .unique.rsa.size = (UINT16)bytes,
	};
	if (BN_bn2binpad(n, p->unique.rsa.buffer, bytes) != bytes)
		return -EBADMSG;
	return 0;
}

static int ecc_public(EVP_PKEY *pk, TPMT_PUBLIC *p)
{
	_cleanup_(bn_freep) BIGNUM *x = NULL, *y = NULL;
	char group[64];

	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    NULL))
		return -EBADMSG;
	if (!streq(group, SN_X9_62_prime256v1))
		return -EOPNOTSUPP;
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y))
		return -EBADMSG;

	*p = (TPMT_PUBLIC){
	    .type = TPM2_ALG_ECC,
	    .nameAlg = TPM2_ALG_SHA256,
	    .objectAttributes = pubkey_attributes,
	    .parameters.eccDetail =
		{
		    .symmetric.algorithm = TPM2_ALG_NULL,
		    .scheme.scheme = TPM2_ALG_NULL,
		    .curveID = TPM2_ECC_NIST_P256,
		    .kdf.scheme = TPM2_ALG_NULL,
		},
	    .unique.ecc =
		{
		    .x.size = ECC_P256_SIZE,
		    .y.size = ECC_P256_SIZE,
		},
	};
	if (BN_bn2binpad(x, p->unique.ecc.x.buffer, ECC_P256_SIZE) != ECC_P256_SIZE ||
	    BN_bn2binpad(y, p->unique.ecc.y.buffer, ECC_P256_SIZE) != ECC_P256_SIZE)
		return -EBADMSG;
	return 0;
}

/* name = nameAlg || SHA-256(marshalled TPMT_PUBLIC) */
static int public_name(const TPMT_PUBLIC *p, uint8_t ret[TPM2_NAME_SHA256_SIZE])
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0;

	if (Tss2_MU_TPMT_PUBLIC_Marshal(p, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return -EIO;
	ret[0] = (uint8_t)(TPM2_ALG_SHA256 >> 8);
	ret[1] = (uint8_t)TPM2_ALG_SHA256;
	if (EVP_Digest(buf, off, ret + 2, NULL, EVP_sha256(), NULL) != 1)
		return -EIO;
	return 0;
}

static int fingerprint(EVP_PKEY *pk, uint8_t ret[TPM2_SHA256_SIZE])
{
	unsigned char *der = NULL;
	int len = i2d_PublicKey(pk, &der);
	int r = 0;

	if (len <= 0)
		return -EBADMSG;
	if (EVP_Digest(der, (size_t)len, ret, NULL, EVP_sha256(), NULL) != 1)
		r = -EIO;
	OPENSSL_free(der);
	return r;
}

int pcr_pubkey_from_pem(const void *pem, size_t size, struct pcr_pubkey *ret)
{
	_cleanup_(evp_pkey_freep) EVP_PKEY *pk = NULL;
	struct pcr_pubkey k = {};
	BIO *bio;
	int r;

	if (!pem || !ret)
		return -EINVAL;
	if (size == 0 || size > PCR_PUBKEY_PEM_MAX)
		return -EBADMSG;
	bio = BIO_new_mem_buf(pem, (int)size);
	if (!bio)
		return -ENOMEM;
	pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pk) {
		/* Also DER SubjectPublicKeyInfo, the whole input and nothing else. */
		const unsigned char *p = pem;
		pk = d2i_PUBKEY(NULL, &p, (long)size);
		if (pk && p != (const unsigned char *)pem + size) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	if (!pk)
		return -EBADMSG;

	k.public.size = sizeof(TPMT_PUBLIC);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		r = rsa_public(pk, &k.public.publicArea);
		break;
	case EVP_PKEY_EC:
		r = ecc_public(pk, &k.public.publicArea);
		break;
	default:
		r = -EOPNOTSUPP;
	}
	if (r < 0)
		return r;
	r = public_name(&k.public.publicArea, k.name);
	if (r < 0)
		return r;
	r = fingerprint(pk, k.fingerprint);
	if (r < 0)
		return r;
	*ret = k;
	return 0;
}

static int ecdsa_signature(const uint8_t *sig, size_t size, TPMT_SIGNATURE *ret)
{
	const unsigned char *p = sig;
	const BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG *e = d2i_ECDSA_SIG(NULL, &p, (long)size);
	int ok;

	if (!e)
		return -EBADMSG;
	if (p != sig + size) {
		ECDSA_SIG_free(e);
		return -EBADMSG;
	}
	ECDSA_SIG_get0(e, &r, &s);
	*ret = (TPMT_SIGNATURE){
	    .sigAlg = TPM2_ALG_ECDSA,
	    .signature.ecdsa =
		{
		    .hash = TPM2_ALG_SHA256,
		    .signatureR.size = ECC_P256_SIZE,
		    .signatureS.size = ECC_P256_SIZE,
		},
	};
	ok =
	    BN_bn2binpad(r, ret->signature.ecdsa.signatureR.buffer, ECC_P256_SIZE) ==
		ECC_P256_SIZE &&
	    BN_bn2binpad(s, ret->signature.ecdsa.signatureS.buffer, ECC_P256_SIZE) == ECC_P256_SIZE;
	ECDSA_SIG_free(e);
	return ok ? 0 : -EBADMSG;
}

int pcr_pubkey_tpm_signature(const struct pcr_pubkey *key, const uint8_t *sig, size_t size,
			     TPMT_SIGNATURE *ret)
{
	if (!key || !ret || !sig || size == 0)
		return -EINVAL;
	if (key->public.publicArea.type == TPM2_ALG_ECC)
		return ecdsa_signature(sig, size, ret);
	if (size != key->public.publicArea.unique.rsa.size)
		return -EBADMSG;
	*ret = (TPMT_SIGNATURE){
	    .sigAlg = TPM2_ALG_RSASSA,
	    .signature.rsassa =
		{
		    .hash = TPM2_ALG_SHA256,
		    .sig.size = (UINT16)size,
		},
	};
	memcpy(ret->signature.rsassa.sig.buffer, sig, size);
	return 0;
}
