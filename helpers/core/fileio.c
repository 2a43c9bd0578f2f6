// SPDX-License-Identifier: GPL-2.0-or-later
/* fileio.c — bounded reads, whole writes, mkdir -p; see fileio.h. */
#include <sys/stat.h>

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
		ssize_t k = RETRY_ON_EINTR(read(fd, buf + size, allocated - size - 1));
		if (k < 0)
			return -errno;
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

int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size > 0) {
		ssize_t k = RETRY_ON_EINTR(write(fd, p, size));
		if (k < 0)
			return -errno;
		p += k;
		size -= (size_t)k;
	}
	return 0;
}

int mkdir_p(const char *path)
{
	_cleanup_free_ char *p = strdup(path);
	if (!p)
		return -ENOMEM;

	/* Each '/' after the first character ends a parent: cut there, create, restore. */
	for (char *s = p[0] ? p + 1 : p;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (!saved)
			return 0;
		*s = saved;
	}
}
