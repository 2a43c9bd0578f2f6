// SPDX-License-Identifier: GPL-2.0-or-later
/* persist.c — open (provision/unlock/activate/mount), check and reseal the
 * persistent partition, see persist.h. */
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
#include "process.h"
#include "provision.h"
#include "recovery_key.h"
#include "token.h"
#include "token_policy.h"
#include "tpm2.h"

const char *persist_action_to_string(enum persist_action a)
{
	switch (a) {
	case PERSIST_ACTION_PROVISIONED:
		return "provisioned";
	case PERSIST_ACTION_UNLOCKED:
		return "unlocked";
	case PERSIST_ACTION_VOLATILE:
		return "volatile";
	case PERSIST_ACTION_FAILED:
		break;
	}
	return "failed";
}

static int connect_tpm(const char *tcti, const char *device, struct tpm2_context **ret)
{
	int r = tpm2_context_new(tcti, ret);
	if (r < 0)
		return log_error_errno(
		    r,
		    "No TPM2 reachable through \"%s\" for %s: %m. Is the TPM "
		    "enabled in the firmware and its driver (tpm_tis/tpm_crb) in "
		    "the initramfs? Nothing on %s was changed.",
		    tcti, device, device);
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
			  "(token altered or from another tool). Nothing was changed on disk; use "
			  "the recovery key and 'sealroot persist reseal'.",
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
			  "by another TPM, or this TPM was cleared. Nothing was changed on disk; "
			  "use the recovery key and 'sealroot persist reseal'.",
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

static void fingerprint_hex(const uint8_t fp[TPM2_SHA256_SIZE], char out[2 * TPM2_SHA256_SIZE + 1])
{
	for (size_t i = 0; i < TPM2_SHA256_SIZE; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", fp[i]);
}

/* What the TPM2 token that unlocked was bound to, for the report. */
struct unlocked_token {
	int token;
	uint32_t pcr_mask;
	uint32_t pubkey_pcr_mask;
	uint8_t key_fp[TPM2_SHA256_SIZE];
};

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

/* The loop of unlock_with_tpm(): 0 on success; -ENOENT when no token
 * worked (*last: why the last one failed, *any: a systemd-tpm2 token
 * exists); other errors stop it. */
static int unlock_tokens(struct crypt_device *cd, const char *device, struct tpm2_context *tpm,
			 struct lock_record *lock, const struct token_policy *policy,
			 struct signature_cache *sigs, struct secret *ret_pass,
			 struct secret *ret_vk, int *ret_keyslot, struct unlocked_token *ret_used,
			 bool *any, int *last)
{
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		_cleanup_secret_ struct secret secret = {}, pass = {}, vk = {};
		_cleanup_free_ char *type = NULL;
		struct tpm2_token tok = { .keyslot = -1 };
		const char *json = NULL, *reason = NULL;
		int slot, r;

		if (luks_token_get(cd, t, &json) < 0)
			continue;
		r = token_peek(json, &type, &slot, &reason);
		if (r < 0 || !streq(type, TOKEN_TYPE_TPM2)) {
			if (r < 0)
				log_warning("token %d on %s is corrupted: %s; ignoring it.", t,
					    device, reason);
			continue;
		}
		*any = true;
		r = token_tpm2_parse(json, &tok, &reason);
		if (r < 0) {
			log_error(
			    "token %d on %s %s: %s. Nothing was changed on disk; unlock with "
			    "the recovery key (sealroot.recovery=ask) and run 'sealroot persist "
			    "reseal'.",
			    t, device, r == -EBADMSG ? "is corrupted" : "cannot be used", reason);
			*last = r;
			continue;
		}
		if (tpm2_blob_validate(tok.sealed.blob, tok.sealed.blob_size) < 0) {
			log_error(
			    "token %d on %s is corrupted: tpm2-blob is not a sealed TPM2 "
			    "object. Nothing was changed on disk; unlock with the recovery key "
			    "(sealroot.recovery=ask) and run 'sealroot persist reseal'.",
			    t, device);
			tpm2_token_done(&tok);
			*last = -EBADMSG;
			continue;
		}
		if (!(luks_keyslots_in_use(cd) & (UINT32_C(1) << tok.keyslot))) {
			log_error("token %d on %s names keyslot %d, which is not in use.", t,
				  device, tok.keyslot);
			tpm2_token_done(&tok);
			*last = -ENOENT;
			continue;
		}

		r = token_policy_check(tpm, &tok, policy, t, device);
		if (r == -EPERM) /* PCR values changed: explained like a refused unseal */
			explain_unseal_failure(tpm, &tok, t, device, r);
		if (r >= 0) {
			bool logged;
			r = unseal_token(tpm, &tok, sigs, t, device, &secret, &logged);
			if (r < 0 && !logged)
				explain_unseal_failure(tpm, &tok, t, device, r);
		}
		if (r < 0) {
			tpm2_token_done(&tok);
			*last = r;
			continue;
		}
		slot = tok.keyslot;
		struct unlocked_token used = { .token = t,
					       .pcr_mask = tok.sealed.pcr_mask,
					       .pubkey_pcr_mask = tok.sealed.pubkey_pcr_mask };
		struct pcr_pubkey key;
		if (used.pubkey_pcr_mask &&
		    pcr_pubkey_from_pem(tok.sealed.pubkey, tok.sealed.pubkey_size, &key) >= 0)
			memcpy(used.key_fp, key.fingerprint, TPM2_SHA256_SIZE);
		tpm2_token_done(&tok);

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
 * next token is tried. */
static int unlock_with_tpm(struct crypt_device *cd, const char *device, struct tpm2_context *tpm,
			   struct lock_record *lock, const struct token_policy *policy,
			   const char *sig_path, struct secret *ret_pass, struct secret *ret_vk,
			   int *ret_keyslot, struct unlocked_token *ret_used)
{
	struct signature_cache sigs = { .path = sig_path };
	int last = -ENOENT, r;
	bool any = false;

	r = unlock_tokens(cd, device, tpm, lock, policy, &sigs, ret_pass, ret_vk, ret_keyslot,
			  ret_used, &any, &last);
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

static int unlock_with_recovery_key(struct crypt_device *cd, const char *device,
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

static int make_filesystem(const char *dev)
{
	char *argv[] = { "mkfs.ext4", "-q", "-F", "-L", "sealroot-persist", (char *)dev, NULL };
	int r = process_run(argv);
	if (r < 0)
		return log_error_errno(r, "Failed to run mkfs.ext4 on %s: %m", dev);
	if (r != 0)
		return log_error_errno(-EIO, "mkfs.ext4 on %s failed with exit status %d.", dev, r);
	return 0;
}

static int check_filesystem(const char *dev)
{
	char *argv[] = { "e2fsck", "-p", (char *)dev, NULL };
	int r = ext4_device_is_clean(dev);
	if (r > 0) {
		log_debug("%s: ext4 superblock says clean, no e2fsck needed.", dev);
		return 0;
	}
	if (r < 0)
		log_debug_errno(r, "%s: cannot read the ext4 superblock (%m); running e2fsck.",
				dev);
	r = process_run(argv);
	if (r < 0)
		return log_error_errno(r, "Failed to run e2fsck on %s: %m", dev);
	if (r >= 4)
		return log_error_errno(-EUCLEAN,
				       "e2fsck -p on %s exited %d: the filesystem has errors it "
				       "could not fix by itself. Run 'e2fsck %s' by hand from the "
				       "emergency shell.",
				       dev, r, dev);
	if (r > 0)
		log_notice("e2fsck fixed problems on %s (exit status %d).", dev, r);
	return 0;
}

static int mount_fs(const char *src, const char *where, const char *fstype, const char *opts)
{
	int r = mkdir_p(where);
	if (r < 0)
		return log_error_errno(r, "Failed to create mount point %s: %m", where);
	if (mount(src, where, fstype, MS_NOSUID | MS_NODEV, opts) < 0)
		return log_error_errno(-errno, "Failed to mount %s (%s) on %s: %m", src, fstype,
				       where);
	return 0;
}

/* A signed PCR policy is in use: the image carries a PCR key, or the token
 * that unlocked is signed. */
static bool signed_policy_in_use(const struct persist_options *o, const struct persist_result *res)
{
	return res->pubkey_pcr_mask != 0 || (o->pcr_pubkey && access(o->pcr_pubkey, F_OK) == 0);
}

/* Measure "leave-initrd" into PCR 11 when a signed policy is in use (see
 * pcr_phase.h); records the outcome in RES.  Not for 'persist provision'. */
static int leave_initrd_phase(const struct persist_options *o, struct tpm2_context *tpm,
			      struct persist_result *res)
{
	if (o->provision_only || !signed_policy_in_use(o, res))
		return 0;
	int r = pcr_phase_leave_initrd(tpm);
	if (r < 0)
		return r;
	res->phase = r > 0 ? "left" : "already left";
	return 0;
}

/* With a signed policy in use, PCR 11 must be in the phase the signatures
 * are for before anything is unsealed or sealed (pcr_phase.h). */
static int enter_initrd_phase(const struct persist_options *o, struct tpm2_context *tpm)
{
	if (o->provision_only || !o->pcr_pubkey || access(o->pcr_pubkey, F_OK) < 0)
		return 0;
	int r = pcr_phase_enter_initrd(tpm);
	return r < 0 ? r : 0;
}

/* What provisioning sealed to: the image's PCR key, when it has one. */
static void provisioned_key(const struct persist_options *o, struct persist_result *res)
{
	_cleanup_free_ uint8_t *pem = NULL;
	struct pcr_pubkey key;
	size_t size = 0;

	if (!o->pcr_pubkey || pcr_files_read_pubkey(o->pcr_pubkey, &pem, &size) < 0 ||
	    pcr_pubkey_from_pem(pem, size, &key) < 0)
		return;
	res->pubkey_pcr_mask = o->pubkey_pcr_mask;
	fingerprint_hex(key.fingerprint, res->pcr_key_fp);
}

int persist_apply_failure_policy(const struct persist_options *o, struct tpm2_context *tpm,
				 struct persist_result *res, int error)
{
	_cleanup_tpm2_ struct tpm2_context *own = NULL;
	res->action = PERSIST_ACTION_FAILED;
	if (o->provision_only)
		return error;

	bool volatile_fallback = o->on_failure == UNLOCK_FAILURE_VOLATILE && o->mount;
	if (!tpm && connect_tpm(o->tpm2_device, o->device, &own) >= 0)
		tpm = own;
	int r =
	    lock_measure_event(tpm, volatile_fallback ? "volatile" : "failure:persist", &res->lock);
	if (r < 0) {
		log_error("PCR %d could not be extended: this boot must not go on (the TPM2 might "
			  "still unseal the key of %s later).",
			  SEALROOT_TPM2_LOCK_PCR, o->device);
		return error;
	}
	r = leave_initrd_phase(o, tpm, res);
	if (r < 0) {
		/* A failure, even under the volatile policy. */
		res->action = PERSIST_ACTION_FAILED;
		return error;
	}
	if (!volatile_fallback)
		return error;

	r = mount_fs("tmpfs", o->mount_point, "tmpfs", "mode=0755");
	if (r < 0)
		return error;
	log_warning("*****************************************************************");
	log_warning("* The persistent partition %s could NOT be unlocked.", o->device);
	log_warning("* sealroot.on_unlock_failure=volatile: %s is an EMPTY tmpfs.", o->mount_point);
	log_warning("* Everything written there is LOST at shutdown.  Your data is");
	log_warning("* untouched on %s; fix the cause named above and", o->device);
	log_warning("* reboot, or use the recovery key (sealroot.recovery=ask).");
	log_warning("*****************************************************************");
	res->action = PERSIST_ACTION_VOLATILE;
	return 0;
}

/* Before anything else uses the key: measure the volume into the lock PCR,
 * then how it was opened (see lock.h). */
static int lock_after_unlock(const struct persist_options *o, struct tpm2_context *tpm,
			     struct crypt_device *cd, const struct secret *vk,
			     struct persist_result *res)
{
	int r = lock_measure_volume(tpm, cd, o->name, vk->data, vk->size, &res->lock);
	if (r < 0)
		return r;
	if (res->token_type && streq(res->token_type, "recovery")) {
		r = lock_measure_event(tpm, "recovery-key", &res->lock);
		if (r < 0)
			return r;
	}
	if (res->action == PERSIST_ACTION_PROVISIONED)
		return lock_measure_event(tpm, "provisioned", &res->lock);
	return 0;
}

/* After the keyslot gave up VK: activate, create the filesystem while
 * provisioning, fsck, mount, clear the marker.  *activated tells the caller
 * to close the volume on failure. */
static int finish_open(const struct persist_options *o, struct crypt_device *cd, struct secret *vk,
		       bool *activated)
{
	char dev[PATH_MAX];
	int r;

	if (!o->activate) {
		secret_wipe(vk);
		log_info("%s: key verified, not activated (--no-activate).", o->device);
		return 0;
	}

	r = luks_activate_by_volume_key(cd, o->name, vk);
	secret_wipe(vk);
	if (r < 0)
		return log_error_errno(r, "Failed to activate %s as /dev/mapper/%s: %m", o->device,
				       o->name);
	*activated = true;
	(void)snprintf(dev, sizeof(dev), "/dev/mapper/%s", o->name);

	bool provisioning = streq(luks_subsystem(cd), LUKS_SUBSYSTEM_PROVISIONING);
	if (provisioning) {
		/* The marker is cleared only after the filesystem was created and
		 * mounted, so nothing can have been stored in it yet. */
		r = provision_probe_new_volume(dev);
		if (r < 0)
			return r;
		if (r == 0) {
			log_info("Creating the ext4 filesystem on %s.", dev);
			r = make_filesystem(dev);
			if (r < 0)
				return r;
			fault_point("after-mkfs");
		}
	}
	r = check_filesystem(dev);
	if (r < 0)
		return r;
	if (o->mount) {
		r = mount_fs(dev, o->mount_point, "ext4", NULL);
		if (r < 0)
			return r;
	}
	if (provisioning)
		return provision_complete(cd, o->device);
	return 0;
}

int persist_open(const struct persist_options *o, struct persist_result *res)
{
	_cleanup_tpm2_ struct tpm2_context *tpm = NULL;
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	_cleanup_secret_ struct secret pass = {}, vk = {};
	enum persist_state state;
	bool activated = false;
	int keyslot = -1, r;

	/* pcr_mask: the selection of the token actually sealed or unsealed. */
	*res = (struct persist_result){ .action = PERSIST_ACTION_FAILED };
	struct lock_record *lock = o->provision_only ? NULL : &res->lock;

	r = provision_classify(o->device, &state);
	if (r < 0)
		goto fail;
	log_debug("%s: %s", o->device, persist_state_to_string(state));
	if (o->provision_only && state == PERSIST_STATE_PROVISIONED) {
		r = log_error_errno(-EEXIST,
				    "%s is already a provisioned LUKS2 volume; refusing to "
				    "provision it again. Use 'sealroot persist reseal' to change "
				    "its PCRs.",
				    o->device);
		goto fail;
	}

	r = connect_tpm(o->tpm2_device, o->device, &tpm);
	if (r < 0)
		goto fail;
	r = enter_initrd_phase(o, tpm);
	if (r < 0)
		goto fail;

	if (state == PERSIST_STATE_BLANK || state == PERSIST_STATE_RESTART) {
		if (state == PERSIST_STATE_RESTART)
			log_notice(
			    "A previous provisioning of %s stopped before its TPM2 token was "
			    "written; that key is lost and no data can exist. Starting over.",
			    o->device);
		r = provision_new(o, tpm, &cd, &pass, &keyslot);
		if (r < 0)
			goto fail;
		r = luks_volume_key_get(cd, keyslot, pass.data, pass.size, &vk);
		if (r < 0) {
			r = log_error_errno(r, "Keyslot %d of %s does not accept the new key: %m",
					    keyslot, o->device);
			goto fail;
		}
		res->action = PERSIST_ACTION_PROVISIONED;
		res->token_type = TOKEN_TYPE_TPM2;
		res->pcr_mask = o->pcr_mask | UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR;
		provisioned_key(o, res);
	} else {
		r = luks_load(o->device, &cd);
		if (r < 0) {
			r = log_error_errno(r, "Failed to load the LUKS2 header of %s: %m",
					    o->device);
			goto fail;
		}
		const struct token_policy policy = { .floor = o->pcr_mask,
						     .require_srk_pin = o->require_srk_pin };
		struct unlocked_token used = {};
		r = unlock_with_tpm(cd, o->device, tpm, lock, &policy, o->pcr_signature, &pass, &vk,
				    &keyslot, &used);
		if (r >= 0) {
			res->token_type = TOKEN_TYPE_TPM2;
			res->pcr_mask = used.pcr_mask;
			res->pubkey_pcr_mask = used.pubkey_pcr_mask;
			if (used.pubkey_pcr_mask)
				fingerprint_hex(used.key_fp, res->pcr_key_fp);
		} else if (o->recovery == RECOVERY_ASK && !o->provision_only) {
			r = unlock_with_recovery_key(cd, o->device, o->recovery_timeout_usec, &pass,
						     &vk, &keyslot);
			if (r >= 0)
				res->token_type = "recovery";
		}
		if (r < 0)
			goto fail;
		res->action = state == PERSIST_STATE_RESUME ? PERSIST_ACTION_PROVISIONED
							    : PERSIST_ACTION_UNLOCKED;
	}

	if (lock) {
		r = lock_after_unlock(o, tpm, cd, &vk, res);
		if (r < 0)
			goto fail;
		r = leave_initrd_phase(o, tpm, res);
		if (r < 0)
			goto fail;
	}
	if (state == PERSIST_STATE_RESUME) {
		log_notice("Resuming the interrupted provisioning of %s.", o->device);
		r = provision_resume(o, cd, &pass, keyslot);
		if (r < 0)
			goto fail;
	}

	r = finish_open(o, cd, &vk, &activated);
	if (r < 0)
		goto fail;
	return 0;

fail:
	secret_wipe(&vk);
	secret_wipe(&pass);
	if (activated && lock_close_volume(o->name) < 0)
		log_error("/dev/mapper/%s, opened by this run, could not be closed.", o->name);
	return persist_apply_failure_policy(o, tpm, res, r);
}

int persist_check(const char *device, const char *tpm2_device, const char *pcr_signature)
{
	char pcrs[96];
	_cleanup_tpm2_ struct tpm2_context *tpm = NULL;
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	_cleanup_secret_ struct secret pass = {};
	int keyslot, r;

	r = luks_load(device, &cd);
	if (r == -ENODATA || r == -EMEDIUMTYPE)
		return log_error_errno(r, "%s is not a LUKS2 volume.", device);
	if (r < 0)
		return log_error_errno(r, "Failed to load the LUKS2 header of %s: %m", device);
	r = connect_tpm(tpm2_device, device, &tpm);
	if (r < 0)
		return r;
	const struct token_policy policy = { .floor = SEALROOT_DEFAULT_TPM2_PCRS };
	struct unlocked_token used = {};
	r = unlock_with_tpm(cd, device, tpm, NULL, &policy, pcr_signature, &pass, NULL, &keyslot,
			    &used);
	if (r < 0)
		return r;
	log_info("OK: this TPM2 unseals token %d of %s and keyslot %d accepts the secret.",
		 used.token, device, keyslot);
	pcr_mask_to_string(used.pcr_mask, pcrs, sizeof(pcrs));
	if (used.pubkey_pcr_mask) {
		char signed_pcrs[96], fp[2 * TPM2_SHA256_SIZE + 1];
		pcr_mask_to_string(used.pubkey_pcr_mask, signed_pcrs, sizeof(signed_pcrs));
		fingerprint_hex(used.key_fp, fp);
		log_info(
		    "policy: signed; PCR key fingerprint %s; signed PCRs %s; PCRs by value %s.", fp,
		    signed_pcrs, pcrs);
	} else
		log_info("policy: pcr; PCRs by value %s.", pcrs);
	return 0;
}

/* The lock PCR's value at boot before sealroot extends it: as recorded in the
 * first systemd-tpm2 token that knows it (provisioning seals before the
 * extend), else the reset value.  Returns the token id or -ENOENT. */
static int lock_pcr_boot_value(struct crypt_device *cd, uint8_t ret[TPM2_SHA256_SIZE])
{
	const uint32_t lock = UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR;

	memset(ret, 0, TPM2_SHA256_SIZE);
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		struct tpm2_token tok = { .keyslot = -1 };
		const char *json = NULL, *reason = NULL;

		if (luks_token_get(cd, t, &json) < 0 || token_tpm2_parse(json, &tok, &reason) < 0)
			continue;
		bool known = (tok.sealed.pcr_mask & lock) && (tok.pcr_values_mask & lock);
		if (known)
			memcpy(ret, tok.sealed.pcr_values[SEALROOT_TPM2_LOCK_PCR],
			       TPM2_SHA256_SIZE);
		tpm2_token_done(&tok);
		if (known)
			return t;
	}
	return -ENOENT;
}

/* The values the new policy binds to, see persist.h; logs where each comes
 * from. */
static int reseal_expected_values(struct tpm2_context *tpm, struct crypt_device *cd,
				  const char *device, uint32_t mask,
				  const struct pcr_value_overrides *ov,
				  uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE])
{
	const uint32_t lock = UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR;
	uint32_t given = ov ? ov->mask : 0;
	uint32_t current = mask & ~lock & ~given;
	int r;

	if (given & ~mask) {
		char extra[96];
		pcr_mask_to_string(given & ~mask, extra, sizeof(extra));
		return log_error_errno(-EINVAL,
				       "--pcr-value names PCR %s, which is not in --pcrs (or PCR "
				       "%d); add it to --pcrs.",
				       extra, SEALROOT_TPM2_LOCK_PCR);
	}
	if (current) {
		r = tpm2_pcr_read(tpm, current, values);
		if (r < 0)
			return log_error_errno(r, "Failed to read the TPM2 PCRs of %s: %m", device);
	}
	if (!(given & lock)) {
		int t = lock_pcr_boot_value(cd, values[SEALROOT_TPM2_LOCK_PCR]);
		if (t >= 0)
			log_info(
			    "PCR %d: its value before the unlock as recorded in token %d of %s.",
			    SEALROOT_TPM2_LOCK_PCR, t, device);
		else
			log_info("PCR %d: its reset value (all zeros); no token of %s records "
				 "another.",
				 SEALROOT_TPM2_LOCK_PCR, device);
	}
	for (unsigned i = 0; i < TPM2_PCR_COUNT; i++) {
		if (!(given & (UINT32_C(1) << i)))
			continue;
		memcpy(values[i], ov->values[i], TPM2_SHA256_SIZE);
		log_info("PCR %u: the value given with --pcr-value.", i);
	}
	if (current) {
		char list[96];
		pcr_mask_to_string(current, list, sizeof(list));
		log_info("PCRs %s: their current values.", list);
	}
	return 0;
}

int persist_reseal(const char *device, const char *tpm2_device, const struct reseal_options *ro)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	_cleanup_tpm2_ struct tpm2_context *tpm = NULL;
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	_cleanup_secret_ struct secret old = {}, secret = {}, pass = {};
	_cleanup_free_ char *json = NULL, *with_proof = NULL;
	_cleanup_free_ uint8_t *pubkey = NULL;
	struct tpm2_sealed sealed = {};
	const char *recovery_key_file = ro->recovery_key_file;
	uint32_t mask = ro->pcr_mask | UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR;
	uint32_t pubkey_mask = ro->pcr_key ? ro->pubkey_pcr_mask : 0;
	int old_slot = -1, new_slot, new_token, r;
	size_t pubkey_size = 0;
	char pcrs[96], signed_pcrs[96];

	pcr_mask_to_string(mask, pcrs, sizeof(pcrs));
	pcr_mask_to_string(pubkey_mask, signed_pcrs, sizeof(signed_pcrs));
	if (ro->pcr_key) {
		r = pcr_files_read_pubkey(ro->pcr_key, &pubkey, &pubkey_size);
		if (r == -ENOENT)
			return log_error_errno(r, "The PCR public key %s does not exist.",
					       ro->pcr_key);
		if (r < 0)
			return r;
	}
	r = luks_load(device, &cd);
	if (r < 0)
		return log_error_errno(r, "Failed to load the LUKS2 header of %s: %m", device);
	r = connect_tpm(tpm2_device, device, &tpm);
	if (r < 0)
		return r;
	r = reseal_expected_values(tpm, cd, device, mask, ro->overrides, values);
	if (r < 0)
		return r;

	if (recovery_key_file) {
		r = recovery_key_read_file(recovery_key_file, &old);
		if (r == -EINVAL)
			return log_error_errno(r, "%s does not hold a recovery key.",
					       recovery_key_file);
		if (r < 0)
			return log_error_errno(r, "Failed to read %s: %m", recovery_key_file);
		old_slot = luks_verify(cd, CRYPT_ANY_SLOT, old.data, old.size);
		if (old_slot < 0)
			return log_error_errno(old_slot, "The recovery key in %s does not open %s.",
					       recovery_key_file, device);
	} else {
		/* Authorising a reseal needs no floor or pin: whoever unseals a
		 * token can open the volume anyway. */
		const struct token_policy any = {};
		r = unlock_with_tpm(cd, device, tpm, NULL, &any, ro->pcr_signature, &old, NULL,
				    &old_slot, NULL);
		if (r < 0)
			return log_error_errno(r,
					       "Cannot authorise the reseal of %s with the TPM2 "
					       "(on a booted system PCR %d is locked after the "
					       "unlock); pass --recovery-key-file.",
					       device, SEALROOT_TPM2_LOCK_PCR);
	}

	/* New keyslot and token first: a crash at any point leaves at least one
	 * working way in. */
	r = provision_new_secret(tpm, &secret);
	if (r < 0)
		return log_error_errno(r, "Failed to get random bytes for the new key: %m");
	r = luks_passphrase_from_secret(&secret, &pass);
	if (r < 0)
		return log_error_errno(r, "Failed to encode the new key: %m");
	new_slot = luks_add_keyslot_by_passphrase(cd, LUKS_KDF_MINIMAL, old.data, old.size,
						  pass.data, pass.size);
	if (new_slot < 0)
		return log_error_errno(new_slot, "Failed to add a keyslot to %s: %m", device);
	if (pubkey)
		r = tpm2_seal_to_values_signed(tpm, mask, values, pubkey, pubkey_size, pubkey_mask,
					       &secret, &sealed);
	else
		r = tpm2_seal_to_values(tpm, mask, values, &secret, &sealed);
	if (r < 0)
		return log_error_errno(r, "Failed to seal the new key of %s to PCRs %s%s%s: %m",
				       device, pcrs,
				       pubkey ? " and the PCR key's signature of PCR " : "",
				       pubkey ? signed_pcrs : "");
	r = token_tpm2_format(&sealed, new_slot, true, &json);
	tpm2_sealed_done(&sealed);
	if (r < 0)
		return log_error_errno(r, "Failed to build the TPM2 token: %m");
	r = provision_token_with_proof(cd, &secret, json, &with_proof);
	if (r < 0)
		return log_error_errno(r, "Failed to build the TPM2 token: %m");
	new_token = luks_token_add(cd, with_proof);
	if (new_token < 0)
		return log_error_errno(new_token, "Failed to write the TPM2 token to %s: %m",
				       device);
	fault_point("reseal-after-token");

	/* Now drop the old TPM2 tokens, each before its keyslot. */
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		_cleanup_free_ char *type = NULL;
		const char *tjson = NULL, *reason = NULL;
		int slot = -1;

		if (t == new_token || luks_token_get(cd, t, &tjson) < 0)
			continue;
		if (token_peek(tjson, &type, &slot, &reason) < 0 || !streq(type, TOKEN_TYPE_TPM2))
			continue;
		r = luks_token_remove(cd, t);
		if (r < 0)
			return log_error_errno(r, "Failed to remove old token %d of %s: %m", t,
					       device);
		if (slot >= 0 && slot != new_slot) {
			r = luks_destroy_keyslot(cd, slot);
			if (r < 0 && r != -ENOENT && r != -EINVAL)
				return log_error_errno(
				    r, "Failed to remove old keyslot %d of %s: %m", slot, device);
		}
		log_info("Removed old TPM2 token %d (keyslot %d) of %s.", t, slot, device);
	}
	if (pubkey)
		log_info("Resealed %s to PCRs %s signed by the key in %s, and PCRs %s by value: "
			 "keyslot %d, token %d.",
			 device, signed_pcrs, ro->pcr_key, pcrs, new_slot, new_token);
	else
		log_info("Resealed %s to PCRs %s: keyslot %d, token %d.", device, pcrs, new_slot,
			 new_token);
	return 0;
}
