/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2.c — seal/unseal a secret to SHA-256 PCR values, read and extend PCRs,
 * and get random bytes, through tpm2-tss ESYS.  The object layout matches
 * systemd-cryptenroll (systemd 252) so "systemd-tpm2" LUKS2 tokens work both
 * ways; see tpm2.h for the contract.
 */
#include "tpm2.h"

#include <malloc.h>

#include "dl_crypto.h"
#include "dl_tss2.h"
#include "log.h"
#include "pcr_pubkey.h"
#include "secret.h"
#include "tpm2_prestart.h"
#include "tpm2_private.h"
#include "tpm2_svn.h"

/* How often Unseal is retried when the TPM says the PCRs changed between the
 * PolicyPCR check and the Unseal itself. */
#define TPM2_UNSEAL_RETRIES 3
/* Bytes asked of TPM2_GetRandom per call: every TPM returns at least a
 * SHA-256 digest's worth. */
#define TPM2_RANDOM_CHUNK 32

static const TPMT_SYM_DEF session_symmetric = {
	.algorithm = TPM2_ALG_AES,
	.keyBits.aes = 128,
	.mode.aes = TPM2_ALG_CFB,
};

static void esys_freep(void *p)
{
	if (*(void **)p)
		Esys_Free(*(void **)p);
}
#define _cleanup_esys_ _cleanup_(esys_freep)

int tpm2_rc_to_errno(uint32_t rc)
{
	uint32_t layer = rc & TSS2_RC_LAYER_MASK;
	uint32_t code = rc & ~TSS2_RC_LAYER_MASK;

	if (rc == TSS2_RC_SUCCESS)
		return 0;

	switch (layer) {
	case TSS2_TCTI_RC_LAYER:
		return -ENXIO;
	case TSS2_MU_RC_LAYER:
		return -EBADMSG;
	case TSS2_ESAPI_RC_LAYER:
	case TSS2_SYS_RC_LAYER:
		switch (code) {
		case TSS2_BASE_RC_IO_ERROR:
		case TSS2_BASE_RC_NO_CONNECTION:
		case TSS2_BASE_RC_TRY_AGAIN:
			return -ENXIO;
		case TSS2_BASE_RC_MALFORMED_RESPONSE:
			return -EIO;
		default:
			return -EIO;
		}
	case TSS2_TPM_RC_LAYER:
	case TSS2_RESMGR_TPM_RC_LAYER:
		break;
	default:
		return -EIO;
	}

	if (code & TPM2_RC_FMT1) {
		/* Format 1: error number in bits 0..5; the rest names the
		 * handle, session or parameter it applies to. */
		switch ((code & 0x3f) | TPM2_RC_FMT1) {
		case TPM2_RC_POLICY_FAIL:
		case TPM2_RC_AUTH_FAIL:
		case TPM2_RC_BAD_AUTH:
			return -EPERM;
		case TPM2_RC_INTEGRITY:
			return -EBADMSG;
		default:
			return -EIO;
		}
	}

	switch (code & 0xfff) {
	case TPM2_RC_LOCKOUT:
		return -ENOLCK;
	case TPM2_RC_PCR_CHANGED:
		return -EPERM;
	default:
		return -EIO;
	}
}

/* tpm2-tss and libcrypto, loaded on first use (dl_tss2.h, dl_crypto.h): every
 * path into this file that reaches either library passes here first, either
 * directly or through tpm2_context_new(). */
static int tpm2_libs_load(void)
{
	int r = dl_tss2_load();

	return r < 0 ? r : dl_crypto_load();
}

int tpm2_name_sha256(const void *public, size_t size, uint8_t ret[TPM2_NAME_SHA256_SIZE])
{
	int r;

	if (!public || !ret)
		return -EINVAL;
	r = dl_crypto_load();
	if (r < 0)
		return r;
	ret[0] = (uint8_t)(TPM2_ALG_SHA256 >> 8);
	ret[1] = (uint8_t)TPM2_ALG_SHA256;
	if (EVP_Digest(public, size, ret + 2, NULL, EVP_sha256(), NULL) != 1)
		return -EIO;
	return 0;
}

int tpm2_rc_log(TSS2_RC rc, const char *what)
{
	int r = tpm2_rc_to_errno(rc);

	log_debug("TPM2 %s failed: %s (0x%08x)", what, Tss2_RC_Decode(rc), (unsigned)rc);
	return r;
}

int tpm2_context_new(const char *tcti, struct tpm2_context **ret)
{
	struct tpm2_context *c;
	TSS2_RC rc;
	int r;

	if (!tcti || !ret)
		return -EINVAL;
	r = tpm2_libs_load();
	if (r < 0)
		return r;

	/* tpm2-tss writes its own warnings to stderr; sealroot reports each
	 * failure once through log.h, so keep the library quiet unless we are
	 * debugging or the user set TSS2_LOG. */
	if (!getenv("TSS2_LOG") && log_get_max_level() < LOG_LEVEL_DEBUG &&
	    setenv("TSS2_LOG", "all+none", 0) < 0)
		return -errno;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->pre_primary = c->pre_session = ESYS_TR_NONE;

	rc = Tss2_TctiLdr_Initialize(tcti, &c->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		log_debug("TPM2 TCTI \"%s\" failed: %s (0x%08x)", tcti, Tss2_RC_Decode(rc),
			  (unsigned)rc);
		r = -ENXIO;
		goto fail;
	}

	rc = Esys_Initialize(&c->esys, c->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "Esys_Initialize");
		if (r == -EIO)
			r = -ENXIO;
		goto fail;
	}

	rc = Esys_Startup(c->esys, TPM2_SU_CLEAR);
	if (rc != TSS2_RC_SUCCESS && (rc & ~TSS2_RC_LAYER_MASK) != TPM2_RC_INITIALIZE) {
		r = tpm2_rc_log(rc, "Startup");
		goto fail;
	}

	*ret = c;
	return 0;

fail:
	tpm2_context_free(c);
	return r;
}

void tpm2_context_free(struct tpm2_context *c)
{
	if (!c)
		return;
	if (c->esys) {
		tpm2_prestart_drop(c);
		Esys_Finalize(&c->esys);
	}
	if (c->tcti)
		Tss2_TctiLdr_Finalize(&c->tcti);
	free(c);
}

int tpm2_get_random(struct tpm2_context *c, void *buf, size_t size)
{
	uint8_t *p = buf;

	if (!c || (!buf && size > 0))
		return -EINVAL;

	while (size > 0) {
		_cleanup_esys_ TPM2B_DIGEST *rnd = NULL;
		UINT16 want = size > TPM2_RANDOM_CHUNK ? TPM2_RANDOM_CHUNK : (UINT16)size;
		TSS2_RC rc;

		rc = Esys_GetRandom(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, want, &rnd);
		if (rc != TSS2_RC_SUCCESS)
			return tpm2_rc_log(rc, "GetRandom");
		if (rnd->size == 0 || rnd->size > want) {
			explicit_wipe(rnd->buffer, sizeof(rnd->buffer));
			return -EIO;
		}
		memcpy(p, rnd->buffer, rnd->size);
		p += rnd->size;
		size -= rnd->size;
		explicit_wipe(rnd->buffer, sizeof(rnd->buffer));
	}
	return 0;
}

void tpm2_pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel)
{
	*sel = (TPML_PCR_SELECTION){
	    .count = 1,
	    .pcrSelections[0] =
		{
		    .hash = TPM2_ALG_SHA256,
		    .sizeofSelect = 3,
		    .pcrSelect = {mask & 0xff, (mask >> 8) & 0xff, (mask >> 16) & 0xff},
		},
	};
}

static uint32_t pcr_selection_to_mask(const TPMS_PCR_SELECTION *s)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < s->sizeofSelect && i < 3; i++)
		mask |= (uint32_t)s->pcrSelect[i] << (8 * i);
	return mask;
}

static bool pcr_mask_valid(uint32_t mask)
{
	return mask != 0 && mask < (UINT32_C(1) << TPM2_PCR_COUNT);
}

int tpm2_pcr_read(struct tpm2_context *c, uint32_t pcr_mask,
		  uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE])
{
	uint32_t left = pcr_mask;

	if (!c || !values || !pcr_mask_valid(pcr_mask))
		return -EINVAL;

	/* TPM2_PCR_Read answers at most 8 digests per call and says which
	 * ones it read; ask again for the rest. */
	while (left != 0) {
		_cleanup_esys_ TPML_PCR_SELECTION *out_sel = NULL;
		_cleanup_esys_ TPML_DIGEST *digests = NULL;
		TPML_PCR_SELECTION sel;
		uint32_t got = 0;
		unsigned n = 0;
		TSS2_RC rc;

		tpm2_pcr_selection(left, &sel);
		rc = Esys_PCR_Read(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, NULL,
				   &out_sel, &digests);
		if (rc != TSS2_RC_SUCCESS)
			return tpm2_rc_log(rc, "PCR_Read");

		for (unsigned i = 0; i < out_sel->count; i++)
			if (out_sel->pcrSelections[i].hash == TPM2_ALG_SHA256)
				got |= pcr_selection_to_mask(&out_sel->pcrSelections[i]);
		got &= left;
		if (got == 0) {
			log_debug("TPM2 PCR_Read returned none of the SHA-256 PCRs 0x%06x: bank "
				  "not allocated?",
				  (unsigned)left);
			return -EOPNOTSUPP;
		}
		if ((unsigned)__builtin_popcount(got) != digests->count)
			return -EIO;

		for (unsigned pcr = 0; pcr < TPM2_PCR_COUNT; pcr++) {
			if (!(got & (UINT32_C(1) << pcr)))
				continue;
			if (digests->digests[n].size != TPM2_SHA256_SIZE)
				return -EIO;
			memcpy(values[pcr], digests->digests[n].buffer, TPM2_SHA256_SIZE);
			n++;
		}
		left &= ~got;
	}
	return 0;
}

int tpm2_pcr_extend(struct tpm2_context *c, unsigned pcr, const void *data, size_t size)
{
	uint8_t digest[TPM2_SHA256_SIZE];

	if (!c || pcr >= TPM2_PCR_COUNT || (!data && size > 0))
		return -EINVAL;
	if (EVP_Digest(data ? data : "", size, digest, NULL, EVP_sha256(), NULL) != 1)
		return -EIO;
	return tpm2_pcr_extend_digest(c, pcr, digest);
}

int tpm2_pcr_extend_digest(struct tpm2_context *c, unsigned pcr,
			   const uint8_t digest[TPM2_SHA256_SIZE])
{
	TPML_DIGEST_VALUES digests = {
		.count = 1,
		.digests[0].hashAlg = TPM2_ALG_SHA256,
	};
	TSS2_RC rc;

	if (!c || pcr >= TPM2_PCR_COUNT || !digest)
		return -EINVAL;
	memcpy(digests.digests[0].digest.sha256, digest, TPM2_SHA256_SIZE);

	rc = Esys_PCR_Extend(c->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			     ESYS_TR_NONE, &digests);
	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "PCR_Extend");
	return 0;
}

/* The storage primary key systemd-cryptenroll uses: created afresh under the
 * owner hierarchy from a fixed template, so it is the same key every time on
 * the same TPM (until the owner seed changes) and is never persisted. */
int tpm2_create_primary(struct tpm2_context *c, uint16_t alg, ESYS_TR *ret)
{
	static const TPM2B_PUBLIC template_ecc = {
	    .size = sizeof(TPMT_PUBLIC),
	    .publicArea =
		{
		    .type = TPM2_ALG_ECC,
		    .nameAlg = TPM2_ALG_SHA256,
		    .objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
					TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
					TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH,
		    .parameters.eccDetail =
			{
			    .symmetric =
				{
				    .algorithm = TPM2_ALG_AES,
				    .keyBits.aes = 128,
				    .mode.aes = TPM2_ALG_CFB,
				},
			    .scheme.scheme = TPM2_ALG_NULL,
			    .curveID = TPM2_ECC_NIST_P256,
			    .kdf.scheme = TPM2_ALG_NULL,
			},
		},
	};
	static const TPM2B_PUBLIC template_rsa = {
	    .size = sizeof(TPMT_PUBLIC),
	    .publicArea =
		{
		    .type = TPM2_ALG_RSA,
		    .nameAlg = TPM2_ALG_SHA256,
		    .objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
					TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
					TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH,
		    .parameters.rsaDetail =
			{
			    .symmetric =
				{
				    .algorithm = TPM2_ALG_AES,
				    .keyBits.aes = 128,
				    .mode.aes = TPM2_ALG_CFB,
				},
			    .scheme.scheme = TPM2_ALG_NULL,
			    .keyBits = 2048,
			},
		},
	};
	static const TPM2B_SENSITIVE_CREATE sensitive = {};
	static const TPM2B_DATA outside_info = {};
	static const TPML_PCR_SELECTION creation_pcr = {};
	const TPM2B_PUBLIC *template;
	TSS2_RC rc;

	switch (alg) {
	case 0:
	case TPM2_ALG_ECC:
		template = &template_ecc;
		break;
	case TPM2_ALG_RSA:
		template = &template_rsa;
		break;
	default:
		log_debug("TPM2 primary algorithm 0x%04x is not supported", alg);
		return -EOPNOTSUPP;
	}

	rc = Esys_CreatePrimary(c->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sensitive, template, &outside_info, &creation_pcr,
				ret, NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "CreatePrimary");
	return 0;
}

/* The name of PRIMARY as ESYS computed it from CreatePrimary's outPublic. */
static int tpm2_primary_name(struct tpm2_context *c, ESYS_TR primary,
			     uint8_t ret[TPM2_NAME_SHA256_SIZE])
{
	_cleanup_esys_ TPM2B_NAME *name = NULL;
	TSS2_RC rc = Esys_TR_GetName(c->esys, primary, &name);

	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "TR_GetName (primary)");
	if (name->size != TPM2_NAME_SHA256_SIZE)
		return -EIO;
	memcpy(ret, name->name, TPM2_NAME_SHA256_SIZE);
	return 0;
}

void tpm2_flush(struct tpm2_context *c, ESYS_TR *h)
{
	if (*h == ESYS_TR_NONE)
		return;
	TSS2_RC rc = Esys_FlushContext(c->esys, *h);
	if (rc != TSS2_RC_SUCCESS)
		log_debug("TPM2 FlushContext failed: %s", Tss2_RC_Decode(rc));
	*h = ESYS_TR_NONE;
}

/* A session salted with the primary key (so its session key is unknown to
 * anyone watching the bus) doing AES-128-CFB parameter encryption both ways.
 * type: TPM2_SE_HMAC, TPM2_SE_POLICY. */
int tpm2_start_salted_session(struct tpm2_context *c, ESYS_TR primary, TPM2_SE type, ESYS_TR *ret)
{
	TSS2_RC rc;

	rc = Esys_StartAuthSession(c->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, type, &session_symmetric, TPM2_ALG_SHA256,
				   ret);
	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "StartAuthSession");

	rc = Esys_TRSess_SetAttributes(
	    c->esys, *ret,
	    TPMA_SESSION_DECRYPT | TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION, 0xff);
	if (rc != TSS2_RC_SUCCESS) {
		tpm2_flush(c, ret);
		return tpm2_rc_log(rc, "TRSess_SetAttributes");
	}
	return 0;
}

int tpm2_sha256_parts(uint8_t ret[TPM2_SHA256_SIZE], size_t n, const void *const parts[],
		      const size_t sizes[])
{
	EVP_MD_CTX *md;
	unsigned int len = 0;
	int r;

	if (!ret || (n > 0 && (!parts || !sizes)))
		return -EINVAL;
	r = dl_crypto_load();
	if (r < 0)
		return r;
	md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		r = -EIO;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (EVP_DigestUpdate(md, parts[i], sizes[i]) != 1)
			r = -EIO;
	if (r == 0 && (EVP_DigestFinal_ex(md, ret, &len) != 1 || len != TPM2_SHA256_SIZE))
		r = -EIO;
	EVP_MD_CTX_free(md);
	return r;
}

/* pcrDigest of PolicyPCR: SHA-256 over the selected values in ascending PCR
 * order.  Also loads both libraries for the callers that go on to marshal. */
static int pcr_values_digest(uint32_t mask, const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			     uint8_t ret[TPM2_SHA256_SIZE])
{
	const void *parts[TPM2_PCR_COUNT];
	size_t sizes[TPM2_PCR_COUNT], n = 0;
	int r = tpm2_libs_load();

	if (r < 0)
		return r;
	for (unsigned pcr = 0; pcr < TPM2_PCR_COUNT; pcr++)
		if (mask & (UINT32_C(1) << pcr)) {
			parts[n] = values[pcr];
			sizes[n++] = TPM2_SHA256_SIZE;
		}
	return tpm2_sha256_parts(ret, n, parts, sizes);
}

void tpm2_put_cc(uint8_t buf[4], uint32_t cc)
{
	buf[0] = (uint8_t)(cc >> 24);
	buf[1] = (uint8_t)(cc >> 16);
	buf[2] = (uint8_t)(cc >> 8);
	buf[3] = (uint8_t)cc;
}

int tpm2_policy_pcr_update(const uint8_t start[TPM2_SHA256_SIZE], uint32_t pcr_mask,
			   const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			   uint8_t ret[TPM2_SHA256_SIZE])
{
	uint8_t pcr_digest[TPM2_SHA256_SIZE], cc[4], sel_buf[sizeof(TPML_PCR_SELECTION)];
	TPML_PCR_SELECTION sel;
	size_t sel_size = 0;
	TSS2_RC rc;
	int r;

	r = pcr_values_digest(pcr_mask, values, pcr_digest); /* loads the libraries */
	if (r < 0)
		return r;

	/* The selection exactly as PolicyPCR sends it (TPM byte order). */
	tpm2_pcr_selection(pcr_mask, &sel);
	rc = Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, sel_buf, sizeof(sel_buf), &sel_size);
	if (rc != TSS2_RC_SUCCESS)
		return -EIO;
	tpm2_put_cc(cc, TPM2_CC_PolicyPCR);
	return tpm2_sha256_parts(
	    ret, 4, (const void *const[]){ start, cc, sel_buf, pcr_digest },
	    (const size_t[]){ TPM2_SHA256_SIZE, sizeof(cc), sel_size, sizeof(pcr_digest) });
}

int tpm2_policy_pcr_digest(uint32_t pcr_mask,
			   const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			   uint8_t ret[TPM2_SHA256_SIZE])
{
	static const uint8_t zero[TPM2_SHA256_SIZE];

	if (!values || !ret || !pcr_mask_valid(pcr_mask))
		return -EINVAL;
	/* A fresh session starts from the all-zero digest. */
	return tpm2_policy_pcr_update(zero, pcr_mask, values, ret);
}

int tpm2_policy_signed_digest(const uint8_t key_name[TPM2_NAME_SHA256_SIZE], uint32_t pcr_mask,
			      const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			      uint8_t ret[TPM2_SHA256_SIZE])
{
	static const uint8_t zero[TPM2_SHA256_SIZE];
	uint8_t cc[4], first[TPM2_SHA256_SIZE], authorized[TPM2_SHA256_SIZE];
	int r = 0;

	if (!key_name || !ret || (pcr_mask != 0 && (!values || !pcr_mask_valid(pcr_mask))))
		return -EINVAL;
	r = tpm2_libs_load();
	if (r < 0)
		return r;
	tpm2_put_cc(cc, TPM2_CC_PolicyAuthorize);

	/* PolicyAuthorize resets the digest, then extends it with the key's
	 * name and (separately) the policyRef, which is empty here. */
	r = tpm2_sha256_parts(first, 3, (const void *const[]){ zero, cc, key_name },
			      (const size_t[]){ sizeof(zero), sizeof(cc), TPM2_NAME_SHA256_SIZE });
	if (r < 0)
		return r;
	if (EVP_Digest(first, sizeof(first), authorized, NULL, EVP_sha256(), NULL) != 1)
		return -EIO;

	if (pcr_mask == 0) {
		memcpy(ret, authorized, TPM2_SHA256_SIZE);
		return 0;
	}
	return tpm2_policy_pcr_update(authorized, pcr_mask, values, ret);
}

/* The same digest computed by the TPM in a trial session, as a cross-check:
 * a policy the TPM would compute differently can never be satisfied. */
/* Load KEY (public part only) for PolicyAuthorize and VerifySignature, under
 * the owner hierarchy as systemd does, and check that the TPM names it as
 * sealroot computed (the name is what the policy binds). */
static int tpm2_load_pubkey(struct tpm2_context *c, const struct pcr_pubkey *key, ESYS_TR *ret)
{
	_cleanup_esys_ TPM2B_NAME *name = NULL;
	TSS2_RC rc;

	rc = Esys_LoadExternal(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL,
			       &key->public, ESYS_TR_RH_OWNER, ret);
	if (rc != TSS2_RC_SUCCESS) {
		int r = tpm2_rc_log(rc, "LoadExternal (PCR public key)");
		return r == -ENXIO || r == -ENOLCK ? r : -EOPNOTSUPP;
	}
	rc = Esys_TR_GetName(c->esys, *ret, &name);
	if (rc != TSS2_RC_SUCCESS) {
		tpm2_flush(c, ret);
		return tpm2_rc_log(rc, "TR_GetName (PCR public key)");
	}
	if (name->size != TPM2_NAME_SHA256_SIZE ||
	    memcmp(name->name, key->name, TPM2_NAME_SHA256_SIZE) != 0) {
		log_debug("TPM2 names the PCR public key differently than sealroot computed");
		tpm2_flush(c, ret);
		return -EIO;
	}
	return 0;
}

/* The policy digest computed by the TPM in a trial session, as a
 * cross-check: a policy the TPM would compute differently can never be
 * satisfied.  With KEY: PolicyPCR over PUBKEY_MASK (current values, which a
 * trial PolicyAuthorize ignores), PolicyAuthorize; then PolicyPCR over MASK
 * (may be 0 with KEY) holding VALUES. */
static int tpm2_trial_policy(struct tpm2_context *c, const struct pcr_pubkey *key,
			     uint32_t pubkey_mask, uint32_t mask,
			     const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			     const uint8_t *svn_auth_policy, uint8_t ret[TPM2_SHA256_SIZE])
{
	_cleanup_esys_ TPM2B_DIGEST *digest = NULL;
	TPM2B_DIGEST pcr_digest = { .size = TPM2_SHA256_SIZE };
	ESYS_TR session = ESYS_TR_NONE, key_handle = ESYS_TR_NONE;
	TPML_PCR_SELECTION sel;
	TSS2_RC rc;
	int r = 0;

	if (mask != 0) {
		r = pcr_values_digest(mask, values, pcr_digest.buffer);
		if (r < 0)
			return r;
	}
	if (key) {
		r = tpm2_load_pubkey(c, key, &key_handle);
		if (r < 0)
			return r;
	}

	rc = Esys_StartAuthSession(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_TRIAL, &session_symmetric,
				   TPM2_ALG_SHA256, &session);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "StartAuthSession (trial)");
		goto out;
	}

	if (key) {
		/* No ticket is checked in a trial session. */
		static const TPMT_TK_VERIFIED no_ticket = {
			.tag = TPM2_ST_VERIFIED,
			.hierarchy = TPM2_RH_OWNER,
		};
		static const TPM2B_NONCE no_ref = {};
		_cleanup_esys_ TPM2B_DIGEST *approved = NULL;
		TPM2B_NAME name = { .size = TPM2_NAME_SHA256_SIZE };

		memcpy(name.name, key->name, TPM2_NAME_SHA256_SIZE);
		tpm2_pcr_selection(pubkey_mask, &sel);
		rc = Esys_PolicyPCR(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				    NULL, &sel);
		if (rc == TSS2_RC_SUCCESS)
			rc = Esys_PolicyGetDigest(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE,
						  ESYS_TR_NONE, &approved);
		if (rc == TSS2_RC_SUCCESS)
			rc = Esys_PolicyAuthorize(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE,
						  ESYS_TR_NONE, approved, &no_ref, &name,
						  &no_ticket);
		if (rc != TSS2_RC_SUCCESS) {
			r = tpm2_rc_log(rc, "PolicyAuthorize (trial)");
			goto out;
		}
	}

	if (mask != 0) {
		tpm2_pcr_selection(mask, &sel);
		rc = Esys_PolicyPCR(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				    &pcr_digest, &sel);
		if (rc != TSS2_RC_SUCCESS) {
			r = tpm2_rc_log(rc, "PolicyPCR (trial)");
			goto out;
		}
	}
	if (svn_auth_policy) {
		r = tpm2_svn_policy_nv(c, session, svn_auth_policy);
		if (r < 0)
			goto out;
	}

	rc = Esys_PolicyGetDigest(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  &digest);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "PolicyGetDigest (trial)");
		goto out;
	}
	if (digest->size != TPM2_SHA256_SIZE) {
		r = -EIO;
		goto out;
	}
	memcpy(ret, digest->buffer, TPM2_SHA256_SIZE);
out:
	tpm2_flush(c, &session);
	tpm2_flush(c, &key_handle);
	return r;
}

void tpm2_sealed_done(struct tpm2_sealed *s)
{
	if (!s)
		return;
	explicit_wipe(s->blob, s->blob_size);
	free(s->blob);
	free(s->pubkey);
	explicit_wipe(s, sizeof(*s));
}

static int tpm2_unmarshal_blob(const uint8_t *blob, size_t size, TPM2B_PRIVATE *private,
			       TPM2B_PUBLIC *public)
{
	size_t off = 0;
	TSS2_RC rc;
	int r;

	if (!blob || size == 0)
		return -EBADMSG;
	r = tpm2_libs_load();
	if (r < 0)
		return r;
	rc = Tss2_MU_TPM2B_PRIVATE_Unmarshal(blob, size, &off, private);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(blob, size, &off, public);
	if (rc != TSS2_RC_SUCCESS) {
		log_debug("Sealed blob (%zu bytes) cannot be unmarshalled: %s", size,
			  Tss2_RC_Decode(rc));
		return -EBADMSG;
	}
	if (off != size) {
		log_debug("Sealed blob has %zu trailing bytes", size - off);
		return -EBADMSG;
	}
	if (public->publicArea.type != TPM2_ALG_KEYEDHASH) {
		log_debug("Sealed blob holds object type 0x%04x, not KEYEDHASH",
			  public->publicArea.type);
		return -EBADMSG;
	}
	return 0;
}

int tpm2_blob_validate(const void *blob, size_t size)
{
	TPM2B_PRIVATE private = {};
	TPM2B_PUBLIC public = {};
	int r;

	r = tpm2_unmarshal_blob(blob, size, &private, &public);
	explicit_wipe(&private, sizeof(private));
	return r;
}

int tpm2_blob_auth_policy(const void *blob, size_t size, uint8_t ret[TPM2_SHA256_SIZE])
{
	TPM2B_PRIVATE private = {};
	TPM2B_PUBLIC public = {};
	int r;

	r = tpm2_unmarshal_blob(blob, size, &private, &public);
	explicit_wipe(&private, sizeof(private));
	if (r < 0)
		return r;
	if (public.publicArea.authPolicy.size != TPM2_SHA256_SIZE) {
		log_debug("Sealed blob's authPolicy is %u bytes, not a SHA-256 digest",
			  public.publicArea.authPolicy.size);
		return -EBADMSG;
	}
	memcpy(ret, public.publicArea.authPolicy.buffer, TPM2_SHA256_SIZE);
	return 0;
}

static int tpm2_marshal_blob(const TPM2B_PRIVATE *private, const TPM2B_PUBLIC *public,
			     uint8_t **ret, size_t *ret_size)
{
	size_t max = sizeof(*private) + sizeof(*public), off = 0;
	_cleanup_free_ uint8_t *blob = NULL;
	TSS2_RC rc;
	int r = tpm2_libs_load();

	if (r < 0)
		return r;
	blob = malloc(max);
	if (!blob)
		return -ENOMEM;
	rc = Tss2_MU_TPM2B_PRIVATE_Marshal(private, blob, max, &off);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PUBLIC_Marshal(public, blob, max, &off);
	if (rc != TSS2_RC_SUCCESS) {
		log_debug("Marshalling the sealed object failed: %s", Tss2_RC_Decode(rc));
		return -EIO;
	}
	*ret = TAKE_PTR(blob);
	*ret_size = off;
	return 0;
}

/* ESYS keeps a copy of each command's input parameters in its context (for
 * resubmission), where the sensitive data of TPM2_Create would stay until the
 * context is freed, unwiped.  The context is opaque, so find every copy of
 * SENSITIVE, the whole structure as passed to Esys_Create (ESYS copies it by
 * value), in its allocation and wipe it.  Not the secret's bytes alone: a
 * secret of a byte or two also matches pieces of the pointers in the
 * context, and wiping those corrupts it (a crash in a later ESYS call). */
static void tpm2_wipe_input_copies(struct tpm2_context *c, const TPM2B_SENSITIVE_CREATE *sensitive)
{
	const uint8_t *pattern = (const uint8_t *)sensitive;
	uint8_t *p = (uint8_t *)c->esys;
	size_t size = malloc_usable_size(c->esys), n = sizeof(*sensitive);

	if (size < n)
		return;
	for (size_t i = 0; i + n <= size; i++)
		if (p[i] == pattern[0] && memcmp(p + i, pattern, n) == 0)
			explicit_wipe(p + i, n);
}

int tpm2_seal(struct tpm2_context *c, uint32_t pcr_mask, const struct secret *secret,
	      struct tpm2_sealed *ret)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	int r;

	if (!c || !pcr_mask_valid(pcr_mask))
		return -EINVAL;
	r = tpm2_pcr_read(c, pcr_mask, values);
	if (r < 0)
		return r;
	return tpm2_seal_to_values(c, pcr_mask, values, secret, ret);
}

int tpm2_seal_to_values(struct tpm2_context *c, uint32_t pcr_mask,
			const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			const struct secret *secret, struct tpm2_sealed *ret)
{
	if (!pcr_mask_valid(pcr_mask))
		return -EINVAL;
	return tpm2_seal_to_values_signed(c, pcr_mask, values, NULL, 0, 0, secret, ret);
}

int tpm2_seal_to_values_signed(struct tpm2_context *c, uint32_t pcr_mask,
			       const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			       const void *pubkey, size_t pubkey_size, uint32_t pubkey_pcr_mask,
			       const struct secret *secret, struct tpm2_sealed *ret)
{
	return tpm2_seal_to_values_svn(c, pcr_mask, values, pubkey, pubkey_size, pubkey_pcr_mask,
				       NULL, secret, ret);
}

int tpm2_seal_to_values_svn(struct tpm2_context *c, uint32_t pcr_mask,
			    const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			    const void *pubkey, size_t pubkey_size, uint32_t pubkey_pcr_mask,
			    const uint8_t *svn_auth_policy, const struct secret *secret,
			    struct tpm2_sealed *ret)
{
	uint8_t trial[TPM2_SHA256_SIZE];
	_cleanup_esys_ TPM2B_PRIVATE *private = NULL;
	_cleanup_esys_ TPM2B_PUBLIC *public = NULL;
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE;
	static const TPM2B_DATA outside_info = {};
	static const TPML_PCR_SELECTION creation_pcr = {};
	TPM2B_SENSITIVE_CREATE sensitive = {};
	TPM2B_PUBLIC template;
	struct pcr_pubkey key;
	struct tpm2_sealed s = {};
	bool is_signed = pubkey_pcr_mask != 0;
	TSS2_RC rc;
	int r;

	if (!c || !values || !secret || !ret)
		return -EINVAL;
	if (is_signed ? (!pubkey || !pcr_mask_valid(pubkey_pcr_mask) ||
			 pcr_mask >= (UINT32_C(1) << TPM2_PCR_COUNT))
		      : !pcr_mask_valid(pcr_mask))
		return -EINVAL;
	if (!secret->data || secret->size == 0 ||
	    secret->size > sizeof(sensitive.sensitive.data.buffer) ||
	    secret->size > TPM2_SEAL_SECRET_MAX)
		return -EINVAL;

	s.pcr_mask = pcr_mask;
	s.pcr_bank = TPM2_ALG_SHA256;
	s.primary_alg = TPM2_ALG_ECC;

	for (unsigned pcr = 0; pcr < TPM2_PCR_COUNT; pcr++)
		if (pcr_mask & (UINT32_C(1) << pcr))
			memcpy(s.pcr_values[pcr], values[pcr], TPM2_SHA256_SIZE);
	if (is_signed) {
		r = pcr_pubkey_from_pem(pubkey, pubkey_size, &key);
		if (r < 0)
			goto out;
		s.pubkey = malloc(pubkey_size);
		if (!s.pubkey) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(s.pubkey, pubkey, pubkey_size);
		s.pubkey_size = pubkey_size;
		s.pubkey_pcr_mask = pubkey_pcr_mask;
		r = tpm2_policy_signed_digest(key.name, pcr_mask, s.pcr_values, s.policy_hash);
	} else
		r = tpm2_policy_pcr_digest(pcr_mask, s.pcr_values, s.policy_hash);
	if (r >= 0 && svn_auth_policy) {
		s.svn_bound = true;
		memcpy(s.svn_auth_policy, svn_auth_policy, TPM2_SHA256_SIZE);
		r = tpm2_svn_policy_update(s.policy_hash, svn_auth_policy, s.policy_hash);
	}
	if (r < 0)
		goto out;
	r = tpm2_trial_policy(c, is_signed ? &key : NULL, pubkey_pcr_mask, pcr_mask, s.pcr_values,
			      svn_auth_policy, trial);
	if (r < 0)
		goto out;
	if (memcmp(trial, s.policy_hash, TPM2_SHA256_SIZE) != 0) {
		log_debug("TPM2 trial session computed another policy digest than sealroot");
		r = -EIO;
		goto out;
	}

	r = tpm2_create_primary(c, TPM2_ALG_ECC, &primary);
	if (r < 0)
		goto out;
	r = tpm2_primary_name(c, primary, s.primary_name);
	if (r < 0)
		goto out;
	s.primary_name_size = TPM2_NAME_SHA256_SIZE;
	r = tpm2_start_salted_session(c, primary, TPM2_SE_HMAC, &session);
	if (r < 0)
		goto out;

	/* Same as systemd-cryptenroll: a policy-only KEYEDHASH data object. */
	template = (TPM2B_PUBLIC){
	    .size = sizeof(TPMT_PUBLIC),
	    .publicArea =
		{
		    .type = TPM2_ALG_KEYEDHASH,
		    .nameAlg = TPM2_ALG_SHA256,
		    .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT,
		    .parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
		    .unique.keyedHash.size = TPM2_SHA256_SIZE,
		    .authPolicy.size = TPM2_SHA256_SIZE,
		},
	};
	memcpy(template.publicArea.authPolicy.buffer, s.policy_hash, TPM2_SHA256_SIZE);

	sensitive.size = sizeof(sensitive.sensitive);
	sensitive.sensitive.data.size = (UINT16)secret->size;
	memcpy(sensitive.sensitive.data.buffer, secret->data, secret->size);

	rc = Esys_Create(c->esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
			 &template, &outside_info, &creation_pcr, &private, &public, NULL, NULL,
			 NULL);
	tpm2_wipe_input_copies(c, &sensitive);
	explicit_wipe(&sensitive, sizeof(sensitive));
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "Create (sealed object)");
		goto out;
	}

	r = tpm2_marshal_blob(private, public, &s.blob, &s.blob_size);
	if (r < 0)
		goto out;

	*ret = s;
	s = (struct tpm2_sealed){};
out:
	tpm2_flush(c, &session);
	tpm2_flush(c, &primary);
	tpm2_sealed_done(&s);
	return r;
}

/* ESYS decrypts a response's encrypted parameter in place, in the SYS
 * context's buffer, where it would stay until a later response overwrites
 * it; wipe it after a command that returned a secret. */
static void tpm2_wipe_response(struct tpm2_context *c)
{
	TSS2_SYS_CONTEXT *sys = NULL;
	const uint8_t *rp = NULL;
	size_t size = 0;

	if (Esys_GetSysContext(c->esys, &sys) != TSS2_RC_SUCCESS || !sys ||
	    Tss2_Sys_GetRpBuffer(sys, &size, &rp) != TSS2_RC_SUCCESS || !rp) {
		log_debug("TPM2: cannot reach the response buffer to wipe it");
		return;
	}
	/* The buffer belongs to the context we own; const only in the API. */
	explicit_wipe((void *)rp, size);
}

/* The signed part of a policy session: PolicyPCR over the signed PCRs (their
 * current values), which must give the digest SIG approves; the TPM checks
 * the signature with KEY (a ticket), then PolicyAuthorize. */
static int tpm2_policy_authorize(struct tpm2_context *c, ESYS_TR session, ESYS_TR key_handle,
				 const struct pcr_pubkey *key, uint32_t pubkey_mask,
				 const struct tpm2_policy_signature *sig)
{
	static const TPM2B_NONCE no_ref = {};
	_cleanup_esys_ TPM2B_DIGEST *approved = NULL;
	_cleanup_esys_ TPMT_TK_VERIFIED *ticket = NULL;
	TPM2B_DIGEST hash = { .size = TPM2_SHA256_SIZE };
	TPM2B_NAME name = { .size = TPM2_NAME_SHA256_SIZE };
	TPMT_SIGNATURE tsig;
	TPML_PCR_SELECTION sel;
	TSS2_RC rc;
	int r;

	tpm2_pcr_selection(pubkey_mask, &sel);
	rc = Esys_PolicyPCR(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &sel);
	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "PolicyPCR (signed PCRs)");
	rc = Esys_PolicyGetDigest(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  &approved);
	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "PolicyGetDigest (signed PCRs)");
	if (approved->size != TPM2_SHA256_SIZE ||
	    memcmp(approved->buffer, sig->approved, TPM2_SHA256_SIZE) != 0) {
		log_debug("TPM2 signed PCRs no longer give the policy digest the signature is for");
		return -EKEYREJECTED;
	}

	r = pcr_pubkey_tpm_signature(key, sig->sig, sig->sig_size, &tsig);
	if (r < 0) {
		log_debug("PCR policy signature cannot be a signature by this key");
		return -EKEYREVOKED;
	}
	/* VerifySignature takes the digest that was signed: SHA-256(policy). */
	if (EVP_Digest(approved->buffer, TPM2_SHA256_SIZE, hash.buffer, NULL, EVP_sha256(), NULL) !=
	    1)
		return -EIO;
	rc = Esys_VerifySignature(c->esys, key_handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  &hash, &tsig, &ticket);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "VerifySignature");
		return r == -ENXIO || r == -ENOLCK ? r : -EKEYREVOKED;
	}

	memcpy(name.name, key->name, TPM2_NAME_SHA256_SIZE);
	rc = Esys_PolicyAuthorize(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  approved, &no_ref, &name, ticket);
	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "PolicyAuthorize");
	return 0;
}

/* One policy session attempt: PolicyPCR on the current values, compare, and
 * Unseal.  Returns -EAGAIN when the PCRs changed between check and use.  The
 * session is *PRESTARTED when that is not ESYS_TR_NONE (taken: set to
 * ESYS_TR_NONE, so no other attempt can use it), else a new one; flushed
 * either way. */
static int tpm2_unseal_once(struct tpm2_context *c, ESYS_TR primary, ESYS_TR *prestarted,
			    ESYS_TR object, const struct tpm2_sealed *sealed,
			    const TPM2B_DIGEST *auth_policy, ESYS_TR key_handle,
			    const struct pcr_pubkey *key, const struct tpm2_policy_signature *sig,
			    struct secret *ret)
{
	_cleanup_esys_ TPM2B_DIGEST *digest = NULL;
	_cleanup_esys_ TPM2B_SENSITIVE_DATA *data = NULL;
	ESYS_TR session = *prestarted;
	TPML_PCR_SELECTION sel;
	TSS2_RC rc;
	int r;

	*prestarted = ESYS_TR_NONE;
	if (session == ESYS_TR_NONE) {
		r = tpm2_start_salted_session(c, primary, TPM2_SE_POLICY, &session);
		if (r < 0)
			return r;
	}

	if (key) {
		r = tpm2_policy_authorize(c, session, key_handle, key, sealed->pubkey_pcr_mask,
					  sig);
		if (r < 0)
			goto out;
	}

	/* Empty pcrDigest: the TPM checks against the PCRs' current values.
	 * With no PCRs systemd adds no PolicyPCR at all (the policy is the
	 * all-zero digest of an empty policy session), so neither do we. */
	if (sealed->pcr_mask != 0) {
		tpm2_pcr_selection(sealed->pcr_mask, &sel);
		rc = Esys_PolicyPCR(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				    NULL, &sel);
		if (rc != TSS2_RC_SUCCESS) {
			r = tpm2_rc_log(rc, "PolicyPCR");
			goto out;
		}
	}
	if (sealed->svn_bound) {
		r = tpm2_svn_policy_nv(c, session, sealed->svn_auth_policy);
		if (r < 0)
			goto out;
	}

	rc = Esys_PolicyGetDigest(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  &digest);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "PolicyGetDigest");
		goto out;
	}

	if (digest->size != TPM2_SHA256_SIZE ||
	    memcmp(digest->buffer, sealed->policy_hash, TPM2_SHA256_SIZE) != 0) {
		bool blob_matches =
		    auth_policy->size == TPM2_SHA256_SIZE &&
		    memcmp(auth_policy->buffer, sealed->policy_hash, TPM2_SHA256_SIZE) == 0;
		log_debug("TPM2 policy digest of the current PCRs differs from the stored one%s",
			  blob_matches ? " (PCR values changed)"
				       : " (stored policy hash does not match the blob)");
		r = blob_matches ? -EPERM : -ESTALE;
		goto out;
	}

	rc = Esys_Unseal(c->esys, object, session, ESYS_TR_NONE, ESYS_TR_NONE, &data);
	tpm2_wipe_response(c);
	if (rc != TSS2_RC_SUCCESS) {
		if ((rc & ~TSS2_RC_LAYER_MASK) == TPM2_RC_PCR_CHANGED)
			r = -EAGAIN;
		else
			r = tpm2_rc_log(rc, "Unseal");
		goto out;
	}

	if (data->size == 0) {
		r = -EBADMSG;
		goto out;
	}
	r = secret_dup(data->buffer, data->size, ret);
out:
	if (data)
		explicit_wipe(data, sizeof(*data));
	tpm2_flush(c, &session);
	return r;
}

int tpm2_unseal(struct tpm2_context *c, const struct tpm2_sealed *sealed, struct secret *ret)
{
	return tpm2_unseal_signed(c, sealed, NULL, ret);
}

int tpm2_unseal_signed(struct tpm2_context *c, const struct tpm2_sealed *sealed,
		       const struct tpm2_policy_signature *sig, struct secret *ret)
{
	TPM2B_PRIVATE private = {};
	TPM2B_PUBLIC public = {};
	ESYS_TR primary = ESYS_TR_NONE, object = ESYS_TR_NONE, key_handle = ESYS_TR_NONE;
	ESYS_TR session = ESYS_TR_NONE;
	struct pcr_pubkey key;
	bool is_signed;
	TSS2_RC rc;
	int r;

	if (!c || !sealed || !ret)
		return -EINVAL;
	is_signed = sealed->pubkey_pcr_mask != 0;
	if (sealed->pubkey_pcr_mask >= (UINT32_C(1) << TPM2_PCR_COUNT))
		return -EINVAL;
	if (is_signed && (!sig || !sig->sig || sig->sig_size == 0))
		return -ENOKEY;
	if (is_signed) {
		r = pcr_pubkey_from_pem(sealed->pubkey, sealed->pubkey_size, &key);
		if (r < 0)
			return r;
	}
	/* An empty PCR set is refused when sealing but accepted here: systemd
	 * enrolls with --tpm2-pcrs= (empty) as an object bound to nothing but
	 * this TPM. */
	if (sealed->pcr_mask >= (UINT32_C(1) << TPM2_PCR_COUNT))
		return -EINVAL;
	if (sealed->pcr_bank != 0 && sealed->pcr_bank != TPM2_ALG_SHA256) {
		log_debug("TPM2 PCR bank 0x%04x is not supported, only SHA-256", sealed->pcr_bank);
		return -EOPNOTSUPP;
	}

	r = tpm2_unmarshal_blob(sealed->blob, sealed->blob_size, &private, &public);
	if (r < 0)
		return r;

	/* The primary and policy session started before the partition appeared
	 * (tpm2_prestart.h), when this token's primary is the ECC one they were
	 * made with; else both are flushed and the primary is created now. */
	tpm2_prestart_take(c, sealed->primary_alg, &primary, &session);
	if (primary != ESYS_TR_NONE)
		log_debug("TPM2: unsealing under the primary key and with the policy session "
			  "started before the partition appeared");
	else {
		r = tpm2_create_primary(c, sealed->primary_alg, &primary);
		if (r < 0)
			return r;
	}
	/* Pinned: the salt of the session the secret travels in is encrypted
	 * to this key, so it must be the key the object was sealed under and
	 * not one an interposer answered with.  A pre-started session is
	 * salted to it already, before this check: that is harmless because
	 * until here nothing has been sent in it (it exists, nothing more),
	 * and on a mismatch it is flushed unused.  So this check comes before
	 * Load and before any command in the session, for every primary. */
	if (sealed->primary_name_size > 0) {
		uint8_t name[TPM2_NAME_SHA256_SIZE];
		r = tpm2_primary_name(c, primary, name);
		if (r < 0)
			goto out;
		if (sealed->primary_name_size != TPM2_NAME_SHA256_SIZE ||
		    memcmp(name, sealed->primary_name, TPM2_NAME_SHA256_SIZE) != 0) {
			log_debug("TPM2 primary key name differs from the one recorded at sealing");
			r = -EREMCHG;
			goto out;
		}
	}

	/* Nothing secret crosses the bus here: the private part is encrypted
	 * to the primary key. */
	rc = Esys_Load(c->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &private,
		       &public, &object);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "Load (sealed object)");
		if (r != -ENXIO && r != -ENOLCK)
			r = -EBADMSG;
		goto out;
	}

	if (is_signed) {
		r = tpm2_load_pubkey(c, &key, &key_handle);
		if (r < 0)
			goto out;
	}

	for (unsigned attempt = 1;; attempt++) {
		r = tpm2_unseal_once(c, primary, &session, object, sealed,
				     &public.publicArea.authPolicy, key_handle,
				     is_signed ? &key : NULL, sig, ret);
		if (r != -EAGAIN)
			break;
		if (attempt >= TPM2_UNSEAL_RETRIES) {
			r = -EPERM;
			break;
		}
		log_debug("TPM2 PCRs changed during unseal, retrying");
	}
out:
	tpm2_flush(c, &session); /* a pre-started one not used: refused before */
	tpm2_flush(c, &key_handle);
	tpm2_flush(c, &object);
	tpm2_flush(c, &primary);
	explicit_wipe(&private, sizeof(private));
	return r;
}
