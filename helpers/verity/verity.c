// SPDX-License-Identifier: GPL-2.0-or-later
/* verity.c — dm-verity via libcryptsetup, see verity.h. */
#include <fcntl.h>
#include <inttypes.h>

#include "crypt_util.h"
#include "discover.h"
#include "dl_crypto.h"
#include "encoding.h"
#include "log.h"
#include "verity.h"
#include "warm.h"

#define VERITY_SB_SIZE 512 /* struct verity_sb, before the hash tree */

/* Route libcryptsetup's messages through log.h.  Its errors carry detail
 * ("Verification failed at position …"); the step that failed still logs
 * the one error line, so they go out at info level. */
static void verity_crypt_log(int level, const char *msg, void *userdata)
{
	(void)userdata;
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		n--;
	if (n == 0)
		return;
	switch (level) {
	case CRYPT_LOG_ERROR:
	case CRYPT_LOG_NORMAL:
		log_info("libcryptsetup: %.*s", (int)n, msg);
		break;
	default:
		log_debug("libcryptsetup: %.*s", (int)n, msg);
		break;
	}
}

static void format_uuid(const uint8_t b[16], char out[37])
{
	char hex[33];
	hex_encode_into(b, 16, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

int verity_default_partuuids(const uint8_t *root_hash, size_t size, char data[37], char hash[37])
{
	if (!root_hash || size < 32)
		return -EINVAL;
	format_uuid(root_hash, data);
	format_uuid(root_hash + size - 16, hash);
	return 0;
}

void verity_devices_done(struct verity_devices *d)
{
	free(d->data);
	free(d->hash);
	free(d->fec);
	*d = (struct verity_devices){};
}

static int find_one(const char *what, const char *spec, usec_t timeout, char **ret)
{
	int r = discover_device(spec, timeout, ret);
	if (r < 0)
		return log_error_errno(r, "Cannot open the verity root: %s device %s not found: %m",
				       what, spec);
	log_debug("verity %s device %s is %s", what, spec, *ret);
	return 0;
}

int verity_find_devices(const struct verity_config *v, usec_t timeout_usec,
			struct verity_devices *ret)
{
	struct verity_devices d = {};
	char data_uuid[37], hash_uuid[37], data_spec[64], hash_spec[64];
	int r;

	r = verity_default_partuuids(v->root_hash, v->root_hash_size, data_uuid, hash_uuid);
	if (r < 0)
		return log_error_errno(r, "no usable roothash= on the kernel command line");
	snprintf(data_spec, sizeof(data_spec), "PARTUUID=%s", data_uuid);
	snprintf(hash_spec, sizeof(hash_spec), "PARTUUID=%s", hash_uuid);

	const char *ds = v->data_spec ? v->data_spec : data_spec;
	/* With a hash-offset the hash tree shares the data device. */
	const char *hs = v->hash_spec ? v->hash_spec : v->hash_offset ? ds : hash_spec;

	r = find_one("data", ds, timeout_usec, &d.data);
	if (r >= 0)
		r = find_one("hash", hs, timeout_usec, &d.hash);
	if (r == -ETIMEDOUT && (!v->data_spec || !v->hash_spec))
		log_error("The missing PARTUUID was derived from roothash= (first/last 128 bits, "
			  "systemd's convention). If the partitions listed above belong to this "
			  "image, the root hash on the kernel command line is not this image's: "
			  "rebuild the UKI with the right one, or name the devices with "
			  "systemd.verity_root_data= and systemd.verity_root_hash=.");
	if (r >= 0 && v->fec_spec)
		r = find_one("FEC", v->fec_spec, timeout_usec, &d.fec);
	if (r < 0) {
		verity_devices_done(&d);
		return r;
	}
	*ret = d;
	return 0;
}

uint32_t verity_activation_flags(const struct verity_config *v)
{
	uint32_t flags = CRYPT_ACTIVATE_READONLY;

	switch (v->on_corruption) {
	case VERITY_ON_CORRUPTION_RESTART:
		flags |= CRYPT_ACTIVATE_RESTART_ON_CORRUPTION;
		break;
	case VERITY_ON_CORRUPTION_PANIC:
		flags |= CRYPT_ACTIVATE_PANIC_ON_CORRUPTION;
		break;
	case VERITY_ON_CORRUPTION_IGNORE:
		flags |= CRYPT_ACTIVATE_IGNORE_CORRUPTION;
		break;
	case VERITY_ON_CORRUPTION_EIO:
		break;
	}
	if (v->check_at_most_once)
		flags |= CRYPT_ACTIVATE_CHECK_AT_MOST_ONCE;
	return flags;
}

const char *verity_policy_name(enum verity_corruption_policy p)
{
	switch (p) {
	case VERITY_ON_CORRUPTION_RESTART:
		return "restart-on-corruption";
	case VERITY_ON_CORRUPTION_PANIC:
		return "panic-on-corruption";
	case VERITY_ON_CORRUPTION_IGNORE:
		return "ignore-corruption";
	case VERITY_ON_CORRUPTION_EIO:
		return "eio";
	}
	return "unknown";
}

const char *verity_sig_mode_name(enum verity_sig_mode m)
{
	switch (m) {
	case VERITY_SIG_USERSPACE:
		return "userspace";
	case VERITY_SIG_KERNEL:
		return "kernel";
	default:
		return "none";
	}
}

/* Open the hash device and read its superblock. */
static int verity_load(const struct verity_config *v, const struct verity_devices *d,
		       uint32_t verity_flags, struct crypt_device **ret)
{
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	int r;

	/* Every verity path starts here: load libcryptsetup, and libcrypto for
	 * verity_check_root(). */
	r = crypto_libs_load();
	if (r < 0)
		return r;
	crypt_set_log_callback(NULL, verity_crypt_log, NULL);
	if (log_get_max_level() >= LOG_LEVEL_DEBUG)
		crypt_set_debug_level(CRYPT_DEBUG_ALL);

	r = crypt_init_data_device(&cd, d->hash, d->data);
	if (r < 0)
		return log_error_errno(r,
				       "Failed to open verity hash device %s (data device %s): %m",
				       d->hash, d->data);
	crypt_set_log_callback(cd, verity_crypt_log, NULL);

	struct crypt_params_verity params = {
		.hash_area_offset = v->hash_offset,
		.fec_device = d->fec,
		.fec_area_offset = d->fec ? v->fec_offset : 0,
		.fec_roots = d->fec ? (v->fec_roots ? v->fec_roots : 2) : 0,
		.flags = verity_flags,
	};
	r = crypt_load(cd, CRYPT_VERITY, &params);
	if (r < 0)
		return log_error_errno(r,
				       "No valid dm-verity superblock on hash device %s at offset "
				       "%" PRIu64 ": %m. Check systemd.verity_root_hash= and "
				       "hash-offset= on the kernel command line.",
				       d->hash, v->hash_offset);

	int ks = crypt_get_volume_key_size(cd);
	if (ks <= 0 || (size_t)ks != v->root_hash_size) {
		log_error("root hash mismatch: roothash= has %zu bytes but hash device %s uses "
			  "%d-byte hashes",
			  v->root_hash_size, d->hash, ks);
		return -EPERM;
	}
	*ret = TAKE_PTR(cd);
	return 0;
}

static int read_block(const char *path, uint64_t offset, uint8_t *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ssize_t n = pread(fd, buf, size, (off_t)offset);
	if (n < 0)
		return -errno;
	if ((size_t)n != size)
		return -EIO; /* short: the device is smaller than its superblock says */
	return 0;
}

/* Compare the root hash with the digest of the top block of the hash tree (or
 * of the only data block).  Cheap, and catches a wrong roothash= before any
 * device exists.  0 match, -EPERM mismatch (logged), other errors logged. */
static int verity_check_root(struct crypt_device *cd, const struct verity_config *v,
			     const struct verity_devices *d)
{
	struct crypt_params_verity vp = {};
	int r;

	r = crypt_get_verity_info(cd, &vp);
	if (r < 0)
		return log_error_errno(r, "Failed to read the verity parameters of %s: %m",
				       d->hash);

	const EVP_MD *md = EVP_get_digestbyname(vp.hash_name);
	if (!md || (size_t)EVP_MD_get_size(md) != v->root_hash_size)
		return log_error_errno(-EOPNOTSUPP, "Hash algorithm '%s' of %s is not supported",
				       vp.hash_name ? vp.hash_name : "?", d->hash);

	const char *path;
	uint64_t offset;
	size_t bsize;
	if (vp.data_size <= 1) {
		path = d->data; /* no tree: the root hash is the data block's digest */
		offset = 0;
		bsize = vp.data_block_size;
	} else {
		path = d->hash;
		bsize = vp.hash_block_size;
		offset = vp.hash_area_offset;
		if (!(vp.flags & CRYPT_VERITY_NO_HEADER))
			offset = (offset + VERITY_SB_SIZE + bsize - 1) / bsize * bsize;
	}
	if (bsize == 0 || bsize > 64 * 1024)
		return log_error_errno(-EINVAL, "Invalid block size %zu on %s", bsize, d->hash);

	_cleanup_free_ uint8_t *block = malloc(bsize);
	if (!block)
		return -ENOMEM;
	r = read_block(path, offset, block, bsize);
	if (r < 0)
		return log_error_errno(r, "Failed to read the top of the hash tree from %s: %m",
				       path);

	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	bool ok = EVP_DigestInit_ex(ctx, md, NULL) == 1;
	if (vp.hash_type == 1 && vp.salt_size > 0)
		ok = ok && EVP_DigestUpdate(ctx, vp.salt, vp.salt_size) == 1;
	ok = ok && EVP_DigestUpdate(ctx, block, bsize) == 1;
	if (vp.hash_type == 0 && vp.salt_size > 0)
		ok = ok && EVP_DigestUpdate(ctx, vp.salt, vp.salt_size) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, digest, &dlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok || dlen != v->root_hash_size)
		return log_error_errno(-EIO, "Failed to compute the %s digest of %s", vp.hash_name,
				       path);

	if (memcmp(digest, v->root_hash, dlen) != 0) {
		char want[2 * SEALROOT_ROOT_HASH_MAX + 1], got[2 * EVP_MAX_MD_SIZE + 1];
		hex_encode_into(v->root_hash, v->root_hash_size, want);
		hex_encode_into(digest, dlen, got);
		log_error(
		    "root hash mismatch: roothash=%s but the hash tree on %s has root %s. The "
		    "image and the kernel command line do not belong together.",
		    want, d->hash, got);
		return -EPERM;
	}
	return 0;
}

int verity_check(const struct verity_config *v, const struct verity_devices *d)
{
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	int r = verity_load(v, d, 0, &cd);
	if (r < 0)
		return r;
	return verity_check_root(cd, v, d);
}

int verity_verify(const struct verity_config *v, const struct verity_devices *d)
{
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	char hex[2 * SEALROOT_ROOT_HASH_MAX + 1];
	int r;

	r = verity_load(v, d, CRYPT_VERITY_CHECK_HASH, &cd);
	if (r < 0)
		return r;
	r = verity_check_root(cd, v, d);
	if (r < 0)
		return r;

	/* No name: libcryptsetup only verifies (every block), nothing is activated. */
	r = crypt_activate_by_volume_key(cd, NULL, (const char *)v->root_hash, v->root_hash_size,
					 0);
	if (r == -EPERM) {
		hex_encode_into(v->root_hash, v->root_hash_size, hex);
		log_error(
		    "corruption detected: data device %s and hash device %s do not match root "
		    "hash %s. Do not use this image; rebuild or reflash it.",
		    d->data, d->hash, hex);
		return r;
	}
	if (r < 0)
		return log_error_errno(r,
				       "Failed to verify data device %s against hash device %s: %m",
				       d->data, d->hash);
	return 0;
}

bool verity_sig_may_fall_back(int kernel_err, bool sig_verified)
{
	if (!sig_verified)
		return false; /* nobody but the kernel checked it, and it refused */
	/* No key in the kernel's keyring, or no signature support in dm-verity.
	 * libcryptsetup 2.6 (Debian 12) turns the kernel's ENOKEY ("Root hash
	 * verification failed") into ENODEV. */
	return kernel_err == -EKEYREJECTED || kernel_err == -ENOKEY || kernel_err == -EINVAL ||
	       kernel_err == -ENOTSUP || kernel_err == -ENODEV;
}

int verity_activate(const struct verity_config *v, const struct verity_devices *d, const char *name,
		    const uint8_t *sig, size_t sig_size, bool sig_verified,
		    enum verity_sig_mode *ret_mode)
{
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	uint32_t flags = verity_activation_flags(v);
	const char *key = (const char *)v->root_hash;
	int r;

	r = verity_load(v, d, 0, &cd);
	if (r < 0)
		return r;
	r = verity_check_root(cd, v, d);
	if (r < 0)
		return r;

	crypt_status_info st = crypt_status(cd, name);
	if (st == CRYPT_ACTIVE || st == CRYPT_BUSY)
		return log_error_errno(-EEXIST,
				       "/dev/mapper/%s already exists; not replacing it. Pass "
				       "--name to use another name.",
				       name);

	if (sig) {
		r = crypt_activate_by_signed_key(cd, name, key, v->root_hash_size,
						 (const char *)sig, sig_size, flags);
		if (r >= 0) {
			*ret_mode = VERITY_SIG_KERNEL;
			return 0;
		}
		if (!verity_sig_may_fall_back(r, sig_verified))
			return log_error_errno(r,
					       "The kernel refused the root hash signature for %s "
					       "(data %s, hash %s): %m. Not activating.",
					       name, d->data, d->hash);
		log_notice("The kernel could not check the root hash signature (%s); it was "
			   "verified in userspace against the initramfs certificates, activating "
			   "with the root hash.",
			   strerror(-r));
	}

	r = crypt_activate_by_volume_key(cd, name, key, v->root_hash_size, flags);
	if (r < 0) {
		/* Never leave a half-made mapping behind. */
		if (crypt_status(cd, name) == CRYPT_ACTIVE)
			(void)crypt_deactivate(cd, name);
		return log_error_errno(r,
				       "Failed to activate /dev/mapper/%s (data %s, hash %s): %m. "
				       "Is device-mapper with dm-verity available (modprobe "
				       "dm_verity)?",
				       name, d->data, d->hash);
	}
	*ret_mode = sig ? VERITY_SIG_USERSPACE : VERITY_SIG_NONE;
	return 0;
}
