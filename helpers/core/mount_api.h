/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mount_api.h — mount onto file descriptors, never onto path names.
 *
 * Every function takes targets (and sources) as fds that the caller resolved
 * with safe_path.h, so nothing can be swapped between resolution and mount.
 * The new mount API is used (fsopen/fsconfig/fsmount for tmpfs and overlayfs,
 * open_tree(OPEN_TREE_CLONE) for binds, then move_mount(…,
 * MOVE_MOUNT_T_EMPTY_PATH) onto the target fd).  When the kernel lacks it
 * (ENOSYS) the same mounts are made with mount(2) on "/proc/self/fd/N",
 * which needs /proc mounted.  Test builds: SEALROOT_TEST_NO_NEW_MOUNT_API=1
 * in the environment forces the mount(2) path; SEALROOT_TEST_NO_OVERLAY_FD=1
 * makes overlayfs get its layers as "/proc/self/fd/N" strings, as kernels
 * before 6.13 need; SEALROOT_TEST_NO_MOUNT_SETATTR=1 makes binds get
 * nosuid,nodev by a remount, as before Linux 5.12.
 *
 * Every mount made here is nosuid,nodev, set explicitly (a bind would
 * otherwise keep whatever its source's mount has): no file on the persistent
 * partition or in a tmpfs may act as a device node or a set-id program in the
 * booted system.  A bind gets them with mount_setattr() before it is attached
 * (Linux 5.12), else with a remount (MS_REMOUNT|MS_BIND, its other flags
 * kept) right after; when that remount fails the bind is detached again and
 * the call fails.  Without the new API the new bind is found again by the
 * path the kernel reports for TARGET_FD, walked without symlinks and checked
 * to show SOURCE_FD's inode; if it cannot be found the call fails and the
 * bind stays (the caller fails the entry, which stops the boot).
 *
 * All functions return 0 or a negative errno and log nothing except debug
 * messages carrying the kernel's own explanation (overlayfs error text).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* tmpfs with "size=SIZE" (NULL: kernel default) and root MODE, nosuid,nodev. */
int mount_tmpfs_fd(int target_fd, const char *size, mode_t mode);

/* overlayfs with one lower layer, upper and work dir (all directories),
 * nosuid,nodev. */
int mount_overlay_fd(int target_fd, int lower_fd, int upper_fd, int work_fd);

/* Bind the file or directory SOURCE_FD on TARGET_FD (not recursive),
 * nosuid,nodev. */
int mount_bind_fd(int source_fd, int target_fd);

/* A detached copy of the mount FD is on, without the mounts below it
 * (open_tree(OPEN_TREE_CLONE), not recursive): an fd of FD's directory
 * through which lookups see that file system's own content, whatever is
 * mounted on top of it later.  Dropped when the fd is closed.  Returns the
 * fd or a negative errno (-ENOSYS before Linux 5.2). */
int mount_clone_tree(int fd);

/* 1 when FD is the root of a mount, 0 when not, negative errno on error.
 * Uses statx(STATX_ATTR_MOUNT_ROOT); on kernels before 5.8 it compares the
 * device of a directory with its "..", and reports 0 for files. */
int mount_is_root(int fd);

/* true when the new mount API is in use (false after an ENOSYS or in tests). */
bool mount_api_new_available(void);
