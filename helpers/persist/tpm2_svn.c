/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2_svn.c — the NV index of the minimum security version: its fixed
 * public area, name and policies, define, read, raise; see tpm2_svn.h.
 */
#include "tpm2_svn.h"

#include "dl_crypto.h"
#include "dl_tss2.h"

#include "log.h"
#include "tpm2_private.h"

#define SVN_NV_ATTRIBUTES                                                                          \
	((TPMA_NV)((TPM2_NT_BITS << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_POLICYWRITE |                 \
		   TPMA_NV_AUTHREAD | TPMA_NV_NO_DA))

static void esys_freep(void *p)
{
	Esys_Free(*(void **)p);
}
#define _cleanup_esys_ _cleanup_(esys_freep)

int tpm2_svn_write_policy(uint8_t ret[TPM2_SHA256_SIZE])
{
	static const uint8_t zero[TPM2_SHA256_SIZE];
	static const uint8_t zero_values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE];
	uint8_t cc[4], code[4], after_cc[TPM2_SHA256_SIZE];
	int r;

	if (!ret)
		return -EINVAL;
	/* PolicyCommandCode: H(0 || TPM_CC_PolicyCommandCode || TPM_CC_NV_SetBits). */
	tpm2_put_cc(cc, TPM2_CC_PolicyCommandCode);
	tpm2_put_cc(code, TPM2_CC_NV_SetBits);
	r = tpm2_sha256_parts(after_cc, 3, (const void *const[]){ zero, cc, code },
			      (const size_t[]){ sizeof(zero), sizeof(cc), sizeof(code) });
	if (r < 0)
		return r;
	return tpm2_policy_pcr_update(after_cc, UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR, zero_values,
				      ret);
}

int tpm2_svn_auth_policy(const uint8_t nonce[TPM2_SVN_NONCE_SIZE], uint8_t ret[TPM2_SHA256_SIZE])
{
	static const uint8_t zero[TPM2_SHA256_SIZE];
	uint8_t cc[4], w[TPM2_SHA256_SIZE];
	int r;

	if (!nonce || !ret)
		return -EINVAL;
	r = tpm2_svn_write_policy(w);
	if (r < 0)
		return r;
	tpm2_put_cc(cc, TPM2_CC_PolicyOR);
	return tpm2_sha256_parts(
	    ret, 4, (const void *const[]){ zero, cc, w, nonce },
	    (const size_t[]){ sizeof(zero), sizeof(cc), sizeof(w), TPM2_SVN_NONCE_SIZE });
}

static void svn_nv_public(const uint8_t auth_policy[TPM2_SHA256_SIZE], bool written,
			  TPM2B_NV_PUBLIC *ret)
{
	*ret = (TPM2B_NV_PUBLIC){
		.nvPublic =
		    {
			.nvIndex = TPM2_SVN_NV_INDEX,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = SVN_NV_ATTRIBUTES | (written ? TPMA_NV_WRITTEN : 0),
			.authPolicy.size = TPM2_SHA256_SIZE,
			.dataSize = TPM2_SVN_NV_SIZE,
		    },
	};
	memcpy(ret->nvPublic.authPolicy.buffer, auth_policy, TPM2_SHA256_SIZE);
}

static int nv_name_of(const TPMS_NV_PUBLIC *p, uint8_t ret[TPM2_NAME_SHA256_SIZE])
{
	uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
	size_t off = 0;
	int r = dl_tss2_load();

	if (r < 0)
		return r;
	if (Tss2_MU_TPMS_NV_PUBLIC_Marshal(p, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return -EIO;
	return tpm2_name_sha256(buf, off, ret);
}

int tpm2_svn_nv_name(const uint8_t auth_policy[TPM2_SHA256_SIZE], bool written,
		     uint8_t ret[TPM2_NAME_SHA256_SIZE])
{
	TPM2B_NV_PUBLIC pub;

	if (!auth_policy || !ret)
		return -EINVAL;
	svn_nv_public(auth_policy, written, &pub);
	return nv_name_of(&pub.nvPublic, ret);
}

static void policy_operand(TPM2B_OPERAND *b)
{
	*b = (TPM2B_OPERAND){ .size = TPM2_SVN_NV_SIZE };
	/* Big-endian 64-bit value with only TPM2_SVN_POLICY_BIT set. */
	b->buffer[TPM2_SVN_NV_SIZE - 1 - TPM2_SVN_POLICY_BIT / 8] =
	    (uint8_t)(1u << (TPM2_SVN_POLICY_BIT % 8));
}

int tpm2_svn_policy_update(const uint8_t start[TPM2_SHA256_SIZE],
			   const uint8_t auth_policy[TPM2_SHA256_SIZE],
			   uint8_t ret[TPM2_SHA256_SIZE])
{
	uint8_t cc[4], args[TPM2_SHA256_SIZE], name[TPM2_NAME_SHA256_SIZE];
	const uint8_t offset_op[4] = { 0, 0, (uint8_t)(TPM2_EO_BITCLEAR >> 8),
				       (uint8_t)TPM2_EO_BITCLEAR };
	TPM2B_OPERAND b;
	int r;

	if (!start || !auth_policy || !ret)
		return -EINVAL;
	r = tpm2_svn_nv_name(auth_policy, true, name);
	if (r < 0)
		return r;
	/* args = H(operandB || offset || operation), then
	 * H(start || TPM_CC_PolicyNV || args || nvIndex name). */
	policy_operand(&b);
	r = tpm2_sha256_parts(args, 2, (const void *const[]){ b.buffer, offset_op },
			      (const size_t[]){ b.size, sizeof(offset_op) });
	if (r < 0)
		return r;
	tpm2_put_cc(cc, TPM2_CC_PolicyNV);
	return tpm2_sha256_parts(
	    ret, 4, (const void *const[]){ start, cc, args, name },
	    (const size_t[]){ TPM2_SHA256_SIZE, sizeof(cc), sizeof(args), sizeof(name) });
}

static bool rc_is_missing_handle(TSS2_RC rc)
{
	uint32_t layer = rc & TSS2_RC_LAYER_MASK, code = rc & ~TSS2_RC_LAYER_MASK;

	return (layer == TSS2_TPM_RC_LAYER || layer == TSS2_RESMGR_TPM_RC_LAYER) &&
	       (code & TPM2_RC_FMT1) && ((code & 0x3f) | TPM2_RC_FMT1) == TPM2_RC_HANDLE;
}

static void nv_close(struct tpm2_context *c, ESYS_TR *h)
{
	if (*h != ESYS_TR_NONE && Esys_TR_Close(c->esys, h) != TSS2_RC_SUCCESS)
		log_debug("TPM2 TR_Close of the SVN index failed");
	*h = ESYS_TR_NONE;
}

/* An ESYS handle for whatever index is at TPM2_SVN_NV_INDEX: -ENOENT none. */
static int svn_nv_handle(struct tpm2_context *c, ESYS_TR *ret)
{
	TSS2_RC rc = Esys_TR_FromTPMPublic(c->esys, TPM2_SVN_NV_INDEX, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, ret);
	if (rc != TSS2_RC_SUCCESS) {
		int r = tpm2_rc_log(rc, "TR_FromTPMPublic (SVN index)");
		return rc_is_missing_handle(rc) ? -ENOENT : r;
	}
	return 0;
}

/* Open the index at the handle and check it is the one with AUTH_POLICY
 * (NULL: any).  *ret_written: TPMA_NV_WRITTEN. */
static int svn_nv_open(struct tpm2_context *c, const uint8_t *auth_policy, ESYS_TR *ret,
		       bool *ret_written)
{
	_cleanup_esys_ TPM2B_NV_PUBLIC *pub = NULL;
	_cleanup_esys_ TPM2B_NAME *name = NULL;
	uint8_t want_name[TPM2_NAME_SHA256_SIZE];
	TPM2B_NV_PUBLIC want;
	ESYS_TR h = ESYS_TR_NONE;
	bool written;
	TSS2_RC rc;
	int r;

	r = svn_nv_handle(c, &h);
	if (r < 0)
		return r;
	rc = Esys_NV_ReadPublic(c->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "NV_ReadPublic (SVN index)");
		goto fail;
	}
	written = pub->nvPublic.attributes & TPMA_NV_WRITTEN;
	if (pub->nvPublic.authPolicy.size != TPM2_SHA256_SIZE) {
		r = -EBADE;
		goto fail;
	}
	svn_nv_public(auth_policy ? auth_policy : pub->nvPublic.authPolicy.buffer, written, &want);
	r = nv_name_of(&want.nvPublic, want_name);
	if (r < 0)
		goto fail;
	if (pub->nvPublic.nvIndex != want.nvPublic.nvIndex ||
	    pub->nvPublic.nameAlg != want.nvPublic.nameAlg ||
	    pub->nvPublic.attributes != want.nvPublic.attributes ||
	    pub->nvPublic.dataSize != want.nvPublic.dataSize ||
	    pub->nvPublic.authPolicy.size != TPM2_SHA256_SIZE ||
	    memcmp(pub->nvPublic.authPolicy.buffer, want.nvPublic.authPolicy.buffer,
		   TPM2_SHA256_SIZE) != 0 ||
	    name->size != TPM2_NAME_SHA256_SIZE ||
	    memcmp(name->name, want_name, TPM2_NAME_SHA256_SIZE) != 0) {
		log_debug("TPM2 NV index 0x%08x is not sealroot's SVN index (attributes 0x%08x, "
			  "size %u)",
			  (unsigned)TPM2_SVN_NV_INDEX, (unsigned)pub->nvPublic.attributes,
			  (unsigned)pub->nvPublic.dataSize);
		r = -EBADE;
		goto fail;
	}
	*ret = h;
	*ret_written = written;
	return 0;
fail:
	nv_close(c, &h);
	return r;
}

/* svn_nv_open(), and -ENODATA unless the index was written. */
static int svn_nv_open_written(struct tpm2_context *c, const uint8_t *auth_policy, ESYS_TR *ret)
{
	bool written;
	int r = svn_nv_open(c, auth_policy, ret, &written);

	if (r >= 0 && !written) {
		nv_close(c, ret);
		return -ENODATA;
	}
	return r;
}

int tpm2_svn_nv_define(struct tpm2_context *c, const uint8_t auth_policy[TPM2_SHA256_SIZE])
{
	static const TPM2B_AUTH empty = {};
	TPM2B_NV_PUBLIC pub;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;
	int r;

	if (!c || !auth_policy)
		return -EINVAL;
	svn_nv_public(auth_policy, false, &pub);
	rc = Esys_NV_DefineSpace(c->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				 ESYS_TR_NONE, &empty, &pub, &h);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "NV_DefineSpace (SVN index)");
		return (rc & ~TSS2_RC_LAYER_MASK) == TPM2_RC_NV_DEFINED ? -EEXIST : r;
	}
	nv_close(c, &h);
	return 0;
}

int tpm2_svn_nv_read(struct tpm2_context *c, const uint8_t auth_policy[TPM2_SHA256_SIZE],
		     uint64_t *ret_bits)
{
	_cleanup_esys_ TPM2B_MAX_NV_BUFFER *data = NULL;
	ESYS_TR h = ESYS_TR_NONE;
	uint64_t bits = 0;
	TSS2_RC rc;
	int r;

	if (!c || !ret_bits)
		return -EINVAL;
	r = svn_nv_open_written(c, auth_policy, &h);
	if (r < 0)
		return r;
	rc = Esys_NV_Read(c->esys, h, h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			  TPM2_SVN_NV_SIZE, 0, &data);
	nv_close(c, &h);
	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "NV_Read (SVN index)");
	if (data->size != TPM2_SVN_NV_SIZE)
		return -EIO;
	for (unsigned i = 0; i < TPM2_SVN_NV_SIZE; i++)
		bits = bits << 8 | data->buffer[i];
	*ret_bits = bits;
	return 0;
}

int tpm2_svn_nv_set_bits(struct tpm2_context *c, const uint8_t nonce[TPM2_SVN_NONCE_SIZE],
			 uint64_t bits)
{
	static const TPMT_SYM_DEF no_symmetric = { .algorithm = TPM2_ALG_NULL };
	TPML_DIGEST branches = { .count = 2 };
	uint8_t auth_policy[TPM2_SHA256_SIZE];
	TPML_PCR_SELECTION sel;
	ESYS_TR h = ESYS_TR_NONE, session = ESYS_TR_NONE;
	bool written;
	TSS2_RC rc;
	int r;

	if (!c || !nonce)
		return -EINVAL;
	r = tpm2_svn_auth_policy(nonce, auth_policy);
	if (r < 0)
		return r;
	r = tpm2_svn_write_policy(branches.digests[0].buffer);
	if (r < 0)
		return r;
	branches.digests[0].size = TPM2_SHA256_SIZE;
	branches.digests[1].size = TPM2_SVN_NONCE_SIZE;
	memcpy(branches.digests[1].buffer, nonce, TPM2_SVN_NONCE_SIZE);

	r = svn_nv_open(c, auth_policy, &h, &written);
	if (r < 0)
		return r;
	/* The bits are public; nothing here needs a salted session. */
	rc = Esys_StartAuthSession(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &no_symmetric,
				   TPM2_ALG_SHA256, &session);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "StartAuthSession (SVN write)");
		goto out;
	}
	rc = Esys_PolicyCommandCode(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				    TPM2_CC_NV_SetBits);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "PolicyCommandCode (SVN write)");
		goto out;
	}
	tpm2_pcr_selection(UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR, &sel);
	rc = Esys_PolicyPCR(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &sel);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "PolicyPCR (SVN write)");
		goto out;
	}
	/* Refused (TPM_RC_VALUE) when the session's digest is in neither
	 * branch: PCR 15 is no longer all zero. */
	rc = Esys_PolicyOR(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &branches);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "PolicyOR (SVN write)");
		if (r == -EIO)
			r = -EPERM;
		goto out;
	}
	rc = Esys_NV_SetBits(c->esys, h, h, session, ESYS_TR_NONE, ESYS_TR_NONE, bits);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "NV_SetBits (SVN index)");
		goto out;
	}
	r = 0;
out:
	tpm2_flush(c, &session);
	nv_close(c, &h);
	return r;
}

int tpm2_svn_nv_tpm_name(struct tpm2_context *c, uint8_t ret[TPM2_NAME_SHA256_SIZE])
{
	_cleanup_esys_ TPM2B_NV_PUBLIC *pub = NULL;
	_cleanup_esys_ TPM2B_NAME *name = NULL;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;
	int r;

	if (!c || !ret)
		return -EINVAL;
	r = svn_nv_handle(c, &h);
	if (r < 0)
		return r;
	rc = Esys_NV_ReadPublic(c->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
	nv_close(c, &h);
	if (rc != TSS2_RC_SUCCESS)
		return tpm2_rc_log(rc, "NV_ReadPublic (SVN index)");
	if (name->size != TPM2_NAME_SHA256_SIZE)
		return -EIO;
	memcpy(ret, name->name, TPM2_NAME_SHA256_SIZE);
	return 0;
}

int tpm2_svn_policy_nv(struct tpm2_context *c, uint32_t session,
		       const uint8_t auth_policy[TPM2_SHA256_SIZE])
{
	ESYS_TR h = ESYS_TR_NONE;
	TPM2B_OPERAND b;
	TSS2_RC rc;
	int r;

	if (!c || !auth_policy)
		return -EINVAL;
	r = svn_nv_open_written(c, auth_policy, &h);
	if (r < 0)
		return r;
	policy_operand(&b);
	rc = Esys_PolicyNV(c->esys, h, h, session, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &b,
			   0, TPM2_EO_BITCLEAR);
	nv_close(c, &h);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm2_rc_log(rc, "PolicyNV (SVN index)");
		/* TPM_RC_POLICY: the comparison failed, the bit is set. */
		return (rc & ~TSS2_RC_LAYER_MASK) == TPM2_RC_POLICY ? -EKEYEXPIRED : r;
	}
	return 0;
}

int tpm2_svn_nv_undefine(struct tpm2_context *c)
{
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;
	int r;

	if (!c)
		return -EINVAL;
	r = svn_nv_handle(c, &h);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	rc = Esys_NV_UndefineSpace(c->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				   ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		nv_close(c, &h);
		return tpm2_rc_log(rc, "NV_UndefineSpace (SVN index)");
	}
	return 0;
}
