// SPDX-License-Identifier: GPL-2.0-or-later
/* fileio.c — bounded whole-file reads, see fileio.h. */
#include "fileio.h"
#include "util.h"

int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, allocated = 0;

	for (;;) {
		/* Keep room for one byte past MAX (to detect a larger file) and the NUL. */
		if (allocated - size < 2) {
			size_t want = allocated ? allocated * 2 : 4096;
			if (want > max + 2)
				want = max + 2;
			if (want <= allocated)
				return -EFBIG;
			char *p = realloc(buf, want);
			if (!p)
				return -ENOMEM;
			buf = p;
			allocated = want;
		}
		ssize_t k = read(fd, buf + size, allocated - size - 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		size += (size_t)k;
		if (size > max)
			return -EFBIG;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[size] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_size = size;
	return 0;
}
