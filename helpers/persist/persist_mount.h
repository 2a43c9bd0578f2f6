/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist_mount.h — the second half of a split `persist open`, so the unlock
 * can run while the verified root is still being opened:
 *
 *   `persist unlock`  unseal, keyslot, lock PCR, activate, fsck (no /sysroot
 *                     needed), then records its outcome here (the handoff);
 *   `persist mount`   once /sysroot is mounted: reads the handoff and mounts
 *                     /dev/mapper/NAME (or, when the unlock took the volatile
 *                     fallback, an empty tmpfs) at the mount point.
 *
 * A partition that still needs provisioning (blank, or a provisioning that
 * was interrupted) is not touched by the unlock: it records "provision" and
 * the mount step runs the whole `persist open`, after the root was verified,
 * so a boot whose root fails never writes the partition.
 *
 * The handoff is one word ("unlocked", "provisioned", "volatile",
 * "provision") in SEALROOT_RUN_DIR/persist-unlocked (the environment
 * variable SEALROOT_RUN_DIR overrides the directory, for tests).  The mount
 * step mounts nothing without it: no handoff means the unlock, and with it
 * the lock PCR extend, did not complete (fail closed).
 *
 * Functions return 0 or a negative errno and log their own failures.
 */
#pragma once

#include "config.h"

#define PERSIST_HANDOFF_NAME "persist-unlocked"

#define PERSIST_HANDOFF_PROVISION "provision"

/* Record ACTION (one of the four words above) for `persist mount`. */
int persist_handoff_write(const char *action);
/* The recorded word (static storage) in *RET; -ENOENT when there is none,
 * -EINVAL when it is not one of the four words (both logged). */
int persist_handoff_read(const char **ret);
/* Remove a handoff left by an earlier run (0 when there was none). */
int persist_handoff_clear(void);

/* mkdir -p WHERE, then mount SRC (FSTYPE, OPTS may be NULL) nosuid,nodev. */
int persist_mount_fs(const char *src, const char *where, const char *fstype, const char *opts);
/* The loud warning of the volatile fallback: DEVICE's data is untouched, an
 * empty tmpfs is at MOUNT_POINT. */
void persist_warn_volatile(const char *device, const char *mount_point);

/* Mount what the unlock of DEVICE (the partition, for messages) left, ACTION
 * being its handoff word: /dev/mapper/NAME (ext4) at MOUNT_POINT, or for
 * "volatile" an empty tmpfs.  -EINVAL for "provision" (not a mount). */
int persist_mount(const char *device, const char *name, const char *mount_point,
		  const char *action);
