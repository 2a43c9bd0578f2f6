/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fileio.h — plain file and directory I/O on sealroot's own paths: read a
 * whole file with a size bound, write a whole buffer, create a directory
 * with its parents.
 *
 * Every small file sealroot reads in full (kernel command line, layout.env,
 * signatures, the boot report) goes through read_fd_bounded(), so none of
 * them trusts st_size or can be made to allocate without limit.  These
 * functions follow symlinks: paths inside the verified root or the
 * persistent partition go through safe_path.h instead.
 *
 * All return 0 or a negative errno and log nothing; interrupted calls are
 * retried.
 */
#pragma once

#include <stddef.h>

/* Read FD to its end.  At most MAX bytes are accepted: more gives -EFBIG.
 * *RET is NUL-terminated (one byte past *RET_SIZE) and freed by the caller. */
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_size);

/* Write all SIZE bytes of DATA to FD (short writes are continued). */
int write_all(int fd, const void *data, size_t size);

/* mkdir -p: create PATH and each missing parent with mode 0755; a component
 * that exists already is fine (even when it is not a directory: the next
 * mkdir then fails with -ENOTDIR). */
int mkdir_p(const char *path);
