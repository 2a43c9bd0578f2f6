/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * safe_path.h — resolve paths beneath a root directory without following
 * symlinks.  This is the only module that turns a layout path into a file
 * descriptor; everything else works on the descriptors it returns.
 *
 * PATH is interpreted relative to ROOT_FD whether or not it starts with "/".
 * Empty components and "." are skipped; ".." is refused (-EXDEV).  A symlink
 * in any component (the last one included) fails with -ELOOP; no symlink is
 * ever followed, absolute or relative, and resolution never leaves ROOT_FD.
 * Mount points are crossed normally.
 *
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS) is used
 * when the kernel has it; otherwise (ENOSYS) a component walk with
 * openat(O_NOFOLLOW|O_PATH) and an fstat of each component does the same.
 *
 * When RET_SYMLINK is non-NULL and the result is -ELOOP, *RET_SYMLINK is set
 * to the offending path ("/" + the components up to and including the
 * symlink) for error messages; the caller frees it.  Otherwise it is left NULL.
 */
#pragma once

#include <sys/types.h>

/* Open PATH beneath ROOT_FD.  FLAGS are open(2) flags (O_PATH, O_DIRECTORY,
 * O_RDONLY…); O_CLOEXEC and O_NOFOLLOW are always added, O_CREAT is refused.
 * Returns the new fd or a negative errno. */
int safe_open(int root_fd, const char *path, int flags, char **ret_symlink);

/*
 * Called by safe_mkdir_p() for every directory it creates, with the new
 * directory open (O_RDONLY|O_DIRECTORY) and its path relative to ROOT_FD
 * ("a/b", no leading "/").  Meant to set owner and mode.  A negative return
 * aborts safe_mkdir_p() with that error.
 */
typedef int (*safe_mkdir_fn)(int dir_fd, const char *relpath, void *userdata);

/*
 * "mkdir -p" beneath ROOT_FD: create every missing component of PATH as a
 * directory with MODE (then call ON_CREATE if non-NULL), refusing symlinks as
 * safe_open() does (existing non-directories give -ENOTDIR).  Returns an fd of
 * the final directory opened with FLAGS (O_DIRECTORY is added) or a negative
 * errno.
 */
int safe_mkdir_p(int root_fd, const char *path, mode_t mode, int flags, safe_mkdir_fn on_create,
		 void *userdata, char **ret_symlink);

/* Split PATH into its parent ("/a/b" → "/a", "/a" → "/") and last component
 * ("b").  Both allocated; -EINVAL for "/" or an empty path, -ENOMEM. */
int path_split(const char *path, char **ret_parent, char **ret_name);

/* Test builds: SEALROOT_TEST_NO_OPENAT2=1 in the environment forces the
 * component walk, as if the kernel lacked openat2. */
