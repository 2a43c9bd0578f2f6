/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ext4_sb.h — decide from the ext4 superblock whether `e2fsck -p` has any
 * work to do, so a cleanly unmounted persistent filesystem mounts without
 * spawning e2fsck at every boot (on slow machines that is most of the
 * persist step).  Anything unexpected means "check it".
 */
#pragma once

#include <stdint.h>

#define EXT4_SUPERBLOCK_OFFSET 1024
#define EXT4_SUPERBLOCK_SIZE 1024

/* SB is the 1024-byte superblock.  Returns 1 when the filesystem is clean
 * (valid state, no error flag, no journal to replay, mount count below the
 * forced-check limit), 0 when e2fsck should run, -EINVAL when SB is not an
 * ext2/3/4 superblock. */
int ext4_superblock_is_clean(const uint8_t sb[EXT4_SUPERBLOCK_SIZE]);

/* Read DEVICE's superblock and apply ext4_superblock_is_clean(). */
int ext4_device_is_clean(const char *device);
