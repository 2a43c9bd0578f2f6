// SPDX-License-Identifier: GPL-2.0-or-later
/* token_policy.c — PCR floor and authPolicy binding of a systemd-tpm2 token,
 * checked before unsealing; see token_policy.h. */
#include "token_policy.h"

#include "encoding.h"
#include "log.h"
#include "pcr_pubkey.h"

/* The policy digest a PolicyPCR over MASK holding VALUES leads to, after the
 * PolicyAuthorize for KEY_NAME when it is not NULL; an empty selection
 * without a key is an empty policy (all zeros), as systemd-cryptenroll makes
 * it. */
static int expected_policy(const uint8_t *key_name, uint32_t mask,
			   const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			   uint8_t ret[TPM2_SHA256_SIZE])
{
	if (key_name)
		return tpm2_policy_signed_digest(key_name, mask, values, ret);
	if (mask == 0) {
		memset(ret, 0, TPM2_SHA256_SIZE);
		return 0;
	}
	return tpm2_policy_pcr_digest(mask, values, ret);
}

/* The token's signed-policy key, or a logged -EBADMSG/-EOPNOTSUPP. */
static int token_key(const struct tpm2_token *tok, int token, const char *device,
		     struct pcr_pubkey *ret)
{
	int r = pcr_pubkey_from_pem(tok->sealed.pubkey, tok->sealed.pubkey_size, ret);
	if (r == -EOPNOTSUPP)
		return log_error_errno(r,
				       "token %d of %s cannot be used: its " TOKEN_PUBKEY
				       " is neither an RSA key nor an ECC NIST P-256 key. Nothing "
				       "was changed on disk; unlock with the recovery key "
				       "(sealroot.recovery=ask) and run 'sealroot persist reseal "
				       "%s --pcr-key PUBKEY.pem'.",
				       token, device, device);
	if (r < 0)
		return log_error_errno(
		    r,
		    "token %d of %s is corrupted: its " TOKEN_PUBKEY
		    " is not a PEM public key. Nothing was changed on disk; "
		    "unlock with the recovery key (sealroot.recovery=ask) and run "
		    "'sealroot persist reseal %s --pcr-key PUBKEY.pem'.",
		    token, device, device);
	return 0;
}

static int check_floor(const struct tpm2_token *tok, uint32_t floor, int token, const char *device)
{
	uint32_t have = tok->sealed.pcr_mask, missing = floor & ~have;
	char have_s[96], missing_s[96], floor_s[96];

	if (!missing)
		return 0;
	pcr_mask_to_string(have, have_s, sizeof(have_s));
	pcr_mask_to_string(missing, missing_s, sizeof(missing_s));
	pcr_mask_to_string(floor, floor_s, sizeof(floor_s));
	return log_error_errno(
	    -EACCES,
	    "Refusing token %d of %s without unsealing it: it is bound to PCRs [%s], which lacks "
	    "PCR %s required by sealroot.tpm2_pcrs=%s; anyone with this TPM could have made it. "
	    "Nothing was changed on disk. If you enrolled it, remove it and reseal: unlock with "
	    "the recovery key (sealroot.recovery=ask), then 'sealroot persist reseal %s --pcrs "
	    "%s'.",
	    token, device, have_s, missing_s, floor_s, device, floor_s);
}

static int check_srk_pin(const struct tpm2_token *tok, int token, const char *device)
{
	if (tok->sealed.primary_name_size > 0)
		return 0;
	return log_error_errno(
	    -EACCES,
	    "Refusing token %d of %s without unsealing it: it does not pin the TPM's storage key "
	    "(no sealroot-srk-name), which sealroot.tpm2_srk_pin=required asks for; an "
	    "interposer on the TPM bus could read its secret. Nothing was changed on disk. "
	    "Unlock with the recovery key (sealroot.recovery=ask) and run 'sealroot persist "
	    "reseal %s', which pins it.",
	    token, device, device);
}

int token_policy_check(struct tpm2_context *tpm, const struct tpm2_token *tok,
		       const struct token_policy *policy, int token, const char *device)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	uint8_t auth[TPM2_SHA256_SIZE], now[TPM2_SHA256_SIZE], then[TPM2_SHA256_SIZE];
	uint32_t mask = tok->sealed.pcr_mask;
	struct pcr_pubkey key;
	const uint8_t *name = NULL;
	char pcrs[96];
	int r;

	r = check_floor(tok, policy->floor, token, device);
	if (r < 0)
		return r;
	if (policy->require_srk_pin) {
		r = check_srk_pin(tok, token, device);
		if (r < 0)
			return r;
	}
	pcr_mask_to_string(mask, pcrs, sizeof(pcrs));
	if (tok->sealed.pubkey_pcr_mask) {
		r = token_key(tok, token, device, &key);
		if (r < 0)
			return r;
		name = key.name;
	}

	r = tpm2_blob_auth_policy(tok->sealed.blob, tok->sealed.blob_size, auth);
	if (r < 0)
		return log_error_errno(r,
				       "token %d of %s is corrupted: its tpm2-blob holds no sealed "
				       "object with a SHA-256 policy. Nothing was changed on disk; "
				       "unlock with the recovery key (sealroot.recovery=ask) and "
				       "run 'sealroot persist reseal'.",
				       token, device);
	if (memcmp(auth, tok->sealed.policy_hash, TPM2_SHA256_SIZE) != 0)
		return log_error_errno(
		    -EBADMSG,
		    "token %d of %s was altered: its tpm2-policy-hash is not the policy of the "
		    "sealed object in its tpm2-blob. Refusing it without unsealing; nothing was "
		    "changed on disk. Unlock with the recovery key (sealroot.recovery=ask) and "
		    "run 'sealroot persist reseal'.",
		    token, device);

	if (mask != 0) {
		r = tpm2_pcr_read(tpm, mask, values);
		if (r < 0)
			return log_error_errno(r,
					       "Failed to read TPM2 PCRs %s for token %d of %s: %m",
					       pcrs, token, device);
	}
	r = expected_policy(name, mask, values, now);
	if (r < 0)
		return log_error_errno(r, "Failed to compute the PCR policy of token %d of %s: %m",
				       token, device);
	if (memcmp(auth, now, TPM2_SHA256_SIZE) != 0) {
		/* Object and JSON agree.  With the enrollment values recorded,
		 * tell "PCRs changed" from "not bound to these PCRs at all"; a
		 * token without them (systemd-cryptenroll) cannot tell. */
		if (mask != 0 && (tok->pcr_values_mask & mask) != mask)
			return -EPERM;
		if (mask != 0) {
			r = expected_policy(name, mask, tok->sealed.pcr_values, then);
			if (r < 0)
				return log_error_errno(
				    r, "Failed to compute the PCR policy of token %d of %s: %m",
				    token, device);
			if (memcmp(auth, then, TPM2_SHA256_SIZE) == 0)
				return -EPERM;
		}
		return log_error_errno(
		    -EBADMSG,
		    "token %d of %s was altered: its sealed object is not bound to the PCRs "
		    "[%s]%s it claims (nor to their recorded values). Refusing it without "
		    "unsealing; nothing was changed on disk. Unlock with the recovery key "
		    "(sealroot.recovery=ask) and run 'sealroot persist reseal'.",
		    token, device, pcrs, name ? " and the signed PCR policy of its key" : "");
	}

	if (!token_policy_lock_bound(mask))
		log_warning("token %d of %s is bound to PCRs [%s] but not to the lock PCR %d: "
			    "extending PCR %d after the unlock does NOT stop this token from "
			    "unsealing again during this boot. Reseal it ('sealroot persist reseal "
			    "%s --pcrs LIST' adds PCR %d).",
			    token, device, pcrs, SEALROOT_TPM2_LOCK_PCR, SEALROOT_TPM2_LOCK_PCR,
			    device, SEALROOT_TPM2_LOCK_PCR);
	return 0;
}

/* "11=ab12cd34…" for each PCR of MASK, into BUF. */
static void pcr_values_to_string(uint32_t mask,
				 const uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE], char *buf,
				 size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < TPM2_PCR_COUNT && n < size; i++) {
		if (!(mask & (UINT32_C(1) << i)))
			continue;
		int w = snprintf(buf + n, size - n, "%s%u=", n ? ", " : "", i);
		if (w < 0 || (size_t)w >= size - n)
			return;
		n += (size_t)w;
		for (unsigned b = 0; b < TPM2_SHA256_SIZE && n + 2 < size; b++, n += 2)
			(void)snprintf(buf + n, size - n, "%02x", values[i][b]);
	}
}

int token_policy_signature(struct tpm2_context *tpm, const struct tpm2_token *tok,
			   const struct pcr_signature *sigs, const char *sig_path, int token,
			   const char *device, struct tpm2_policy_signature *ret)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	uint32_t mask = tok->sealed.pubkey_pcr_mask;
	const struct pcr_signature_entry *e = NULL;
	_cleanup_free_ char *fp = NULL;
	struct pcr_pubkey key;
	char pcrs[96], now[24 * 72];
	int r;

	if (mask == 0)
		return -EINVAL;
	pcr_mask_to_string(mask, pcrs, sizeof(pcrs));
	r = token_key(tok, token, device, &key);
	if (r < 0)
		return r;
	r = hex_encode(key.fingerprint, sizeof(key.fingerprint), &fp);
	if (r < 0)
		return log_error_errno(r, "Out of memory.");

	if (!sigs)
		return log_error_errno(
		    -ENOKEY,
		    "Refusing token %d of %s without unsealing it: its policy needs a signature "
		    "of PCR %s by the key with fingerprint %s, and there is no signature file %s. "
		    "Boot a UKI built with a PCR key ('mkimage --pcr-key', which embeds "
		    "the signature as .pcrsig), or name the file with "
		    "sealroot.tpm2_pcr_signature=. Nothing was changed on disk.",
		    token, device, pcrs, fp, sig_path);

	r = tpm2_pcr_read(tpm, mask, values);
	if (r < 0)
		return log_error_errno(r, "Failed to read TPM2 PCRs %s for token %d of %s: %m",
				       pcrs, token, device);
	r = tpm2_policy_pcr_digest(mask, values, ret->approved);
	if (r < 0)
		return log_error_errno(r, "Failed to compute the PCR policy of token %d of %s: %m",
				       token, device);
	pcr_values_to_string(mask, values, now, sizeof(now));

	r = pcr_signature_find(sigs, mask, key.fingerprint, ret->approved, &e);
	if (r == -ENOKEY)
		return log_error_errno(
		    r,
		    "Refusing token %d of %s without unsealing it: %s holds no signature of PCR "
		    "%s by its key (fingerprint %s): this image was signed with another PCR key. "
		    "Boot an image signed with that key, or unlock with the recovery key "
		    "(sealroot.recovery=ask) and run 'sealroot persist reseal %s --pcr-key' with "
		    "this image's key. Nothing was changed on disk.",
		    token, device, sig_path, pcrs, fp, device);
	if (r == -EKEYREJECTED) {
		_cleanup_free_ char *pol = NULL;
		(void)hex_encode(ret->approved, TPM2_SHA256_SIZE, &pol);
		return log_error_errno(
		    r,
		    "Refusing token %d of %s without unsealing it: %s has signatures by its key "
		    "(fingerprint %s), but none for the current values of PCR %s (%s, policy %s): "
		    "the signature belongs to another image or boot phase, or PCR %s was "
		    "extended by something else (the initrd phase already left?). Boot the image "
		    "the signature was made for. Nothing was changed on disk.",
		    token, device, sig_path, fp, pcrs, now, pol ? pol : "?", pcrs);
	}
	if (r < 0)
		return log_error_errno(r, "Failed to search %s for token %d of %s: %m", sig_path,
				       token, device);
	ret->sig = e->sig;
	ret->sig_size = e->sig_size;
	return 0;
}
