// SPDX-License-Identifier: GPL-2.0-or-later
/* luks.c — LUKS2 header, keyslots, tokens via libcryptsetup, see luks.h. */
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "encoding.h"
#include "log.h"
#include "luks.h"
#include "secret.h"

#define LUKS_SECTOR_SIZE 4096

static void cryptsetup_log(int level, const char *msg, void *usrptr)
{
	(void)usrptr;
	(void)level;
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		n--;
	log_debug("libcryptsetup: %.*s", (int)n, msg);
}

static int luks_init(const char *device, struct crypt_device **ret)
{
	crypt_set_log_callback(NULL, cryptsetup_log, NULL);
	return crypt_init(ret, device);
}

int luks_load(const char *device, struct crypt_device **ret)
{
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	int r;

	r = luks_init(device, &cd);
	if (r < 0)
		return r;
	r = crypt_load(cd, CRYPT_LUKS, NULL);
	if (r == -EINVAL)
		return -ENODATA;
	if (r < 0)
		return r;
	if (!streq(crypt_get_type(cd), CRYPT_LUKS2))
		return -EMEDIUMTYPE;
	*ret = TAKE_PTR(cd);
	return 0;
}

/* 4096-byte encryption sectors need a logical sector size <= 4096 and a
 * device size that is a multiple of 4096. */
static uint32_t pick_sector_size(const char *device)
{
	_cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint64_t size = 0;
	int lss = 512;

	if (fd < 0 || fstat(fd, &st) < 0)
		return 512;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKSSZGET, &lss) < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0)
			return 512;
	} else
		size = (uint64_t)st.st_size;
	if (lss > LUKS_SECTOR_SIZE || size % LUKS_SECTOR_SIZE != 0)
		return lss > 0 ? (uint32_t)lss : 512;
	return LUKS_SECTOR_SIZE;
}

static int set_kdf(struct crypt_device *cd, enum luks_kdf kdf)
{
	struct crypt_pbkdf_type minimal = {
		.type = CRYPT_KDF_PBKDF2,
		.hash = "sha256",
		.iterations = 1000,
		.flags = CRYPT_PBKDF_NO_BENCHMARK,
	};
	/* The recovery key carries 256 random bits, so a fixed moderate cost
	 * is enough and keeps a recovery unlock predictable (~0.1-0.5 s). */
	struct crypt_pbkdf_type argon = {
		.type = CRYPT_KDF_ARGON2ID,
		.hash = "sha256",
		.iterations = 4,
		.max_memory_kb = 64 * 1024,
		.parallel_threads = 1,
		.flags = CRYPT_PBKDF_NO_BENCHMARK,
	};
	return crypt_set_pbkdf_type(cd, kdf == LUKS_KDF_MINIMAL ? &minimal : &argon);
}

int luks_format(const char *device, const char *subsystem, struct crypt_device **ret)
{
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	struct crypt_params_luks2 params = {
		.sector_size = pick_sector_size(device),
		.label = LUKS_LABEL,
		.subsystem = subsystem,
	};
	int r;

	r = luks_init(device, &cd);
	if (r < 0)
		return r;
	r = set_kdf(cd, LUKS_KDF_MINIMAL);
	if (r < 0)
		return r;
	r = crypt_format(cd, CRYPT_LUKS2, LUKS_CIPHER, LUKS_CIPHER_MODE, NULL, NULL,
			 LUKS_KEY_BITS / 8, &params);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cd);
	return 0;
}

const char *luks_uuid(struct crypt_device *cd)
{
	const char *s = crypt_get_uuid(cd);
	return s ? s : "";
}

const char *luks_subsystem(struct crypt_device *cd)
{
	const char *s = crypt_get_subsystem(cd);
	return s ? s : "";
}

int luks_set_subsystem(struct crypt_device *cd, const char *subsystem)
{
	const char *label = crypt_get_label(cd);
	char copy[64];

	/* crypt_get_label points into the header crypt_set_label rewrites
	 * (overlapping strncpy): pass a copy. */
	(void)snprintf(copy, sizeof(copy), "%s", label && *label ? label : LUKS_LABEL);
	return crypt_set_label(cd, copy, subsystem);
}

uint32_t luks_keyslots_in_use(struct crypt_device *cd)
{
	uint32_t mask = 0;
	int max = crypt_keyslot_max(CRYPT_LUKS2);

	for (int i = 0; i < max && i < 32; i++) {
		crypt_keyslot_info ki = crypt_keyslot_status(cd, i);
		if (ki == CRYPT_SLOT_ACTIVE || ki == CRYPT_SLOT_ACTIVE_LAST ||
		    ki == CRYPT_SLOT_UNBOUND)
			mask |= UINT32_C(1) << i;
	}
	return mask;
}

int luks_add_keyslot_by_volume_key(struct crypt_device *cd, enum luks_kdf kdf, const void *pass,
				   size_t pass_size)
{
	int r = set_kdf(cd, kdf);
	if (r < 0)
		return r;
	return crypt_keyslot_add_by_volume_key(cd, CRYPT_ANY_SLOT, NULL, 0, pass, pass_size);
}

int luks_add_keyslot_by_passphrase(struct crypt_device *cd, enum luks_kdf kdf, const void *old,
				   size_t old_size, const void *pass, size_t pass_size)
{
	int r = set_kdf(cd, kdf);
	if (r < 0)
		return r;
	return crypt_keyslot_add_by_passphrase(cd, CRYPT_ANY_SLOT, old, old_size, pass, pass_size);
}

int luks_destroy_keyslot(struct crypt_device *cd, int keyslot)
{
	return crypt_keyslot_destroy(cd, keyslot);
}

int luks_verify(struct crypt_device *cd, int keyslot, const void *pass, size_t pass_size)
{
	return crypt_activate_by_passphrase(cd, NULL, keyslot, pass, pass_size, 0);
}

int luks_volume_key_get(struct crypt_device *cd, int keyslot, const void *pass, size_t pass_size,
			struct secret *ret)
{
	_cleanup_secret_ struct secret vk = {};
	int size, r;

	size = crypt_get_volume_key_size(cd);
	if (size <= 0)
		return size < 0 ? size : -EINVAL;
	r = secret_alloc((size_t)size, &vk);
	if (r < 0)
		return r;
	r = crypt_volume_key_get(cd, keyslot, (char *)vk.data, &vk.size, pass, pass_size);
	if (r < 0)
		return r;
	*ret = vk;
	vk = (struct secret){};
	return r;
}

int luks_activate_by_volume_key(struct crypt_device *cd, const char *name,
				const struct secret *volume_key)
{
	return crypt_activate_by_volume_key(cd, name, (const char *)volume_key->data,
					    volume_key->size, 0);
}

int luks_token_add(struct crypt_device *cd, const char *json)
{
	return crypt_token_json_set(cd, CRYPT_ANY_TOKEN, json);
}

int luks_token_replace(struct crypt_device *cd, int token, const char *json)
{
	if (token < 0 || !json)
		return -EINVAL;
	int r = crypt_token_json_set(cd, token, json);
	return r < 0 ? r : 0;
}

int luks_token_get(struct crypt_device *cd, int token, const char **ret_json)
{
	crypt_token_info ti = crypt_token_status(cd, token, NULL);
	if (ti == CRYPT_TOKEN_INVALID)
		return -EINVAL;
	if (ti == CRYPT_TOKEN_INACTIVE)
		return -ENOENT;
	return crypt_token_json_get(cd, token, ret_json);
}

int luks_token_remove(struct crypt_device *cd, int token)
{
	return crypt_token_json_set(cd, token, NULL);
}

int luks_passphrase_from_secret(const struct secret *secret, struct secret *ret)
{
	struct secret b64 = {};
	int r = secret_alloc(base64_encoded_size(secret->size), &b64);
	if (r < 0)
		return r;
	base64_encode_into(secret->data, secret->size, (char *)b64.data);
	*ret = b64;
	return 0;
}
