// SPDX-License-Identifier: GPL-2.0-or-later
/* safe_path.c — symlink-free path resolution beneath a root, see safe_path.h. */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "safe_path.h"
#include "util.h"

#ifndef __NR_openat2
#define __NR_openat2 437
#endif

/* Set once openat2() has returned ENOSYS: do not ask again. */
static bool openat2_missing;

static bool openat2_disabled(void)
{
	if (openat2_missing)
		return true;
#ifdef SEALROOT_TEST_HOOKS
	const char *e = getenv("SEALROOT_TEST_NO_OPENAT2");
	if (e && streq(e, "1"))
		return true;
#endif
	return false;
}

/* Copy PATH without leading, trailing or doubled slashes and without "."
 * components into a new string ("" for the root itself).  ".." → -EXDEV. */
static int path_normalise(const char *path, char **ret)
{
	size_t n = strlen(path);
	_cleanup_free_ char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return -ENOMEM;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		if (len == 1 && p[0] == '.') {
			p += len;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EXDEV;
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	out[o] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

/* "/" + the first LEN bytes of the normalised path. */
static char *slash_prefix(const char *norm, size_t len)
{
	char *s = malloc(len + 2);
	if (!s)
		return NULL;
	s[0] = '/';
	memcpy(s + 1, norm, len);
	s[len + 1] = '\0';
	return s;
}

/* Open NAME in DIR_FD with FLAGS, never following a symlink, and check the
 * result is what an O_PATH|O_NOFOLLOW look at it saw (no swap in between). */
static int open_component(int dir_fd, const char *name, int flags, bool want_dir)
{
	_cleanup_close_ int pfd = -1;
	struct stat st;

	pfd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (want_dir && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((flags & O_PATH) && !(flags & ~(O_PATH | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY)))
		return TAKE_FD(pfd);

	_cleanup_close_ int fd = openat(dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st2;
	if (fstat(fd, &st2) < 0)
		return -errno;
	if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
		return -EAGAIN; /* replaced while we looked at it */
	return TAKE_FD(fd);
}

/* The component walk: used without openat2, and to name the symlink that
 * made openat2 fail. */
static int walk_open(int root_fd, const char *norm, int flags, char **ret_symlink)
{
	_cleanup_close_ int cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	if (!*norm) {
		if ((flags & O_PATH) && !(flags & ~(O_PATH | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY)))
			return TAKE_FD(cur);
		int fd = openat(root_fd, ".", flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}

	const char *p = norm;
	for (;;) {
		size_t len = strcspn(p, "/");
		bool last = p[len] == '\0';
		char name[NAME_MAX + 1];

		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, len);
		name[len] = '\0';

		int fd = open_component(cur, name, last ? flags : O_PATH | O_DIRECTORY, !last);
		if (fd == -ELOOP && ret_symlink)
			*ret_symlink = slash_prefix(norm, (size_t)(p - norm) + len);
		if (fd < 0)
			return fd;
		closep(&cur);
		cur = fd;
		if (last)
			return TAKE_FD(cur);
		p += len + 1;
	}
}

int safe_open(int root_fd, const char *path, int flags, char **ret_symlink)
{
	_cleanup_free_ char *norm = NULL;
	int r;

	if (ret_symlink)
		*ret_symlink = NULL;
	if (flags & O_CREAT)
		return -EINVAL;
	r = path_normalise(path, &norm);
	if (r < 0)
		return r;

	if (!openat2_disabled()) {
		struct open_how how = {
			.flags = (uint64_t)(flags | O_CLOEXEC),
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		for (int attempt = 0; attempt < 8; attempt++) {
			long fd =
			    syscall(__NR_openat2, root_fd, *norm ? norm : ".", &how, sizeof(how));
			if (fd >= 0) {
				/* O_PATH|O_NOFOLLOW may hand back the symlink itself. */
				struct stat st;
				if ((flags & O_PATH) && fstat((int)fd, &st) == 0 &&
				    S_ISLNK(st.st_mode)) {
					close((int)fd);
					break; /* let the walk name it */
				}
				return (int)fd;
			}
			if (errno == EAGAIN)
				continue; /* a rename raced with the lookup */
			if (errno == ENOSYS || errno == E2BIG || errno == EPERM) {
				/* EPERM: seccomp filters in some containers */
				if (errno == ENOSYS)
					openat2_missing = true;
				break;
			}
			if (errno != ELOOP)
				return -errno;
			break; /* ELOOP: the walk finds which component */
		}
	}
	return walk_open(root_fd, norm, flags, ret_symlink);
}

int safe_mkdir_p(int root_fd, const char *path, mode_t mode, int flags, safe_mkdir_fn on_create,
		 void *userdata, char **ret_symlink)
{
	_cleanup_free_ char *norm = NULL;
	int r;

	if (ret_symlink)
		*ret_symlink = NULL;
	flags |= O_DIRECTORY;
	r = safe_open(root_fd, path, flags, ret_symlink);
	if (r != -ENOENT)
		return r;

	r = path_normalise(path, &norm);
	if (r < 0)
		return r;
	_cleanup_close_ int cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;

	const char *p = norm;
	for (;;) {
		size_t len = strcspn(p, "/");
		bool last = p[len] == '\0';
		size_t prefix_len = (size_t)(p - norm) + len;
		char name[NAME_MAX + 1];

		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, len);
		name[len] = '\0';

		int fd = open_component(cur, name, last ? flags : O_PATH | O_DIRECTORY, true);
		if (fd == -ENOENT) {
			if (mkdirat(cur, name, mode) < 0 && errno != EEXIST)
				return -errno;
			if (on_create) {
				_cleanup_close_ int dfd =
				    open_component(cur, name, O_RDONLY | O_DIRECTORY, true);
				if (dfd < 0)
					return dfd;
				_cleanup_free_ char *rel = strndup(norm, prefix_len);
				if (!rel)
					return -ENOMEM;
				r = on_create(dfd, rel, userdata);
				if (r < 0)
					return r;
			}
			fd = open_component(cur, name, last ? flags : O_PATH | O_DIRECTORY, true);
		}
		if (fd == -ELOOP && ret_symlink)
			*ret_symlink = slash_prefix(norm, prefix_len);
		if (fd < 0)
			return fd;
		closep(&cur);
		cur = fd;
		if (last)
			return TAKE_FD(cur);
		p += len + 1;
	}
}

int path_split(const char *path, char **ret_parent, char **ret_name)
{
	size_t n = strlen(path);

	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n == 0)
		return -EINVAL;
	size_t start = n;
	while (start > 0 && path[start - 1] != '/')
		start--;
	size_t plen = start;
	while (plen > 1 && path[plen - 1] == '/')
		plen--;

	_cleanup_free_ char *parent = plen == 0 ? strdup(".") : strndup(path, plen);
	_cleanup_free_ char *name = strndup(path + start, n - start);
	if (!parent || !name)
		return -ENOMEM;
	*ret_parent = TAKE_PTR(parent);
	*ret_name = TAKE_PTR(name);
	return 0;
}
