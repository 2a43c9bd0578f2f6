/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verity.h — dm-verity with libcryptsetup: find the data/hash devices, check
 * the root hash against the hash tree, verify everything in userspace, or
 * activate a read-only /dev/mapper device.
 *
 * Nothing here decides signature policy (cmd_verity.c does, with
 * verity_sig.h); nothing here ever mounts the data device.
 */
#pragma once

#include "config.h"

/* systemd's convention: the first 128 bits of the root hash are the data
 * partition's PARTUUID, the last 128 bits the hash partition's, written as
 * lowercase 8-4-4-4-12.  -EINVAL if SIZE < 32. */
int verity_default_partuuids(const uint8_t *root_hash, size_t size, char data[37], char hash[37]);

struct verity_devices {
	char *data;
	char *hash;
	char *fec; /* NULL: no FEC */
};

void verity_devices_done(struct verity_devices *d);

/* Resolve the data, hash and FEC devices of V with discover_device(): the
 * given specs, else PARTUUIDs derived from the root hash (hash: the data
 * device itself when a hash-offset is given).  Logs what it could not find. */
int verity_find_devices(const struct verity_config *v, usec_t timeout_usec,
			struct verity_devices *ret);

/* CRYPT_ACTIVATE_* flags for V's corruption policy and check-at-most-once. */
uint32_t verity_activation_flags(const struct verity_config *v);
const char *verity_policy_name(enum verity_corruption_policy p);

/* Load the superblock and compare the root hash with the top of the hash
 * tree, without activating anything.  0, -EPERM mismatch, or other errors;
 * all logged. */
int verity_check(const struct verity_config *v, const struct verity_devices *d);

/* Read every data block and the hash tree in userspace and compare with the
 * root hash (works on plain files, no device-mapper).  0 ok; -EPERM
 * corruption or root hash mismatch (logged, naming the device and which); other
 * negative errno when the devices cannot be read (logged). */
int verity_verify(const struct verity_config *v, const struct verity_devices *d);

enum verity_sig_mode {
	VERITY_SIG_NONE,
	VERITY_SIG_USERSPACE, /* checked by verity_sig.c, kernel told only the hash */
	VERITY_SIG_KERNEL,    /* the kernel checked it against its keyring */
};
const char *verity_sig_mode_name(enum verity_sig_mode m);

/* After the kernel refused a root hash signature with KERNEL_ERR: may the
 * root be activated by its root hash alone?  Only when SIG_VERIFIED (the
 * userspace check against the initramfs certificates passed) and the
 * kernel's error means it could not check (no key: EKEYREJECTED, ENOKEY, and
 * ENODEV, which libcryptsetup 2.6 makes of the kernel's ENOKEY; no signature
 * support: EINVAL, ENOTSUP).  Never for an unverified signature. */
bool verity_sig_may_fall_back(int kernel_err, bool sig_verified);

/* Activate read-only as /dev/mapper/NAME.  First checks the top of the hash
 * tree against the root hash (a wrong root hash never yields a device).  With
 * SIG, the kernel is asked to verify it; if it refuses, activation goes on
 * by root hash alone only as verity_sig_may_fall_back() allows.
 * Logs failures naming the devices; *ret_mode says which path was taken. */
int verity_activate(const struct verity_config *v, const struct verity_devices *d, const char *name,
		    const uint8_t *sig, size_t sig_size, bool sig_verified,
		    enum verity_sig_mode *ret_mode);
