/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist_svn.c — provision, check and raise the anti-rollback minimum of
 * the persistent partition; see persist_svn.h.
 */
#include "persist_svn.h"

#include "dl_crypto.h"

#include "fault.h"
#include "luks.h"
#include "log.h"
#include "svn.h"
#include "token.h"

#define SVN_NONCE_LABEL "sealroot-svn-index-nonce"

int svn_index_nonce(const struct secret *vk, uint8_t ret[TPM2_SVN_NONCE_SIZE])
{
	unsigned int len = 0;
	int r;

	if (!vk || !vk->data || vk->size == 0 || !ret)
		return -EINVAL;
	r = dl_crypto_load();
	if (r < 0)
		return r;
	if (!HMAC(EVP_sha256(), vk->data, (int)vk->size, (const uint8_t *)SVN_NONCE_LABEL,
		  strlen(SVN_NONCE_LABEL), ret, &len) ||
	    len != TPM2_SVN_NONCE_SIZE)
		return -EIO;
	return 0;
}

static unsigned image_or_zero(int image_svn)
{
	return image_svn < 0 ? 0 : (unsigned)image_svn;
}

int svn_provision(struct tpm2_context *tpm, const struct secret *vk, int image_svn,
		  const char *device, uint8_t ret_auth_policy[TPM2_SHA256_SIZE],
		  struct svn_state *state)
{
	uint8_t nonce[TPM2_SVN_NONCE_SIZE];
	unsigned svn = image_or_zero(image_svn);
	int r;

	r = svn_index_nonce(vk, nonce);
	if (r >= 0)
		r = tpm2_svn_auth_policy(nonce, ret_auth_policy);
	if (r < 0) {
		explicit_wipe(nonce, sizeof(nonce));
		return log_error_errno(r, "Failed to derive the anti-rollback index of %s: %m",
				       device);
	}
	/* Whatever is at the handle belonged to a volume that is being
	 * formatted over, or to someone else: it goes. */
	r = tpm2_svn_nv_undefine(tpm);
	if (r >= 0)
		r = tpm2_svn_nv_define(tpm, ret_auth_policy);
	if (r >= 0)
		r = tpm2_svn_nv_set_bits(tpm, nonce, svn_bits_for_minimum(svn));
	explicit_wipe(nonce, sizeof(nonce));
	if (r < 0)
		return log_error_errno(
		    r,
		    "Failed to create the anti-rollback index 0x%08x in the TPM2 "
		    "for %s (owner authorization must be empty, and PCR 15 "
		    "unextended): %m. Nothing of the volume is sealed yet; "
		    "provisioning starts over at the next boot.",
		    (unsigned)TPM2_SVN_NV_INDEX, device);
	state->minimum = (int)svn;
	state->raised = (int)svn;
	log_info("Anti-rollback: TPM2 index 0x%08x created for %s, minimum security version %u.",
		 (unsigned)TPM2_SVN_NV_INDEX, device, svn);
	return 0;
}

int svn_check(struct tpm2_context *tpm, const uint8_t auth_policy[TPM2_SHA256_SIZE], int image_svn,
	      int token, const char *device, struct svn_state *state)
{
	uint64_t bits = 0;
	unsigned minimum;
	int r;

	r = tpm2_svn_nv_read(tpm, auth_policy, &bits);
	switch (r) {
	case 0:
		break;
	case -ENOENT:
	case -ENODATA:
	case -EBADE:
		return log_error_errno(
		    r,
		    "Refusing token %d of %s without unsealing it: the anti-rollback index 0x%08x "
		    "in the TPM2 that the token is bound to %s. Someone removed or replaced it "
		    "(the owner authorization is empty), or this is another TPM; sealroot never "
		    "re-creates it for an existing volume. Unlock with the recovery key "
		    "(sealroot.recovery=ask) and run 'sealroot persist reseal %s'.",
		    token, device, (unsigned)TPM2_SVN_NV_INDEX,
		    r == -ENOENT    ? "does not exist"
		    : r == -ENODATA ? "was never written"
				    : "is not the one it was sealed to",
		    device);
	default:
		return log_error_errno(r, "Failed to read the anti-rollback index 0x%08x: %m",
				       (unsigned)TPM2_SVN_NV_INDEX);
	}
	minimum = svn_minimum_from_bits(bits);
	state->minimum = (int)minimum;
	if (svn_allowed(image_or_zero(image_svn), minimum))
		return 0;
	if (image_svn < 0)
		return log_error_errno(
		    -EKEYEXPIRED,
		    "Refusing to unseal token %d of %s: this image has no security version "
		    "(sealroot.svn= is missing, so it counts as 0) and the TPM2 requires at least "
		    "%u. It is an image the builder has retired; boot a current one. Nothing was "
		    "changed on disk.",
		    token, device, minimum);
	return log_error_errno(
	    -EKEYEXPIRED,
	    "Refusing to unseal token %d of %s: this image has security version %d "
	    "(sealroot.svn=) and the TPM2 requires at least %u since a newer image was "
	    "blessed. It is an image the builder has retired; boot a current one. Nothing "
	    "was changed on disk.",
	    token, device, image_svn, minimum);
}

int svn_raise(struct tpm2_context *tpm, const struct secret *vk,
	      const uint8_t auth_policy[TPM2_SHA256_SIZE], int image_svn, const char *efivars,
	      const char *device, struct svn_state *state)
{
	uint8_t nonce[TPM2_SVN_NONCE_SIZE], mine[TPM2_SHA256_SIZE];
	uint64_t bits = 0;
	int r;

	if (image_svn < 0)
		return 0;
	r = svn_boot_is_trial(efivars);
	if (r < 0)
		return log_error_errno(r,
				       "Cannot tell whether this boot is a trial (%s unreadable): "
				       "%m; not raising the minimum security version of %s.",
				       efivars, device);
	if (r > 0) {
		log_info("Anti-rollback: trial boot (the entry has a boot counter); the minimum "
			 "security version of %s stays %d until this image is blessed.",
			 device, state->minimum);
		return 0;
	}
	r = tpm2_svn_nv_read(tpm, auth_policy, &bits);
	if (r < 0)
		return log_error_errno(r, "Failed to read the anti-rollback index 0x%08x: %m",
				       (unsigned)TPM2_SVN_NV_INDEX);
	if (svn_minimum_from_bits(bits) >= (unsigned)image_svn)
		return 0;

	r = svn_index_nonce(vk, nonce);
	if (r >= 0)
		r = tpm2_svn_auth_policy(nonce, mine);
	if (r >= 0 && memcmp(mine, auth_policy, TPM2_SHA256_SIZE) != 0)
		r = -EBADE;
	fault_point("svn-before-raise");
	if (r >= 0)
		r = tpm2_svn_nv_set_bits(tpm, nonce, svn_bits_for_minimum((unsigned)image_svn));
	explicit_wipe(nonce, sizeof(nonce));
	if (r >= 0)
		fault_point("svn-after-raise");
	if (r < 0)
		return log_error_errno(r,
				       "Failed to raise the minimum security version of %s to %d "
				       "in the TPM2: %m. It stays %u; the next blessed boot tries "
				       "again.",
				       device, image_svn, svn_minimum_from_bits(bits));
	state->raised = image_svn;
	log_notice("Anti-rollback: minimum security version of %s raised from %u to %d; older "
		   "images can no longer unseal it.",
		   device, svn_minimum_from_bits(bits), image_svn);
	return 0;
}

int svn_volume_policy(struct crypt_device *cd, uint8_t ret[TPM2_SHA256_SIZE])
{
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		struct tpm2_token tok = { .keyslot = -1 };
		const char *json = NULL, *reason = NULL;
		bool bound;

		if (luks_token_get(cd, t, &json) < 0 || token_tpm2_parse(json, &tok, &reason) < 0)
			continue;
		bound = tok.sealed.svn_bound;
		if (bound)
			memcpy(ret, tok.sealed.svn_auth_policy, TPM2_SHA256_SIZE);
		tpm2_token_done(&tok);
		if (bound)
			return 0;
	}
	return -ENOENT;
}
