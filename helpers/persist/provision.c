// SPDX-License-Identifier: GPL-2.0-or-later
/* provision.c — first-boot provisioning state machine, see provision.h. */
#include <blkid.h>
#include <fcntl.h>
#include <sys/random.h>

#include "dl_crypto.h"
#include "encoding.h"
#include "fault.h"
#include "log.h"
#include "luks.h"
#include "pcr_files.h"
#include "pcr_pubkey.h"
#include "provision.h"
#include "steps.h"
#include "recovery_key.h"
#include "secret.h"
#include "token.h"

#define SECRET_SIZE 32
#define BLANK_CHECK_SIZE (1024 * 1024)

/*
 * The format intent: written to the last 4 KiB of the device (inside the
 * future LUKS2 data segment, which crypt_format() does not touch) right before
 * the LUKS2 header is written, and cleared once the header with its
 * provisioning label is on disk.  A device that has neither a readable LUKS2
 * header nor any other signature, but carries the intent, was being formatted
 * by sealroot when the power went: no data can be on it, so provisioning
 * starts over.  Outside that window the intent is never present.
 */
#define INTENT_SIZE 4096
#define INTENT_MAGIC "sealroot: LUKS2 format in progress, v1\n"

const char *persist_state_to_string(enum persist_state s)
{
	switch (s) {
	case PERSIST_STATE_BLANK:
		return "blank";
	case PERSIST_STATE_RESTART:
		return "provisioning interrupted before the TPM token";
	case PERSIST_STATE_RESUME:
		return "provisioning interrupted after the TPM token";
	case PERSIST_STATE_PROVISIONED:
		return "provisioned";
	}
	return "unknown";
}

/* What blkid recognises on DEVICE (filesystem, RAID, partition table...):
 * 1 and the type in buf, 0 nothing, negative errno. */
static int probe_signature(const char *device, char *buf, size_t size)
{
	blkid_probe pr = blkid_new_probe_from_filename(device);
	const char *type = NULL;
	int r;

	if (!pr)
		return errno > 0 ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	r = blkid_do_safeprobe(pr);
	if (r == 0) {
		if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) < 0 &&
		    blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) < 0)
			type = "unknown";
		(void)snprintf(buf, size, "%s", type);
		r = 1;
	} else if (r == -2) {
		(void)snprintf(buf, size, "several conflicting signatures");
		r = 1;
	} else if (r == 1)
		r = 0;
	else
		r = -EIO;
	blkid_free_probe(pr);
	return r;
}

int provision_probe_new_volume(const char *dev)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *type = NULL;
	_cleanup_free_ char *found = NULL;
	int r;

	if (!pr)
		return log_error_errno(errno > 0 ? -errno : -EIO,
				       "Failed to probe %s for filesystems before mkfs: %m", dev);
	/* Superblocks only: partition table probers are lenient enough to see
	 * one in the random-looking content of a fresh dm-crypt volume. */
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 0);
	r = blkid_do_safeprobe(pr);
	if (r == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
		found = strdup(type);
	blkid_free_probe(pr);
	if (r == 1)
		return 0;
	if (r == 0 && !found)
		return log_error_errno(-ENOMEM, "Out of memory probing %s.", dev);
	if (r == 0 && streq(found, "ext4")) {
		log_notice("%s already holds an ext4 filesystem: the one the interrupted "
			   "provisioning created. Keeping it (no mkfs over a filesystem).",
			   dev);
		return 1;
	}
	if (r == 0 || r == -2)
		return log_error_errno(
		    -EEXIST,
		    "%s, the volume being provisioned, already holds %s; refusing to run mkfs "
		    "over it. Nothing was written. Only sealroot can have written to a volume "
		    "it is provisioning, so the header was tampered with: inspect it from a "
		    "trusted system ('cryptsetup luksDump', 'blkid').",
		    dev, r == 0 ? found : "several conflicting signatures");
	return log_error_errno(-EIO, "Failed to probe %s for filesystems before mkfs.", dev);
}

/* 1 if the first MiB (or the whole device when smaller) is zero. */
static int first_mib_is_zero(const char *device)
{
	_cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ uint8_t *buf = NULL;
	size_t have = 0;

	if (fd < 0)
		return -errno;
	buf = malloc(BLANK_CHECK_SIZE);
	if (!buf)
		return -ENOMEM;
	while (have < BLANK_CHECK_SIZE) {
		ssize_t n = RETRY_ON_EINTR(read(fd, buf + have, BLANK_CHECK_SIZE - have));
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	for (size_t i = 0; i < have; i++)
		if (buf[i])
			return 0;
	return 1;
}

/* Write (SET) or clear the format intent at the end of DEVICE, synced. */
static int format_intent_write(const char *device, bool set)
{
	_cleanup_close_ int fd = open(device, O_RDWR | O_CLOEXEC | O_NOCTTY);
	uint8_t block[INTENT_SIZE] = {};

	if (fd < 0)
		return -errno;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return -errno;
	if (size < 2 * BLANK_CHECK_SIZE)
		return -ENOSPC;
	/* Clearing: the header written before must be on disk first. */
	if (!set && fsync(fd) < 0)
		return -errno;
	if (set)
		memcpy(block, INTENT_MAGIC, strlen(INTENT_MAGIC));
	ssize_t n = pwrite(fd, block, sizeof(block), size - INTENT_SIZE);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(block))
		return -EIO;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

/* 1 if DEVICE ends with the format intent, 0 if not, negative errno. */
static int format_intent_present(const char *device)
{
	_cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	uint8_t block[INTENT_SIZE], expected[INTENT_SIZE] = {};

	if (fd < 0)
		return -errno;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return -errno;
	if (size < INTENT_SIZE)
		return 0;
	ssize_t n = pread(fd, block, sizeof(block), size - INTENT_SIZE);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(block))
		return 0;
	memcpy(expected, INTENT_MAGIC, strlen(INTENT_MAGIC));
	return memcmp(block, expected, sizeof(block)) == 0;
}

/* What the provisioning HMAC authenticates: this LUKS2 header's UUID. */
#define PROVISIONING_HMAC_PREFIX "sealroot-provisioning:"

/* HMAC-SHA256(key = SECRET, "sealroot-provisioning:" + UUID of CD). */
static int provisioning_hmac(const void *secret, size_t secret_size, struct crypt_device *cd,
			     uint8_t ret[TOKEN_HMAC_SIZE])
{
	_cleanup_free_ char *msg = NULL;
	const char *uuid = luks_uuid(cd);
	unsigned int len = 0;

	int r;

	if (!*uuid)
		return -EBADMSG;
	r = dl_crypto_load();
	if (r < 0)
		return r;
	if (asprintf(&msg, "%s%s", PROVISIONING_HMAC_PREFIX, uuid) < 0)
		return -ENOMEM;
	if (!HMAC(EVP_sha256(), secret, (int)secret_size, (const uint8_t *)msg, strlen(msg), ret,
		  &len) ||
	    len != TOKEN_HMAC_SIZE)
		return -EIO;
	return 0;
}

int provision_token_with_proof(struct crypt_device *cd, const struct secret *secret,
			       const char *json, char **ret_json)
{
	uint8_t hmac[TOKEN_HMAC_SIZE];
	const char *reason = NULL;
	int r;

	if (!streq(luks_subsystem(cd), LUKS_SUBSYSTEM_PROVISIONING)) {
		*ret_json = strdup(json);
		return *ret_json ? 0 : -ENOMEM;
	}
	r = provisioning_hmac(secret->data, secret->size, cd, hmac);
	if (r >= 0)
		r = token_set_provisioning_hmac(json, hmac, ret_json, &reason);
	explicit_wipe(hmac, sizeof(hmac));
	return r;
}

struct token_scan {
	int tpm2_tokens;     /* systemd-tpm2, parsable or not */
	int recovery_tokens; /* systemd-recovery */
	int other_tokens;
	uint32_t referenced_keyslots;
};

static void scan_tokens(struct crypt_device *cd, struct token_scan *ret)
{
	*ret = (struct token_scan){};
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		const char *json = NULL, *reason = NULL;
		_cleanup_free_ char *type = NULL;
		int slot = -1;

		if (luks_token_get(cd, t, &json) < 0)
			continue;
		if (token_peek(json, &type, &slot, &reason) < 0) {
			ret->other_tokens++;
			continue;
		}
		if (slot >= 0)
			ret->referenced_keyslots |= UINT32_C(1) << slot;
		if (streq(type, TOKEN_TYPE_TPM2))
			ret->tpm2_tokens++;
		else if (streq(type, TOKEN_TYPE_RECOVERY))
			ret->recovery_tokens++;
		else
			ret->other_tokens++;
	}
}

static int classify_luks(struct crypt_device *cd, const char *device, enum persist_state *ret)
{
	struct token_scan scan;
	uint32_t slots = luks_keyslots_in_use(cd);

	if (!streq(luks_subsystem(cd), LUKS_SUBSYSTEM_PROVISIONING)) {
		*ret = PERSIST_STATE_PROVISIONED;
		return 0;
	}
	scan_tokens(cd, &scan);
	if (scan.tpm2_tokens > 0) {
		*ret = PERSIST_STATE_RESUME;
		return 0;
	}
	/* Before the token is written there is at most our one keyslot, whose
	 * secret existed only in the memory of the boot that crashed. */
	if (scan.recovery_tokens == 0 && scan.other_tokens == 0 && __builtin_popcount(slots) <= 1) {
		*ret = PERSIST_STATE_RESTART;
		return 0;
	}
	log_error(
	    "%s carries sealroot's provisioning marker but also %d token(s) and %d keyslot(s) "
	    "sealroot did not expect; refusing to touch it. Inspect it with 'cryptsetup "
	    "luksDump %s'.",
	    device, scan.recovery_tokens + scan.other_tokens, __builtin_popcount(slots), device);
	return -EEXIST;
}

static int classify(const char *device, enum persist_state *ret)
{
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	char sig[128];
	int r;

	r = luks_load(device, &cd);
	if (r == 0)
		return classify_luks(cd, device, ret);
	if (r != -EMEDIUMTYPE) {
		/* No usable header: was sealroot writing it when the power went? */
		int intent = format_intent_present(device);
		if (intent < 0)
			return log_error_errno(intent, "Failed to read %s: %m", device);
		if (intent > 0) {
			int found = probe_signature(device, sig, sizeof(sig));
			if (found < 0)
				return log_error_errno(
				    found, "Failed to probe %s for filesystems: %m", device);
			if (found == 0 || streq(sig, "crypto_LUKS")) {
				log_notice(
				    "%s: sealroot was writing its LUKS2 header when the boot "
				    "ended (format intent present, no complete header); "
				    "no data can exist on it yet, provisioning starts over.",
				    device);
				*ret = PERSIST_STATE_RESTART;
				return 0;
			}
		}
	}
	if (r == -EMEDIUMTYPE)
		return log_error_errno(
		    -EEXIST,
		    "%s holds a LUKS1 header, not a sealroot LUKS2 volume; "
		    "refusing to format it. Use a different partition or wipe it "
		    "yourself if its data is not needed.",
		    device);
	if (r != -ENODATA)
		return log_error_errno(r, "Failed to read %s: %m", device);

	r = probe_signature(device, sig, sizeof(sig));
	if (r < 0)
		return log_error_errno(r, "Failed to probe %s for filesystems: %m", device);
	if (r > 0)
		return log_error_errno(
		    -EEXIST,
		    "%s is not blank: it holds %s; refusing to format it. If its "
		    "data is not needed, wipe it (wipefs -a %s) and boot again.",
		    device, sig, device);

	r = first_mib_is_zero(device);
	if (r < 0)
		return log_error_errno(r, "Failed to read %s: %m", device);
	if (r == 0)
		return log_error_errno(-EEXIST,
				       "%s has no known signature but its first MiB is not zero; "
				       "refusing to format it. If its data is not needed, zero it "
				       "(blkdiscard -z or dd if=/dev/zero bs=1M count=1) and boot "
				       "again.",
				       device);
	*ret = PERSIST_STATE_BLANK;
	return 0;
}

int provision_classify(const char *device, enum persist_state *ret)
{
	int r = classify(device, ret);

	if (r >= 0) {
		log_debug("%s: %s", device, persist_state_to_string(*ret));
		step_mark("classified");
	}
	return r;
}

int provision_new_secret(struct tpm2_context *tpm, struct secret *ret)
{
	uint8_t tpm_random[SECRET_SIZE];
	struct secret s = {};
	int r;

	r = secret_alloc(SECRET_SIZE, &s);
	if (r < 0)
		return r;
	if (getrandom(s.data, SECRET_SIZE, 0) != SECRET_SIZE) {
		r = errno > 0 ? -errno : -EIO;
		goto fail;
	}
	/* Mix both sources so neither a weak TPM RNG nor an early-boot kernel
	 * pool alone decides the key. */
	r = tpm2_get_random(tpm, tpm_random, sizeof(tpm_random));
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < SECRET_SIZE; i++)
		s.data[i] ^= tpm_random[i];
	explicit_wipe(tpm_random, sizeof(tpm_random));
	*ret = s;
	return 0;
fail:
	explicit_wipe(tpm_random, sizeof(tpm_random));
	secret_wipe(&s);
	return r;
}

int provision_enroll_recovery(const struct persist_options *o, struct crypt_device *cd,
			      const struct secret *pass)
{
	_cleanup_secret_ struct secret key = {};
	_cleanup_free_ char *json = NULL;
	int slot, r;

	r = recovery_key_generate(&key);
	if (r < 0)
		return log_error_errno(r, "Failed to generate a recovery key: %m");
	slot = luks_add_keyslot_by_passphrase(cd, LUKS_KDF_ARGON2ID, pass->data, pass->size,
					      key.data, key.size);
	if (slot < 0)
		return log_error_errno(slot, "Failed to add a recovery keyslot to %s: %m",
				       o->device);
	/* Shown before the token is written: a crash in between leaves a
	 * keyslot no token names, which the next boot drops and replaces. */
	r = recovery_key_print(&key, o->device, o->recovery_key_output);
	if (r < 0) {
		(void)luks_destroy_keyslot(cd, slot);
		return log_error_errno(
		    r, "Failed to show the recovery key for %s on %s: %m", o->device,
		    o->recovery_key_output ? o->recovery_key_output : "the console");
	}
	r = token_recovery_format(slot, &json);
	if (r < 0)
		return log_error_errno(r, "Failed to build the recovery token: %m");
	r = luks_token_add(cd, json);
	if (r < 0)
		return log_error_errno(r, "Failed to write the recovery token to %s: %m",
				       o->device);
	log_info("Enrolled a recovery key in keyslot %d of %s.", slot, o->device);
	return 0;
}

/* Before sealing to a signed policy: this boot's signature file must hold a
 * signature by PUBKEY of the signed PCRs' current values, or the new token
 * could never be unsealed and every later boot of this image would fail. */
static int provision_check_signature(const struct persist_options *o, struct tpm2_context *tpm,
				     const uint8_t *pubkey, size_t pubkey_size)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {}, policy[TPM2_SHA256_SIZE];
	_cleanup_pcr_signature_ struct pcr_signature sigs = {};
	_cleanup_free_ char *fp = NULL, *pol = NULL;
	const struct pcr_signature_entry *e;
	struct pcr_pubkey key;
	char pcrs[96];
	int r;

	pcr_mask_to_string(o->pubkey_pcr_mask, pcrs, sizeof(pcrs));
	r = pcr_pubkey_from_pem(pubkey, pubkey_size, &key);
	if (r < 0)
		return r; /* pcr_files_read_pubkey() checked it already */
	r = tpm2_pcr_read(tpm, o->pubkey_pcr_mask, values);
	if (r >= 0)
		r = tpm2_policy_pcr_digest(o->pubkey_pcr_mask, values, policy);
	if (r < 0)
		return log_error_errno(r, "Failed to read TPM2 PCRs %s for provisioning %s: %m",
				       pcrs, o->device);
	if (hex_encode(key.fingerprint, sizeof(key.fingerprint), &fp) < 0 ||
	    hex_encode(policy, sizeof(policy), &pol) < 0)
		return log_error_errno(-ENOMEM, "Out of memory.");

	r = o->pcr_signature ? pcr_files_read_signature(o->pcr_signature, &sigs) : -ENOENT;
	if (r == -ENOENT)
		return log_error_errno(
		    -ENOKEY,
		    "Not provisioning %s: the image has the PCR key %s (fingerprint %s) but no "
		    "signature file %s, so a key sealed to that signed policy could never be "
		    "unsealed. Nothing was written. Rebuild the image with its PCR signature "
		    "('mkimage --pcr-key').",
		    o->device, o->pcr_pubkey, fp, o->pcr_signature ? o->pcr_signature : "");
	if (r < 0)
		return r;
	r = pcr_signature_find(&sigs, o->pubkey_pcr_mask, key.fingerprint, policy, &e);
	if (r < 0)
		return log_error_errno(
		    r,
		    "Not provisioning %s: %s has no signature by the PCR key %s (fingerprint %s) "
		    "for the current value of PCR %s (policy %s), so a key sealed to that signed "
		    "policy could never be unsealed by this image. Nothing was written. Rebuild "
		    "the image with a signature by its own PCR key for the phase enter-initrd.",
		    o->device, o->pcr_signature, o->pcr_pubkey, fp, pcrs, pol);
	return 0;
}

/* With an image SVN: create the anti-rollback index for the volume in CD
 * (whose keyslot KEYSLOT opens with PASS) and return its authPolicy. */
static int provision_svn(const struct persist_options *o, struct tpm2_context *tpm,
			 struct crypt_device *cd, int keyslot, const struct secret *pass,
			 uint8_t ret_auth_policy[TPM2_SHA256_SIZE], struct svn_state *svn)
{
	_cleanup_secret_ struct secret vk = {};
	int r = luks_volume_key_get(cd, keyslot, pass->data, pass->size, &vk);
	if (r < 0)
		return log_error_errno(r, "Keyslot %d of %s does not accept the new key: %m",
				       keyslot, o->device);
	return svn_provision(tpm, &vk, o->svn, o->device, ret_auth_policy, svn);
}

int provision_new(const struct persist_options *o, struct tpm2_context *tpm,
		  struct crypt_device **ret_cd, struct secret *ret_pass, int *ret_keyslot,
		  struct svn_state *ret_svn)
{
	uint8_t svn_policy[TPM2_SHA256_SIZE];
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	_cleanup_secret_ struct secret secret = {}, pass = {};
	_cleanup_free_ char *json = NULL, *with_hmac = NULL;
	_cleanup_free_ uint8_t *pubkey = NULL;
	struct tpm2_sealed sealed = {};
	uint32_t mask = o->pcr_mask | UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR;
	size_t pubkey_size = 0;
	char pcrs[96], signed_pcrs[96];
	int keyslot, r;

	pcr_mask_to_string(mask, pcrs, sizeof(pcrs));
	pcr_mask_to_string(o->pubkey_pcr_mask, signed_pcrs, sizeof(signed_pcrs));
	/* Before anything is written: an unusable key stops provisioning. */
	if (o->pcr_pubkey) {
		r = pcr_files_read_pubkey(o->pcr_pubkey, &pubkey, &pubkey_size);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (pubkey && !o->provision_only) {
		r = provision_check_signature(o, tpm, pubkey, pubkey_size);
		if (r < 0)
			return r;
	}
	if (pubkey)
		log_info("Provisioning %s: new LUKS2 volume sealed to PCRs %s signed by the key in "
			 "%s and TPM2 PCRs %s.",
			 o->device, signed_pcrs, o->pcr_pubkey, pcrs);
	else
		log_info("Provisioning %s: new LUKS2 volume sealed to TPM2 PCRs %s.", o->device,
			 pcrs);

	r = provision_new_secret(tpm, &secret);
	if (r < 0)
		return log_error_errno(r, "Failed to get random bytes for the key of %s: %m",
				       o->device);

	r = format_intent_write(o->device, true);
	if (r < 0)
		return log_error_errno(r, "Failed to mark %s as being formatted: %m", o->device);
	fault_point("after-intent");
	r = luks_format(o->device, LUKS_SUBSYSTEM_PROVISIONING, &cd);
	if (r < 0)
		return log_error_errno(r, "Failed to write a LUKS2 header to %s: %m", o->device);
	/* The header, with its provisioning label, now speaks for the device. */
	r = format_intent_write(o->device, false);
	if (r < 0)
		return log_error_errno(r, "Failed to clear the format mark on %s: %m", o->device);
	r = luks_passphrase_from_secret(&secret, &pass);
	if (r < 0)
		return log_error_errno(r, "Failed to encode the key of %s: %m", o->device);
	keyslot = luks_add_keyslot_by_volume_key(cd, LUKS_KDF_MINIMAL, pass.data, pass.size);
	if (keyslot < 0)
		return log_error_errno(keyslot, "Failed to add a keyslot to %s: %m", o->device);
	fault_point("after-format");

	if (o->svn != SVN_NONE) {
		r = provision_svn(o, tpm, cd, keyslot, &pass, svn_policy, ret_svn);
		if (r < 0)
			return r;
	}

	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	r = tpm2_pcr_read(tpm, mask, values);
	if (r >= 0)
		r = tpm2_seal_to_values_svn(
		    tpm, mask, values, pubkey, pubkey_size, pubkey ? o->pubkey_pcr_mask : 0,
		    o->svn != SVN_NONE ? svn_policy : NULL, &secret, &sealed);
	if (r == -ENOLCK)
		return log_error_errno(
		    r,
		    "The TPM2 is in dictionary-attack lockout, so the key of %s cannot be sealed "
		    "(every power loss after sealroot used the TPM counts as one failed "
		    "authorisation). Wait for the lockout to expire or clear it "
		    "(tpm2_dictionarylockout --clear-lockout), then boot again: provisioning "
		    "starts over, no data can exist on %s yet.",
		    o->device, o->device);
	if (r < 0)
		return log_error_errno(r, "Failed to seal the key of %s to the TPM (PCRs %s): %m",
				       o->device, pcrs);
	fault_point("after-seal");

	r = token_tpm2_format(&sealed, keyslot, true, &json);
	tpm2_sealed_done(&sealed);
	if (r < 0)
		return log_error_errno(r, "Failed to build the TPM2 token for %s: %m", o->device);
	/* The proof that this provisioning formatted the volume, for a resume. */
	r = provision_token_with_proof(cd, &secret, json, &with_hmac);
	if (r < 0)
		return log_error_errno(r, "Failed to authenticate the provisioning of %s: %m",
				       o->device);
	r = luks_token_add(cd, with_hmac);
	if (r < 0)
		return log_error_errno(r, "Failed to write the TPM2 token to %s: %m", o->device);
	fault_point("after-token");

	if (o->enroll_recovery) {
		r = provision_enroll_recovery(o, cd, &pass);
		if (r < 0)
			return r;
		fault_point("after-recovery");
	}

	*ret_cd = TAKE_PTR(cd);
	*ret_pass = pass;
	pass = (struct secret){};
	*ret_keyslot = keyslot;
	return 0;
}

/* Does the systemd-tpm2 token of KEYSLOT carry a provisioning HMAC that the
 * secret behind PASS (base64, the keyslot passphrase) verifies?  0 yes; else
 * -EPERM with *ret_why saying why not. */
static int provisioning_hmac_verify(struct crypt_device *cd, const struct secret *pass, int keyslot,
				    const char **ret_why)
{
	uint8_t stored[TOKEN_HMAC_SIZE], expected[TOKEN_HMAC_SIZE];
	int r;

	*ret_why = "it was not unlocked with a TPM2 token, whose secret is what proves it";
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		_cleanup_free_ char *type = NULL;
		_cleanup_free_ uint8_t *secret = NULL;
		const char *json = NULL, *reason = NULL;
		size_t size = 0;
		int slot = -1;

		if (luks_token_get(cd, t, &json) < 0 ||
		    token_peek(json, &type, &slot, &reason) < 0 || !streq(type, TOKEN_TYPE_TPM2) ||
		    slot != keyslot)
			continue;
		r = token_get_provisioning_hmac(json, stored, &reason);
		if (r == -ENOENT) {
			*ret_why =
			    "the TPM2 token that unlocked it carries no " TOKEN_PROVISIONING_HMAC;
			continue;
		}
		if (r < 0) {
			*ret_why = reason;
			continue;
		}
		r = base64_decode((const char *)pass->data, pass->size, &secret, &size);
		if (r < 0)
			return r;
		r = provisioning_hmac(secret, size, cd, expected);
		explicit_wipe(secret, size);
		if (r < 0)
			return r;
		bool ok = CRYPTO_memcmp(stored, expected, sizeof(expected)) == 0;
		explicit_wipe(expected, sizeof(expected));
		if (ok)
			return 0;
		*ret_why = "its " TOKEN_PROVISIONING_HMAC " does not match this volume and key";
	}
	return -EPERM;
}

int provision_resume(const struct persist_options *o, struct crypt_device *cd,
		     const struct secret *pass, int keyslot)
{
	struct token_scan scan;
	const char *why = NULL;
	int r;

	/* Anyone with the disk can set the marker back on a provisioned volume;
	 * only the boot that formatted it can have written a matching HMAC. */
	r = provisioning_hmac_verify(cd, pass, keyslot, &why);
	if (r == -EPERM)
		return log_error_errno(
		    r,
		    "%s carries sealroot's provisioning marker, but the marker is not "
		    "authenticated: %s. Refusing to resume provisioning: no recovery key is "
		    "enrolled or shown, nothing is formatted, nothing was changed on disk. If %s "
		    "was provisioned before, its header was tampered with and its data is intact: "
		    "from a trusted system clear the marker ('cryptsetup config --subsystem \"\" "
		    "%s') and boot again.",
		    o->device, why, o->device, o->device);
	if (r < 0)
		return log_error_errno(r, "Failed to check the provisioning marker of %s: %m",
				       o->device);

	scan_tokens(cd, &scan);
	uint32_t orphans =
	    luks_keyslots_in_use(cd) & ~scan.referenced_keyslots & ~(UINT32_C(1) << keyslot);
	for (int i = 0; i < 32; i++) {
		if (!(orphans & (UINT32_C(1) << i)))
			continue;
		/* While the marker is set only sealroot has written keyslots,
		 * and one no token names lost its key in the crash. */
		log_notice("Removing keyslot %d of %s, left behind by an interrupted provisioning.",
			   i, o->device);
		r = luks_destroy_keyslot(cd, i);
		if (r < 0)
			return log_error_errno(r, "Failed to remove keyslot %d of %s: %m", i,
					       o->device);
	}
	if (o->enroll_recovery && scan.recovery_tokens == 0) {
		r = provision_enroll_recovery(o, cd, pass);
		if (r < 0)
			return r;
		fault_point("after-recovery");
	}
	return 0;
}

int provision_complete(struct crypt_device *cd, const char *device)
{
	int r;

	/* The HMAC goes first: a crash before the marker is cleared then
	 * leaves a marker nothing authenticates, which is refused (fail
	 * closed); the other order would leave a provisioned volume whose
	 * marker anyone could set back and have accepted. */
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		_cleanup_free_ char *json = NULL;
		uint8_t hmac[TOKEN_HMAC_SIZE];
		const char *old = NULL, *reason = NULL;

		if (luks_token_get(cd, t, &old) < 0 ||
		    token_get_provisioning_hmac(old, hmac, &reason) == -ENOENT)
			continue;
		r = token_set_provisioning_hmac(old, NULL, &json, &reason);
		if (r == -EBADMSG)
			continue; /* not JSON: nothing to drop */
		if (r >= 0)
			r = luks_token_replace(cd, t, json);
		if (r < 0)
			return log_error_errno(
			    r,
			    "Failed to drop the provisioning proof from token %d "
			    "of %s: %m",
			    t, device);
	}
	fault_point("after-hmac-drop");
	r = luks_set_subsystem(cd, NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to mark provisioning of %s complete: %m", device);
	return 0;
}
