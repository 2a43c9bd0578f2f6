// SPDX-License-Identifier: GPL-2.0-or-later
/* persist_open.c — open (provision/unlock/activate/fsck/mount) and check the
 * persistent partition, and the unlock failure policy; see persist.h. */

#include <limits.h>

#include "ext4_sb.h"
#include "fault.h"
#include "lock.h"
#include "log.h"
#include "encoding.h"
#include "luks.h"
#include "pcr_files.h"
#include "pcr_phase.h"
#include "pcr_pubkey.h"
#include "persist.h"
#include "persist_internal.h"
#include "persist_mount.h"
#include "process.h"
#include "provision.h"
#include "svn.h"
#include "recovery_key.h"
#include "steps.h"
#include "token.h"
#include "token_policy.h"
#include "tpm2.h"
#include "tpm2_prestart.h"

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
	persist_fingerprint_hex(key.fingerprint, res->pcr_key_fp);
}

int persist_apply_failure_policy(const struct persist_options *o, struct tpm2_context *tpm,
				 struct persist_result *res, int error)
{
	_cleanup_tpm2_ struct tpm2_context *own = NULL;
	res->action = PERSIST_ACTION_FAILED;
	if (o->provision_only)
		return error;

	bool volatile_fallback =
	    o->on_failure == UNLOCK_FAILURE_VOLATILE && (o->mount || o->defer_mount);
	if (!tpm && persist_connect_tpm(o->tpm2_device, o->device, &own) >= 0)
		tpm = own;
	int r =
	    lock_measure_event(tpm, volatile_fallback ? "volatile" : "failure:persist", &res->lock);
	if (r < 0) {
		log_error("PCR %d could not be extended: this boot must not go on (the TPM2 might "
			  "still unseal the key of %s later).",
			  SEALROOT_TPM2_LOCK_PCR, o->device);
		return error;
	}
	step_mark("measured");
	r = leave_initrd_phase(o, tpm, res);
	if (r < 0) {
		/* A failure, even under the volatile policy. */
		res->action = PERSIST_ACTION_FAILED;
		return error;
	}
	if (!volatile_fallback)
		return error;

	if (o->defer_mount) {
		/* 'persist mount' puts the tmpfs up and warns (persist_mount.h). */
		log_notice("%s could not be unlocked; sealroot.on_unlock_failure=volatile: the "
			   "mount step puts an empty tmpfs in its place.",
			   o->device);
		res->action = PERSIST_ACTION_VOLATILE;
		return 0;
	}
	r = persist_mount_fs("tmpfs", o->mount_point, "tmpfs", "mode=0755");
	if (r < 0)
		return error;
	persist_warn_volatile(o->device, o->mount_point);
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
	step_mark("activated");
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
			step_mark("mkfs");
			fault_point("after-mkfs");
		}
	}
	r = check_filesystem(dev);
	if (r < 0)
		return r;
	step_mark("fsck");
	if (o->mount) {
		r = persist_mount_fs(dev, o->mount_point, "ext4", NULL);
		if (r < 0)
			return r;
	}
	if (provisioning)
		return provision_complete(cd, o->device);
	return 0;
}

int persist_open(const struct persist_options *o, struct persist_result *res)
{
	enum persist_state state = PERSIST_STATE_BLANK;
	int r = provision_classify(o->device, &state);

	return persist_open_classified(o, NULL, r, state, res);
}

int persist_open_classified(const struct persist_options *o, struct tpm2_context *prestarted,
			    int classified, enum persist_state state, struct persist_result *res)
{
	_cleanup_tpm2_ struct tpm2_context *tpm = prestarted;
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	_cleanup_secret_ struct secret pass = {}, vk = {};
	bool activated = false;
	int keyslot = -1, r;

	/* pcr_mask: the selection of the token actually sealed or unsealed. */
	*res = (struct persist_result){ .action = PERSIST_ACTION_FAILED,
					.svn = SVN_STATE_INIT(o->svn) };
	struct lock_record *lock = o->provision_only ? NULL : &res->lock;

	/* Only the unseal of a provisioned volume uses a pre-started TPM2;
	 * every other way runs, and connects, exactly as without it. */
	if (classified < 0 || state != PERSIST_STATE_PROVISIONED || o->provision_only)
		tpm2_context_freep(&tpm);
	r = classified;
	if (r < 0)
		goto fail;
	if (o->provision_only && state == PERSIST_STATE_PROVISIONED) {
		r = log_error_errno(-EEXIST,
				    "%s is already a provisioned LUKS2 volume; refusing to "
				    "provision it again. Use 'sealroot persist reseal' to change "
				    "its PCRs.",
				    o->device);
		goto fail;
	}

	if (tpm)
		step_mark("tpm"); /* connected before the partition appeared */
	else {
		r = persist_connect_tpm(o->tpm2_device, o->device, &tpm);
		if (r < 0)
			goto fail;
	}
	r = enter_initrd_phase(o, tpm);
	if (r < 0)
		goto fail;

	if (state == PERSIST_STATE_BLANK || state == PERSIST_STATE_RESTART) {
		if (state == PERSIST_STATE_RESTART)
			log_notice(
			    "A previous provisioning of %s stopped before its TPM2 token was "
			    "written; that key is lost and no data can exist. Starting over.",
			    o->device);
		r = provision_new(o, tpm, &cd, &pass, &keyslot, &res->svn);
		if (r < 0)
			goto fail;
		step_mark("provisioned");
		r = luks_volume_key_get(cd, keyslot, pass.data, pass.size, &vk);
		if (r < 0) {
			r = log_error_errno(r, "Keyslot %d of %s does not accept the new key: %m",
					    keyslot, o->device);
			goto fail;
		}
		step_mark("keyslot");
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
		r = persist_unlock_with_tpm(cd, o->device, tpm, lock, &policy, o->pcr_signature,
					    &pass, &vk, &keyslot, &used, &res->svn);
		/* No token took them: free the TPM's slots for what follows. */
		tpm2_prestart_drop(tpm);
		if (r >= 0) {
			res->token_type = TOKEN_TYPE_TPM2;
			res->pcr_mask = used.pcr_mask;
			res->pubkey_pcr_mask = used.pubkey_pcr_mask;
			if (used.pubkey_pcr_mask)
				persist_fingerprint_hex(used.key_fp, res->pcr_key_fp);
			/* Before the lock: only code before it may raise the
			 * minimum. A failed raise is logged and retried next boot. */
			if (used.svn_bound && lock)
				(void)svn_raise(tpm, &vk, used.svn_auth_policy, o->svn,
						svn_efivars_dir(), o->device, &res->svn);
		} else if (o->recovery == RECOVERY_ASK && !o->provision_only) {
			r = persist_unlock_with_recovery_key(
			    cd, o->device, o->recovery_timeout_usec, &pass, &vk, &keyslot);
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
		step_mark("measured");
		r = leave_initrd_phase(o, tpm, res);
		if (r < 0)
			goto fail;
	}
	if (state == PERSIST_STATE_RESUME) {
		log_notice("Resuming the interrupted provisioning of %s.", o->device);
		r = provision_resume(o, cd, &pass, keyslot);
		if (r < 0)
			goto fail;
		step_mark("provisioned");
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
	r = persist_connect_tpm(tpm2_device, device, &tpm);
	if (r < 0)
		return r;
	const struct token_policy policy = { .floor = SEALROOT_DEFAULT_TPM2_PCRS };
	struct unlocked_token used = {};
	r = persist_unlock_with_tpm(cd, device, tpm, NULL, &policy, pcr_signature, &pass, NULL,
				    &keyslot, &used, NULL);
	if (r < 0)
		return r;
	log_info("OK: this TPM2 unseals token %d of %s and keyslot %d accepts the secret.",
		 used.token, device, keyslot);
	pcr_mask_to_string(used.pcr_mask, pcrs, sizeof(pcrs));
	if (used.pubkey_pcr_mask) {
		char signed_pcrs[96], fp[2 * TPM2_SHA256_SIZE + 1];
		pcr_mask_to_string(used.pubkey_pcr_mask, signed_pcrs, sizeof(signed_pcrs));
		persist_fingerprint_hex(used.key_fp, fp);
		log_info(
		    "policy: signed; PCR key fingerprint %s; signed PCRs %s; PCRs by value %s.", fp,
		    signed_pcrs, pcrs);
	} else
		log_info("policy: pcr; PCRs by value %s.", pcrs);
	return 0;
}
