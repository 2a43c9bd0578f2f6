/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seed.h — copy a path of the image into the persistent tree, once.
 *
 * The copy keeps what "cp -a" keeps: regular files (data), directories
 * (recursively), symlinks (copied as symlinks, never followed), FIFOs, owner,
 * mode, access and modification times (nanoseconds), and every extended
 * attribute (user.*, trusted.*, security.*; POSIX ACLs travel as
 * system.posix_acl_*).  Files linked several times inside the copied tree
 * stay one inode with as many links.  Device nodes and sockets inside the
 * tree are left out (never created) and passed to a LEFT_OUT callback; as
 * the top of a seed they are refused and nothing is left behind.
 *
 * The copy is built under a temporary name in the destination directory
 * (".sealroot-seed.NAME.XXXXXX"), fsync'd, and renamed into place with
 * RENAME_NOREPLACE, so a crash leaves only the temporary (removed by
 * seed_clean_temps() on the next boot) and existing data is never
 * overwritten: an existing destination gives -EEXIST.
 *
 * Directory fds passed in must be real (O_RDONLY|O_DIRECTORY), not O_PATH.
 * Nothing here logs; failures are described in struct seed_failure.
 */
#pragma once

#include <sys/types.h>

struct seed_failure {
	char *path;   /* where it failed, relative to the copied path ("" = the top) */
	char *reason; /* what was wrong, without the errno text; NULL = see errno */
};

void seed_failure_done(struct seed_failure *f);

/* Called for a device node or socket left out of a copy: REL is its path
 * relative to the copied path, WHAT "a character device", "a socket", … */
typedef void (*seed_left_out_fn)(const char *rel, const char *what, void *userdata);

/* Copy SRC_NAME in SRC_DIR_FD to DST_NAME in DST_DIR_FD.  Returns 0, -EEXIST
 * when DST_NAME exists, or another negative errno with *FAIL filled in (FAIL
 * may be NULL).  LEFT_OUT may be NULL: then a device node or socket anywhere
 * in the tree fails the copy (-EMEDIUMTYPE). */
int seed_copy(int src_dir_fd, const char *src_name, int dst_dir_fd, const char *dst_name,
	      seed_left_out_fn left_out, void *userdata, struct seed_failure *fail);

/* Replace DST_NAME in DST_DIR_FD (missing, or anything but a directory)
 * with a copy of SRC_NAME in SRC_DIR_FD (a regular file, symlink or FIFO;
 * a directory gives -EISDIR), the same temporary-then-rename way: a crash
 * leaves DST_NAME either as it was or the complete copy, and at most a
 * temporary that seed_clean_temps() removes.  Used by the image-update merge
 * (layout_merge.h) for files the user never changed. */
int seed_replace(int src_dir_fd, const char *src_name, int dst_dir_fd, const char *dst_name,
		 struct seed_failure *fail);

/* Create the empty directory DST_NAME in DST_DIR_FD with MODE, UID, GID, the
 * same temporary-then-rename way.  -EEXIST when it exists. */
int seed_empty_dir(int dst_dir_fd, const char *dst_name, mode_t mode, uid_t uid, gid_t gid);

/* The same for an empty regular file. */
int seed_empty_file(int dst_dir_fd, const char *dst_name, mode_t mode, uid_t uid, gid_t gid);

/* Copy every extended attribute (POSIX ACLs included) of SRC_FD to DST_FD,
 * except overlayfs's own trusted.overlay.* and user.* ones DST's file system
 * does not support (tmpfs before Linux 6.6); both real fds (not O_PATH).
 * Used to give an overlay's upper directory the image directory's ACLs: any
 * other failure (an ACL that cannot be set) is an error, since without the
 * ACL the mode's group bits would grant the mask to the whole group.
 * Returns 0 or a negative errno. */
int seed_carry_xattrs(int src_fd, int dst_fd);

/* Deepest leftover tree seed_clean_temps() removes (8 bytes of memory a level). */
#define SEED_CLEAN_MAX_DEPTH (1U << 20)

/* Remove leftover temporaries of NAME (".sealroot-seed.NAME.*") in DIR_FD
 * with everything below them, without following symlinks, entering other
 * mounts or leaving the tree, with a constant number of fds and no
 * recursion whatever the depth.  Returns how many were removed, -ELOOP for
 * a tree deeper than SEED_CLEAN_MAX_DEPTH, or another negative errno.  Test
 * builds: SEALROOT_TEST_SEED_CLEAN_MAX_DEPTH=N lowers the limit. */
int seed_clean_temps(int dir_fd, const char *name);
