/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fileio.h — read a whole file with a size bound.  Used for every small file
 * sealroot reads in full (kernel command line, layout.env, signatures), so
 * that none of them trusts st_size or can be made to allocate without limit.
 */
#pragma once

#include <stddef.h>

/* Read FD to its end.  At most MAX bytes are accepted: more gives -EFBIG.
 * *RET is NUL-terminated (one byte past *RET_SIZE) and freed by the caller.
 * Returns 0 or a negative errno. */
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_size);
