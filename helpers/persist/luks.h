/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * luks.h — the libcryptsetup operations sealroot needs on a LUKS2 header.
 *
 * Format is always LUKS2, aes-xts-plain64 with a 512-bit key, 4096-byte
 * encryption sectors when the device allows it.  Keyslots for TPM-sealed
 * secrets use PBKDF2-SHA256 with 1000 iterations (the secret is 256 random
 * bits; a slow KDF adds nothing but boot time); recovery-key keyslots use
 * Argon2id with a fixed cost.  Passphrases are bytes, not C strings.
 *
 * Errors are negative errno from libcryptsetup: -ENODATA no LUKS2 header,
 * -EPERM wrong passphrase, -ENOENT no such keyslot/token.  libcryptsetup's
 * own messages are forwarded at debug level.
 */
#pragma once

#include "crypt_util.h"

#define LUKS_CIPHER "aes"
#define LUKS_CIPHER_MODE "xts-plain64"
#define LUKS_KEY_BITS 512
#define LUKS_LABEL "sealroot-persist"
/* The header's subsystem label while provisioning has not completed. */
#define LUKS_SUBSYSTEM_PROVISIONING "sealroot-provisioning"
#define LUKS_TOKENS_MAX 32

enum luks_kdf {
	LUKS_KDF_MINIMAL, /* PBKDF2-SHA256, 1000 iterations, no benchmark */
	LUKS_KDF_ARGON2ID,
};

/* Load DEVICE's LUKS2 header.  -ENODATA: the device has no LUKS header;
 * -EMEDIUMTYPE: a LUKS1 header (not ours). */
int luks_load(const char *device, struct crypt_device **ret);
/* Write a new LUKS2 header (random volume key, kept in *ret for adding
 * keyslots) labelled LUKS_LABEL with the given subsystem label. */
int luks_format(const char *device, const char *subsystem, struct crypt_device **ret);

const char *luks_subsystem(struct crypt_device *cd);
/* The header's UUID ("" if none). */
const char *luks_uuid(struct crypt_device *cd);
int luks_set_subsystem(struct crypt_device *cd, const char *subsystem);

/* Mask of keyslots in use. */
uint32_t luks_keyslots_in_use(struct crypt_device *cd);

/* Add a keyslot right after luks_format (volume key still in memory).
 * Returns the keyslot number. */
int luks_add_keyslot_by_volume_key(struct crypt_device *cd, enum luks_kdf kdf, const void *pass,
				   size_t pass_size);
/* Add a keyslot unlocking the volume key with an existing passphrase. */
int luks_add_keyslot_by_passphrase(struct crypt_device *cd, enum luks_kdf kdf, const void *old,
				   size_t old_size, const void *pass, size_t pass_size);
int luks_destroy_keyslot(struct crypt_device *cd, int keyslot);

/* Check PASS against KEYSLOT (CRYPT_ANY_SLOT: any) without activating;
 * returns the keyslot that matched or -EPERM. */
int luks_verify(struct crypt_device *cd, int keyslot, const void *pass, size_t pass_size);
/* The volume key that PASS unlocks from KEYSLOT (CRYPT_ANY_SLOT: any), in a
 * secret_alloc() buffer; this is also the check that the keyslot accepts
 * PASS.  Returns the keyslot that opened, -EPERM for a wrong passphrase. */
int luks_volume_key_get(struct crypt_device *cd, int keyslot, const void *pass, size_t pass_size,
			struct secret *ret);
/* Activate as /dev/mapper/NAME with the volume key itself. */
int luks_activate_by_volume_key(struct crypt_device *cd, const char *name,
				const struct secret *volume_key);

/* Tokens: add returns the token id; get gives a pointer owned by cd. */
int luks_token_add(struct crypt_device *cd, const char *json);
int luks_token_get(struct crypt_device *cd, int token, const char **ret_json);
int luks_token_remove(struct crypt_device *cd, int token);
/* Overwrite token TOKEN with JSON in one header write. */
int luks_token_replace(struct crypt_device *cd, int token, const char *json);

/* The keyslot passphrase for a TPM-sealed secret: base64(secret), as systemd
 * does.  *ret is NUL-terminated; size excludes the NUL. */
int luks_passphrase_from_secret(const struct secret *secret, struct secret *ret);
