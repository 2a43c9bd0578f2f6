/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * provision.h — first-boot provisioning of the persistent partition, as a
 * crash-safe state machine (docs/tpm2-luks.md has the full table).
 *
 * The header carries the subsystem label LUKS_SUBSYSTEM_PROVISIONING from the
 * moment it is written until the filesystem inside has been created and
 * mounted; only while it is there may sealroot reformat (no token yet: the
 * secret died with the crashed boot) or mkfs (no data can exist yet).
 *
 * The marker alone proves nothing (anyone with the disk can set it): the
 * TPM2 token written by provisioning carries TOKEN_PROVISIONING_HMAC =
 * HMAC-SHA256(key = the sealed secret, "sealroot-provisioning:" + LUKS UUID),
 * and a RESUME continues only when the secret just unsealed verifies it.
 * provision_complete removes it, so a provisioned volume whose marker is set
 * back is refused: no recovery key is enrolled or shown, nothing formatted.
 *
 * Fault points (sealroot-test): after-intent, after-format, after-seal, after-token,
 * after-recovery, after-hmac-drop; after-mkfs is in persist_open.c.
 */
#pragma once

#include <libcryptsetup.h>

#include "persist.h"
#include "tpm2.h"

const char *persist_state_to_string(enum persist_state s);

/* Decide what DEVICE is (enum persist_state, persist.h; the state found is
 * logged at debug level).  Anything that might hold data and is not one of
 * those states (a filesystem, a foreign or half-used LUKS header, non-zero
 * bytes) is refused with -EEXIST and an explanation (logged here). */
int provision_classify(const char *device, enum persist_state *ret);

/* 32 bytes from getrandom() XOR 32 bytes from the TPM RNG. */
int provision_new_secret(struct tpm2_context *tpm, struct secret *ret);

/* JSON, a systemd-tpm2 token for SECRET on CD, with the provisioning HMAC
 * added when CD carries the provisioning marker (a plain copy otherwise), in
 * *ret_json.  Provisioning and a reseal before provisioning completed use it,
 * so the marker stays authenticated by the token that unlocks. */
int provision_token_with_proof(struct crypt_device *cd, const struct secret *secret,
			       const char *json, char **ret_json);

/* Format DEVICE and enroll a new TPM-sealed secret (and a recovery key when
 * asked).  Returns the open header in *ret_cd, the keyslot passphrase
 * (base64 of the secret, NUL-terminated) in *ret_pass and its keyslot.  With
 * an image SVN (o->svn), the anti-rollback index is created first and the
 * secret sealed with PolicyNV on it (persist_svn.h); *ret_svn records it. */
int provision_new(const struct persist_options *o, struct tpm2_context *tpm,
		  struct crypt_device **ret_cd, struct secret *ret_pass, int *ret_keyslot,
		  struct svn_state *ret_svn);

/* For a RESUME state after unlocking with PASS (keyslot KEYSLOT): refuse with
 * -EPERM (logged) unless the TPM2 token of KEYSLOT carries a provisioning
 * HMAC the secret verifies; then drop keyslots no token refers to (only ours
 * can exist while the marker is set) and enroll the recovery key if it was
 * asked for and is missing. */
int provision_resume(const struct persist_options *o, struct crypt_device *cd,
		     const struct secret *pass, int keyslot);

/* Enroll a recovery key keyslot + "systemd-recovery" token, authorised by
 * PASS, and print the key once. */
int provision_enroll_recovery(const struct persist_options *o, struct crypt_device *cd,
			      const struct secret *pass);

/* Before mkfs on DEV, the activated volume being provisioned: 0 when libblkid
 * finds no superblock signature (run mkfs); 1 when it holds ext4 — only the
 * mkfs of an interrupted, authenticated provisioning can have written it, so
 * it is kept; -EEXIST (logged) for any other signature: mkfs never runs over
 * a filesystem. */
int provision_probe_new_volume(const char *dev);

/* Mark provisioning complete: drop the provisioning HMAC from every token
 * first, then clear the marker (a crash in between leaves a marker nothing
 * authenticates, which is refused). */
int provision_complete(struct crypt_device *cd, const char *device);
