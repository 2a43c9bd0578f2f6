/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seed.h — copy a path of the image into the persistent tree, once.
 *
 * The copy keeps what "cp -a" keeps: regular files (data), directories
 * (recursively), symlinks (copied as symlinks, never followed), owner, mode,
 * access and modification times (nanoseconds), and every extended attribute
 * (user.*, trusted.*, security.*; POSIX ACLs travel as system.posix_acl_*).
 * Hard links are copied as separate files.  Device nodes, fifos and sockets
 * are refused: the whole seed fails and nothing is left behind.
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

/* Copy SRC_NAME in SRC_DIR_FD to DST_NAME in DST_DIR_FD.  Returns 0, -EEXIST
 * when DST_NAME exists, or another negative errno with *FAIL filled in (FAIL
 * may be NULL). */
int seed_copy(int src_dir_fd, const char *src_name, int dst_dir_fd, const char *dst_name,
	      struct seed_failure *fail);

/* Create the empty directory DST_NAME in DST_DIR_FD with MODE, UID, GID, the
 * same temporary-then-rename way.  -EEXIST when it exists. */
int seed_empty_dir(int dst_dir_fd, const char *dst_name, mode_t mode, uid_t uid, gid_t gid);

/* Deepest leftover tree seed_clean_temps() removes (8 bytes of memory a level). */
#define SEED_CLEAN_MAX_DEPTH (1U << 20)

/* Remove leftover temporaries of NAME (".sealroot-seed.NAME.*") in DIR_FD
 * with everything below them, without following symlinks, entering other
 * mounts or leaving the tree, with a constant number of fds and no
 * recursion whatever the depth.  Returns how many were removed, -ELOOP for
 * a tree deeper than SEED_CLEAN_MAX_DEPTH, or another negative errno.  Test
 * builds: SEALROOT_TEST_SEED_CLEAN_MAX_DEPTH=N lowers the limit. */
int seed_clean_temps(int dir_fd, const char *name);
