// SPDX-License-Identifier: GPL-2.0-or-later
/* persist_unlock.c — unlock the persistent partition: every systemd-tpm2
 * token in turn (each failure explained: which PCR changed, lockout, another
 * TPM, a corrupted token), or the recovery key; see persist_internal.h. */

#include <limits.h>
#include <sys/mount.h>

#include "ext4_sb.h"
#include "fault.h"
#include "fileio.h"
#include "lock.h"
#include "log.h"
#include "encoding.h"
#include "luks.h"
#include "pcr_files.h"
#include "pcr_phase.h"
#include "pcr_pubkey.h"
#include "persist.h"
#include "persist_internal.h"
#include "persist_svn.h"
#include "process.h"
#include "provision.h"
#include "recovery_key.h"
#include "steps.h"
#include "token.h"
#include "token_policy.h"
#include "tpm2.h"

/* The way out of every token problem: what to type to unlock without the
 * TPM2 and seal a new token.  Appended to a message that ends in a full stop. */
#define RECOVERY_RESEAL_HINT                                                                       \
	" Nothing was changed on disk; unlock with the recovery key "                              \
	"(sealroot.recovery=ask) and run 'sealroot persist reseal'."
/* The same for a token the TPM2 refused (sealed elsewhere, altered). */
#define USE_RECOVERY_KEY_HINT                                                                      \
	" Nothing was changed on disk; use the recovery key and 'sealroot persist reseal'."

int persist_connect_tpm(const char *tcti, const char *device, struct tpm2_context **ret)
{
	int r = tpm2_context_new(tcti, ret);
	if (tpm2_missing_library(r))
		return r; /* the library is named in the message already given */
	if (r < 0)
		return log_error_errno(
		    r,
		    "No TPM2 reachable through \"%s\" for %s: %m. Is the TPM "
		    "enabled in the firmware and its driver (tpm_tis/tpm_crb) in "
		    "the initramfs? Nothing on %s was changed.",
		    tcti, device, device);
	step_mark("tpm");
	return 0;
}

/* Name the PCRs whose value differs from the one recorded at enrollment. */
static void explain_pcr_mismatch(struct tpm2_context *tpm, const struct tpm2_token *tok, int token,
				 const char *device)
{
	uint8_t now[TPM2_PCR_COUNT][TPM2_SHA256_SIZE];
	char pcrs[96], changed[256] = "";
	size_t n = 0;
	bool lock_changed = false;

	/* reseal adds the lock PCR itself. */
	pcr_mask_to_string(tok->sealed.pcr_mask & ~(UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR), pcrs,
			   sizeof(pcrs));
	if (tok->pcr_values_mask == 0 || tpm2_pcr_read(tpm, tok->pcr_values_mask, now) < 0) {
		log_error(
		    "The TPM2 refused to unseal token %d of %s: the current values of PCRs %s "
		    "differ from those it was sealed to (the token does not record which). "
		    "Nothing was changed on disk. Unlock with the recovery key "
		    "(sealroot.recovery=ask), then run 'sealroot persist reseal %s --pcrs %s'.",
		    token, device, pcrs, device, pcrs);
		return;
	}
	for (unsigned i = 0; i < TPM2_PCR_COUNT; i++) {
		if (!(tok->pcr_values_mask & (UINT32_C(1) << i)))
			continue;
		if (memcmp(now[i], tok->sealed.pcr_values[i], TPM2_SHA256_SIZE) == 0)
			continue;
		int w = snprintf(changed + n, sizeof(changed) - n,
				 "%sPCR %u (was %02x%02x%02x%02x…, now %02x%02x%02x%02x…)",
				 n ? ", " : "", i, tok->sealed.pcr_values[i][0],
				 tok->sealed.pcr_values[i][1], tok->sealed.pcr_values[i][2],
				 tok->sealed.pcr_values[i][3], now[i][0], now[i][1], now[i][2],
				 now[i][3]);
		if (w > 0 && (size_t)w < sizeof(changed) - n)
			n += (size_t)w;
		if (i == SEALROOT_TPM2_LOCK_PCR)
			lock_changed = true;
	}
	if (n == 0) {
		log_error("The TPM2 refused to unseal token %d of %s although PCRs %s still hold "
			  "their enrollment values: the token's policy hash does not match them "
			  "(token altered or from another tool)." USE_RECOVERY_KEY_HINT,
			  token, device, pcrs);
		return;
	}
	log_error("The TPM2 refused to unseal token %d of %s: %s changed since enrollment. "
		  "Nothing was changed on disk.",
		  token, device, changed);
	if (lock_changed)
		log_error("PCR %d is sealroot's lock PCR: the partition was already unlocked once "
			  "during this boot. Reboot to unlock it again.",
			  SEALROOT_TPM2_LOCK_PCR);
	else
		log_error(
		    "If the change is expected (firmware, Secure Boot or boot loader update), "
		    "unlock with the recovery key (sealroot.recovery=ask) and run 'sealroot "
		    "persist reseal %s --pcrs %s'; otherwise the boot chain was modified.",
		    device, pcrs);
}

static void explain_unseal_failure(struct tpm2_context *tpm, const struct tpm2_token *tok,
				   int token, const char *device, int r)
{
	switch (r) {
	case -EPERM:
	case -ESTALE:
		explain_pcr_mismatch(tpm, tok, token, device);
		break;
	case -ENOLCK:
		log_error(
		    "The TPM2 is in dictionary-attack lockout and refused to unseal token %d "
		    "of %s. Wait for the lockout to expire or clear it (tpm2_dictionarylockout "
		    "--clear-lockout) and reboot. Nothing was changed on disk.",
		    token, device);
		break;
	case -EBADMSG:
		log_error("The TPM2 could not load the sealed key of token %d of %s: it was sealed "
			  "by another TPM, or this TPM was cleared." USE_RECOVERY_KEY_HINT,
			  token, device);
		break;
	case -ENXIO:
		log_error_errno(r, "Lost the TPM2 while unsealing token %d of %s: %m.", token,
				device);
		break;
	case -EKEYREVOKED:
		log_error("The TPM2 refused the PCR signature for token %d of %s: the signature "
			  "file's entry for its key does not verify (TPM2_VerifySignature), so "
			  "the file was altered or the entry is mislabelled. Nothing was changed "
			  "on disk; boot an image with an intact signature (.pcrsig).",
			  token, device);
		break;
	case -EKEYREJECTED:
		log_error("The signed PCRs of token %d of %s changed while it was being "
			  "unsealed; nothing was changed on disk. Reboot.",
			  token, device);
		break;
	case -EREMCHG:
		log_error(
		    "The TPM2's storage key is not the one token %d of %s was sealed under "
		    "(sealroot-srk-name): this TPM was cleared, it is another TPM, or "
		    "something on the TPM bus answers for it. Nothing was sent under that key "
		    "and nothing was changed on disk; use the recovery key and 'sealroot "
		    "persist reseal'.",
		    token, device);
		break;
	default:
		log_error_errno(r, "Failed to unseal token %d of %s with the TPM2: %m.", token,
				device);
	}
}

/* The signature file for signed tokens, read once when the first one needs it. */
struct signature_cache {
	const char *path; /* NULL: no file configured */
	bool loaded;
	int error; /* -ENOENT missing, other: unreadable or malformed (logged) */
	struct pcr_signature sigs;
};

static int signature_cache_get(struct signature_cache *c, const struct pcr_signature **ret)
{
	if (!c->loaded) {
		c->loaded = true;
		c->error = c->path ? pcr_files_read_signature(c->path, &c->sigs) : -ENOENT;
	}
	*ret = c->error < 0 ? NULL : &c->sigs;
	return c->error == -ENOENT ? 0 : c->error;
}

void persist_fingerprint_hex(const uint8_t fp[TPM2_SHA256_SIZE], char out[2 * TPM2_SHA256_SIZE + 1])
{
	for (size_t i = 0; i < TPM2_SHA256_SIZE; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", fp[i]);
}

/* Unseal TOK (token T): with the signature from SIGS for a signed token.
 * *ret_logged: the failure was explained already (no signature for it). */
static int unseal_token(struct tpm2_context *tpm, const struct tpm2_token *tok,
			struct signature_cache *sigs, int t, const char *device, struct secret *ret,
			bool *ret_logged)
{
	struct tpm2_policy_signature sig = {};
	const struct pcr_signature *file = NULL;
	int r;

	*ret_logged = false;
	if (tok->sealed.pubkey_pcr_mask == 0)
		return tpm2_unseal(tpm, &tok->sealed, ret);
	r = signature_cache_get(sigs, &file);
	if (r >= 0)
		r = token_policy_signature(
		    tpm, tok, file, sigs->path ? sigs->path : "(none configured)", t, device, &sig);
	if (r < 0) {
		*ret_logged = true;
		return r;
	}
	return tpm2_unseal_signed(tpm, &tok->sealed, &sig, ret);
}

/* Token T of CD, if it is a systemd-tpm2 token sealroot can try: 1 with
 * *ret parsed (free with tpm2_token_done()), 0 when T is not a systemd-tpm2
 * token (absent, another type, or too corrupted to tell: warned), a negative
 * errno when it is one that cannot be used (logged). */
static int load_token(struct crypt_device *cd, int t, const char *device, struct tpm2_token *ret)
{
	_cleanup_tpm2_token_ struct tpm2_token tok = { .keyslot = -1 };
	_cleanup_free_ char *type = NULL;
	const char *json = NULL, *reason = NULL;
	int slot, r;

	if (luks_token_get(cd, t, &json) < 0)
		return 0;
	r = token_peek(json, &type, &slot, &reason);
	if (r < 0 || !streq(type, TOKEN_TYPE_TPM2)) {
		if (r < 0)
			log_warning("token %d on %s is corrupted: %s; ignoring it.", t, device,
				    reason);
		return 0;
	}
	r = token_tpm2_parse(json, &tok, &reason);
	if (r < 0) {
		log_error("token %d on %s %s: %s." RECOVERY_RESEAL_HINT, t, device,
			  r == -EBADMSG ? "is corrupted" : "cannot be used", reason);
		return r;
	}
	if (tpm2_blob_validate(tok.sealed.blob, tok.sealed.blob_size) < 0) {
		log_error("token %d on %s is corrupted: tpm2-blob is not a sealed TPM2 "
			  "object." RECOVERY_RESEAL_HINT,
			  t, device);
		return -EBADMSG;
	}
	if (!(luks_keyslots_in_use(cd) & (UINT32_C(1) << tok.keyslot))) {
		log_error("token %d on %s names keyslot %d, which is not in use.", t, device,
			  tok.keyslot);
		return -ENOENT;
	}
	*ret = tok;
	tok = (struct tpm2_token){ .keyslot = -1 };
	return 1;
}

/* The loop of persist_unlock_with_tpm(): 0 on success; -ENOENT when no token
 * worked (*last: why the last one failed, *any: a systemd-tpm2 token
 * exists); other errors stop it. */
static int unlock_tokens(struct crypt_device *cd, const char *device, struct tpm2_context *tpm,
			 struct lock_record *lock, const struct token_policy *policy,
			 struct signature_cache *sigs, struct secret *ret_pass,
			 struct secret *ret_vk, int *ret_keyslot, struct unlocked_token *ret_used,
			 struct svn_state *svn, bool *any, int *last)
{
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		_cleanup_secret_ struct secret secret = {}, pass = {}, vk = {};
		_cleanup_tpm2_token_ struct tpm2_token tok = { .keyslot = -1 };
		int slot, r;

		r = load_token(cd, t, device, &tok);
		if (r == 0)
			continue;
		*any = true;
		if (r < 0) {
			*last = r;
			continue;
		}

		r = token_policy_check(tpm, &tok, policy, t, device);
		if (r == -EPERM) /* PCR values changed: explained like a refused unseal */
			explain_unseal_failure(tpm, &tok, t, device, r);
		if (r >= 0 && svn && tok.sealed.svn_bound)
			r = svn_check(tpm, tok.sealed.svn_auth_policy, svn->image, t, device, svn);
		if (r >= 0) {
			bool logged;
			r = unseal_token(tpm, &tok, sigs, t, device, &secret, &logged);
			if (r < 0 && !logged)
				explain_unseal_failure(tpm, &tok, t, device, r);
			if (r >= 0)
				step_mark("unsealed");
		}
		if (r < 0) {
			*last = r;
			continue;
		}
		slot = tok.keyslot;
		struct unlocked_token used = { .token = t,
					       .pcr_mask = tok.sealed.pcr_mask,
					       .pubkey_pcr_mask = tok.sealed.pubkey_pcr_mask,
					       .svn_bound = tok.sealed.svn_bound };
		memcpy(used.svn_auth_policy, tok.sealed.svn_auth_policy, TPM2_SHA256_SIZE);
		struct pcr_pubkey key;
		if (used.pubkey_pcr_mask &&
		    pcr_pubkey_from_pem(tok.sealed.pubkey, tok.sealed.pubkey_size, &key) >= 0)
			memcpy(used.key_fp, key.fingerprint, TPM2_SHA256_SIZE);

		r = luks_passphrase_from_secret(&secret, &pass);
		if (r < 0)
			return log_error_errno(r, "Failed to encode the key of %s: %m", device);
		r = luks_volume_key_get(cd, slot, pass.data, pass.size, &vk);
		if (r < 0) {
			log_error_errno(r,
					"The TPM2 unsealed token %d of %s, but keyslot %d does not "
					"accept the secret: %m. The token does not belong to this "
					"keyslot.",
					t, device, slot);
			/* Whatever this secret is, it must not stay unsealable. */
			if (lock) {
				int k = lock_measure_event(tpm, "failure:keyslot", lock);
				if (k < 0)
					return k;
			}
			*last = r;
			continue;
		}
		step_mark("keyslot");
		fault_point("after-unseal");
		*ret_pass = pass;
		pass = (struct secret){};
		if (ret_vk) {
			*ret_vk = vk;
			vk = (struct secret){};
		}
		*ret_keyslot = slot;
		if (ret_used)
			*ret_used = used;
		log_info("Unsealed token %d of %s with the TPM2; keyslot %d accepts it.", t, device,
			 slot);
		return 0;
	}
	return -ENOENT;
}

/* Try every systemd-tpm2 token that meets POLICY (PCR floor, SRK pin) and
 * whose sealed object is bound to its selection (token_policy.h): unseal
 * (a signed token with its signature from SIG_PATH), get the volume key from
 * its keyslot (which checks the keyslot accepts the secret).  On success
 * *ret_pass is the keyslot passphrase, *ret_vk (unless NULL) the volume key
 * and *ret_used (optional) what the token was bound to.  With LOCK, a secret
 * its keyslot refuses is made unusable at once (failure:keyslot) before the
 * next token is tried.  With SVN, a token bound to the anti-rollback index
 * is refused without unsealing when the image's SVN is below the minimum
 * (persist_svn.h, svn_check). */
int persist_unlock_with_tpm(struct crypt_device *cd, const char *device, struct tpm2_context *tpm,
			    struct lock_record *lock, const struct token_policy *policy,
			    const char *sig_path, struct secret *ret_pass, struct secret *ret_vk,
			    int *ret_keyslot, struct unlocked_token *ret_used,
			    struct svn_state *svn)
{
	struct signature_cache sigs = { .path = sig_path };
	int last = -ENOENT, r;
	bool any = false;

	r = unlock_tokens(cd, device, tpm, lock, policy, &sigs, ret_pass, ret_vk, ret_keyslot,
			  ret_used, svn, &any, &last);
	pcr_signature_done(&sigs.sigs);
	if (r >= 0)
		return 0;
	if (!any)
		return log_error_errno(
		    -ENOENT,
		    "%s has no systemd-tpm2 token: it was never enrolled with a "
		    "TPM2. Nothing was changed on disk; enroll one with 'sealroot "
		    "persist reseal %s --recovery-key-file FILE' or "
		    "systemd-cryptenroll --tpm2-device=auto.",
		    device, device);
	return r == -ENOENT ? last : r;
}

int persist_unlock_with_recovery_key(struct crypt_device *cd, const char *device,
				     usec_t timeout_usec, struct secret *ret_pass,
				     struct secret *ret_vk, int *ret_keyslot)
{
	for (int attempt = 1; attempt <= 3; attempt++) {
		_cleanup_secret_ struct secret key = {};
		int r = recovery_key_ask(device, timeout_usec, &key);
		if (r == -ETIME)
			return log_error_errno(
			    r,
			    "No recovery key was entered for %s within %llu s "
			    "(sealroot.recovery_timeout=); giving up, the unlock failed.",
			    device, (unsigned long long)(timeout_usec / USEC_PER_SEC));
		if (r == -EINVAL) {
			log_error("That is not a recovery key (64 letters of cbdefghijklnrtuv, "
				  "dashes optional).");
			continue;
		}
		if (r < 0)
			return log_error_errno(r, "Could not ask for the recovery key of %s: %m",
					       device);
		r = luks_volume_key_get(cd, CRYPT_ANY_SLOT, key.data, key.size, ret_vk);
		if (r >= 0) {
			step_mark("keyslot");
			log_notice("Recovery key accepted by keyslot %d of %s.", r, device);
			*ret_keyslot = r;
			*ret_pass = key;
			key = (struct secret){};
			return 0;
		}
		log_error("The recovery key was not accepted by %s (attempt %d of 3).", device,
			  attempt);
	}
	return -EPERM;
}
