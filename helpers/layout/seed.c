// SPDX-License-Identifier: GPL-2.0-or-later
/* seed.c — copy image paths into the persistent tree, see seed.h. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "fileio.h"
#include "seed.h"
#include "util.h"

#define SEED_TEMP_PREFIX ".sealroot-seed."
#define SEED_TEMP_NAME_MAX 200 /* of NAME inside the temporary name */
#define XATTR_LIST_MAX_BYTES 65536
#define XATTR_VALUE_MAX_BYTES 65536
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif
/* Big stack buffers live in leaf functions only, never in a recursion frame. */
#define _noinline_ __attribute__((noinline))

/* A regular file or FIFO with more than one link, already copied: its copy
 * is at PATH, relative to the destination directory of the whole seed. */
struct seen_link {
	dev_t dev;
	ino_t ino;
	char *path;
};

/* State of one seed_copy(). */
struct copy_ctx {
	struct seed_failure *f;
	seed_left_out_fn left_out;
	void *userdata;
	int top_dir;	      /* the destination directory passed to seed_copy() */
	const char *top_name; /* the temporary name of the copy in it */
	struct seen_link *links;
	size_t n_links, cap_links;
};

static void copy_ctx_done(struct copy_ctx *cx)
{
	for (size_t i = 0; i < cx->n_links; i++)
		free(cx->links[i].path);
	free(cx->links);
	cx->links = NULL;
	cx->n_links = cx->cap_links = 0;
}

void seed_failure_done(struct seed_failure *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->reason);
	f->path = NULL;
	f->reason = NULL;
}

/* Record the first failure: REL is the path relative to the seeded top. */
_printf_(4, 5) static int fail_at(struct seed_failure *f, const char *rel, int r, const char *fmt,
				  ...)
{
	if (!f || f->path)
		return r;
	f->path = strdup(rel);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&f->reason, fmt, ap) < 0)
			f->reason = NULL;
		va_end(ap);
	}
	return r;
}

static int join_rel(char **ret, const char *rel, const char *name)
{
	if (asprintf(ret, "%s%s%s", rel, *rel ? "/" : "", name) < 0)
		return -ENOMEM;
	return 0;
}

static const char *type_name(mode_t m)
{
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "of an unknown file type";
}

_noinline_ static int copy_data(int in, int out)
{
	bool use_cfr = true;
	char buf[128 * 1024];

	for (;;) {
		ssize_t n;
		if (use_cfr) {
			n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
				      errno == EOPNOTSUPP || errno == EBADF)) {
				use_cfr = false;
				continue;
			}
			if (n < 0)
				return -errno;
			if (n == 0)
				return 0;
			continue;
		}
		n = RETRY_ON_EINTR(read(in, buf, sizeof(buf)));
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		int r = write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

/*
 * Copy all extended attributes.  SRC/DST are fds, or, for symlinks (whose
 * O_PATH fds refuse the f*xattr calls), "/proc/self/fd/N/NAME" paths used
 * with the l*xattr calls.
 */
struct xattr_ref {
	int fd;
	const char *path; /* non-NULL: use l*xattr on this path */
	/* (on the source) carrying to an overlay's upper directory: leave out
	 * trusted.overlay.*, and user.* where the upper's file system has none
	 * (tmpfs before Linux 6.6) */
	bool to_upper;
};

static ssize_t xa_list(const struct xattr_ref *x, char *buf, size_t size)
{
	return x->path ? llistxattr(x->path, buf, size) : flistxattr(x->fd, buf, size);
}

static ssize_t xa_get(const struct xattr_ref *x, const char *name, void *buf, size_t size)
{
	return x->path ? lgetxattr(x->path, name, buf, size) : fgetxattr(x->fd, name, buf, size);
}

static int xa_set(const struct xattr_ref *x, const char *name, const void *v, size_t size)
{
	return x->path ? lsetxattr(x->path, name, v, size, 0) : fsetxattr(x->fd, name, v, size, 0);
}

_noinline_ static int copy_xattrs(const struct xattr_ref *src, const struct xattr_ref *dst,
				  const char *rel, struct seed_failure *f)
{
	ssize_t n = xa_list(src, NULL, 0);
	if (n < 0) {
		if (errno == ENOTSUP || errno == EOPNOTSUPP)
			return 0; /* the source file system has none */
		return fail_at(f, rel, -errno, "cannot list extended attributes");
	}
	if (n == 0)
		return 0;
	if (n > XATTR_LIST_MAX_BYTES)
		return fail_at(f, rel, -E2BIG, "too many extended attributes");

	/* On the stack: this is a leaf call, never part of the recursion. */
	char names[XATTR_LIST_MAX_BYTES];
	char value[XATTR_VALUE_MAX_BYTES];
	n = xa_list(src, names, sizeof(names));
	if (n < 0)
		return fail_at(f, rel, -errno, "cannot list extended attributes");

	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		if (src->to_upper && startswith(name, "trusted.overlay."))
			continue;
		ssize_t v = xa_get(src, name, value, XATTR_VALUE_MAX_BYTES);
		if (v < 0) {
			if (errno == ENODATA)
				continue; /* removed meanwhile */
			return fail_at(f, rel, -errno, "cannot read extended attribute %s", name);
		}
		if (xa_set(dst, name, value, (size_t)v) < 0) {
			if (src->to_upper && startswith(name, "user.") &&
			    (errno == EOPNOTSUPP || errno == ENOTSUP))
				continue;
			return fail_at(f, rel, -errno, "cannot copy extended attribute %s", name);
		}
	}
	return 0;
}

/* Owner, mode, xattrs, times of a copied file or directory (DST an open fd). */
static int copy_meta_fd(int src, int dst, const struct stat *st, const char *rel,
			struct seed_failure *f)
{
	struct stat cur;
	if (fstat(dst, &cur) < 0)
		return fail_at(f, rel, -errno, "cannot stat the copy");
	/* chown clears set-id bits and security.capability: mode and xattrs follow it. */
	if ((cur.st_uid != st->st_uid || cur.st_gid != st->st_gid) &&
	    fchown(dst, st->st_uid, st->st_gid) < 0)
		return fail_at(f, rel, -errno, "cannot set owner %u:%u", (unsigned)st->st_uid,
			       (unsigned)st->st_gid);
	if (fchmod(dst, st->st_mode & 07777) < 0)
		return fail_at(f, rel, -errno, "cannot set mode %04o",
			       (unsigned)(st->st_mode & 07777));

	struct xattr_ref xs = { .fd = src }, xd = { .fd = dst };
	int r = copy_xattrs(&xs, &xd, rel, f);
	if (r < 0)
		return r;

	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (futimens(dst, ts) < 0)
		return fail_at(f, rel, -errno, "cannot set timestamps");
	return 0;
}

static int copy_entry(int src_dir, const char *name, int dst_dir, const char *dst_name,
		      const char *rel, struct copy_ctx *cx);

static int copy_dir_contents(int src, int dst, const char *rel, struct copy_ctx *cx)
{
	struct seed_failure *f = cx->f;
	int dup_fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return fail_at(f, rel, -errno, "cannot read directory");
	DIR *d = fdopendir(dup_fd);
	if (!d) {
		int r = -errno;
		close(dup_fd);
		return fail_at(f, rel, r, "cannot read directory");
	}
	int r = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno != 0)
				r = fail_at(f, rel, -errno, "cannot read directory");
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		_cleanup_free_ char *child = NULL;
		r = join_rel(&child, rel, de->d_name);
		if (r < 0)
			break;
		r = copy_entry(src, de->d_name, dst, de->d_name, child, cx);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

_noinline_ static int copy_symlink(int src_dir, const char *name, const struct stat *st,
				   int dst_dir, const char *dst_name, const char *rel,
				   struct seed_failure *f)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(src_dir, name, target, sizeof(target));
	if (n < 0)
		return fail_at(f, rel, -errno, "cannot read symlink");
	if ((size_t)n >= sizeof(target))
		return fail_at(f, rel, -ENAMETOOLONG, "symlink target too long");
	target[n] = '\0';
	if (symlinkat(target, dst_dir, dst_name) < 0)
		return fail_at(f, rel, -errno, "cannot create symlink");
	if (fchownat(dst_dir, dst_name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_at(f, rel, -errno, "cannot set owner of symlink");

	char sp[PATH_MAX], dp[PATH_MAX];
	if (snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", src_dir, name) >= (int)sizeof(sp) ||
	    snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", dst_dir, dst_name) >= (int)sizeof(dp))
		return fail_at(f, rel, -ENAMETOOLONG, "name too long");
	struct xattr_ref xs = { .fd = -1, .path = sp }, xd = { .fd = -1, .path = dp };
	int r = copy_xattrs(&xs, &xd, rel, f);
	if (r < 0)
		return r;

	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (utimensat(dst_dir, dst_name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_at(f, rel, -errno, "cannot set timestamps of symlink");
	return 0;
}

/* A copy of the inode ST made earlier in this seed (a hard link), or NULL. */
static const struct seen_link *link_find(const struct copy_ctx *cx, const struct stat *st)
{
	for (size_t i = 0; i < cx->n_links; i++)
		if (cx->links[i].dev == st->st_dev && cx->links[i].ino == st->st_ino)
			return &cx->links[i];
	return NULL;
}

static int link_remember(struct copy_ctx *cx, const struct stat *st, const char *rel)
{
	if (array_reserve(cx->links, &cx->cap_links, cx->n_links, 16) < 0)
		return -ENOMEM;
	struct seen_link *l = &cx->links[cx->n_links];
	if (asprintf(&l->path, "%s%s%s", cx->top_name, *rel ? "/" : "", rel) < 0)
		return -ENOMEM;
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	cx->n_links++;
	return 0;
}

/* Regular files (data) and FIFOs (no data): create, copy metadata, sync.
 * Inodes with several links become one inode with as many links in the
 * copy, as far as the links are inside the seeded tree. */
static int copy_file_or_fifo(int src_dir, const char *name, const struct stat *st, int dst_dir,
			     const char *dst_name, const char *rel, struct copy_ctx *cx)
{
	struct seed_failure *f = cx->f;
	bool fifo = S_ISFIFO(st->st_mode);
	int r;

	if (st->st_nlink > 1) {
		const struct seen_link *l = link_find(cx, st);
		if (l) {
			if (linkat(cx->top_dir, l->path, dst_dir, dst_name, 0) < 0)
				return fail_at(f, rel, -errno, "cannot create the hard link");
			return 0;
		}
	}

	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	_cleanup_close_ int in =
	    openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
	if (in < 0)
		return fail_at(f, rel, -errno, "cannot open");
	struct stat st2;
	if (fstat(in, &st2) < 0)
		return fail_at(f, rel, -errno, "cannot stat");
	if (st2.st_ino != st->st_ino || st2.st_dev != st->st_dev)
		return fail_at(f, rel, -EAGAIN, "changed while being copied");
	_cleanup_close_ int out = -1;
	if (fifo) {
		if (mkfifoat(dst_dir, dst_name, 0600) < 0)
			return fail_at(f, rel, -errno, "cannot create the copy");
		out = openat(dst_dir, dst_name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	} else
		out = openat(dst_dir, dst_name,
			     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return fail_at(f, rel, -errno, "cannot create the copy");
	if (!fifo) {
		r = copy_data(in, out);
		if (r < 0)
			return fail_at(f, rel, r, "cannot copy data");
	}
	r = copy_meta_fd(in, out, &st2, rel, f);
	if (r < 0)
		return r;
	if (!fifo && fsync(out) < 0)
		return fail_at(f, rel, -errno, "cannot sync the copy");
	if (st2.st_nlink > 1) {
		r = link_remember(cx, &st2, rel);
		if (r < 0)
			return fail_at(f, rel, r, "out of memory");
	}
	return 0;
}

static int copy_entry(int src_dir, const char *name, int dst_dir, const char *dst_name,
		      const char *rel, struct copy_ctx *cx)
{
	struct seed_failure *f = cx->f;
	struct stat st;
	int r;

	if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_at(f, rel, -errno, "cannot stat");

	if (S_ISLNK(st.st_mode))
		return copy_symlink(src_dir, name, &st, dst_dir, dst_name, rel, f);

	if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))
		return copy_file_or_fifo(src_dir, name, &st, dst_dir, dst_name, rel, cx);

	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int in =
		    openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return fail_at(f, rel, -errno, "cannot open directory");
		struct stat st2;
		if (fstat(in, &st2) < 0)
			return fail_at(f, rel, -errno, "cannot stat");
		if (mkdirat(dst_dir, dst_name, 0700) < 0)
			return fail_at(f, rel, -errno, "cannot create the copy");
		_cleanup_close_ int out =
		    openat(dst_dir, dst_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (out < 0)
			return fail_at(f, rel, -errno, "cannot open the copy");
		r = copy_dir_contents(in, out, rel, cx);
		if (r < 0)
			return r;
		/* After the children: adding them changed the mtime. */
		r = copy_meta_fd(in, out, &st2, rel, f);
		if (r < 0)
			return r;
		if (fsync(out) < 0)
			return fail_at(f, rel, -errno, "cannot sync the copy");
		return 0;
	}

	/* Device nodes and sockets inside a tree are left out (and reported);
	 * as the top of a seed they are refused. */
	if (*rel && cx->left_out) {
		cx->left_out(rel, type_name(st.st_mode), cx->userdata);
		return 0;
	}
	return fail_at(f, rel, -EMEDIUMTYPE,
		       "is %s; only regular files, directories, symlinks and FIFOs can be seeded "
		       "(remove it from the image or the layout)",
		       type_name(st.st_mode));
}

/* Open the directory NAME in DIR_FD that fstatat() described as *ST: not
 * through a symlink, not the root of another mount, and still the same. */
static int open_subdir(int dir_fd, const char *name, const struct stat *st)
{
	_cleanup_close_ int fd =
	    openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_INO, &sx) < 0)
		return -errno;
	if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return -EXDEV;
	if (makedev(sx.stx_dev_major, sx.stx_dev_minor) != st->st_dev || sx.stx_ino != st->st_ino)
		return -ESTALE;
	return TAKE_FD(fd);
}

/*
 * One pass over DIR_FD: unlink what is not a directory, rmdir empty
 * directories.  Returns 0 when DIR_FD is now empty, 1 with *RET_CHILD open on
 * the first non-empty subdirectory, or a negative errno.  Reads DIR_FD
 * through a duplicate, so the caller's fd keeps no state.
 */
static int rm_pass(int dir_fd, dev_t dev, int *ret_child)
{
	int dup_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;
	DIR *d = fdopendir(dup_fd);
	if (!d) {
		int r = -errno;
		close(dup_fd);
		return r;
	}
	rewinddir(d);
	int r = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			r = errno != 0 ? -errno : 0;
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			r = -errno;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(dir_fd, de->d_name, 0) < 0 && errno != ENOENT) {
				r = -errno;
				break;
			}
			continue;
		}
		if (st.st_dev != dev) {
			r = -EXDEV;
			break;
		}
		if (unlinkat(dir_fd, de->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			continue;
		if (errno != ENOTEMPTY && errno != EEXIST) {
			r = -errno;
			break;
		}
		r = open_subdir(dir_fd, de->d_name, &st);
		if (r >= 0) {
			*ret_child = r;
			r = 1;
		}
		break;
	}
	closedir(d);
	return r;
}

/* (*UP)[DEPTH] = INO, growing *UP (*N_ALLOC entries) as needed. */
static int push_ino(ino_t **up, size_t *n_alloc, size_t depth, ino_t ino)
{
	if (depth == *n_alloc) {
		size_t n = *n_alloc ? 2 * *n_alloc : 64;
		ino_t *p = reallocarray(*up, n, sizeof(**up));
		if (!p)
			return -ENOMEM;
		*up = p;
		*n_alloc = n;
	}
	(*up)[depth] = ino;
	return 0;
}

/*
 * Remove NAME in DIR_FD and everything below it, without recursion: at most
 * three fds are open at any depth (this directory, its listing, and the one
 * being entered or left), so no planted tree can exhaust file descriptors or
 * the stack.  Never follows symlinks, never enters another mount (another
 * device, or any mount root), never leaves the tree: a directory is entered
 * by name with O_NOFOLLOW and must be what fstatat() saw; it is left through
 * "..", which must be the directory it was entered from (inode numbers of
 * the path from NAME down, 8 bytes a level).  After a directory is left, its
 * parent is read again from the start and the now empty directory removed.
 * Deeper than SEED_CLEAN_MAX_DEPTH levels: -ELOOP, having removed what it
 * could reach.
 */
static int rm_rf_at(int dir_fd, const char *name, dev_t dev)
{
	size_t max_depth = SEED_CLEAN_MAX_DEPTH;
#ifdef SEALROOT_TEST_HOOKS
	const char *e = getenv("SEALROOT_TEST_SEED_CLEAN_MAX_DEPTH");
	if (e)
		max_depth = strtoul(e, NULL, 10);
#endif
	struct stat st;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (st.st_dev != dev)
		return -EXDEV;

	_cleanup_free_ ino_t *up = NULL; /* up[i]: inode of the directory at depth i */
	size_t depth = 0, n_alloc = 0;
	ino_t cur_ino = st.st_ino;
	int cur = open_subdir(dir_fd, name, &st);
	if (cur < 0)
		return cur;
	int r;
	for (;;) {
		int child = -1;
		r = rm_pass(cur, dev, &child);
		if (r < 0)
			break;
		if (r > 0) { /* a non-empty subdirectory: go down */
			if (depth >= max_depth) {
				close(child);
				r = -ELOOP;
				break;
			}
			struct stat cst;
			r = push_ino(&up, &n_alloc, depth, cur_ino);
			if (r >= 0 && fstat(child, &cst) < 0)
				r = -errno;
			if (r < 0) {
				close(child);
				break;
			}
			depth++;
			close(cur);
			cur = child;
			cur_ino = cst.st_ino;
			continue;
		}
		if (depth == 0)
			break; /* NAME itself is empty now */
		/* Empty: go back up, to exactly the directory we came from. */
		int parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (parent < 0) {
			r = -errno;
			break;
		}
		struct stat pst;
		r = fstat(parent, &pst) < 0 ? -errno : 0;
		if (r == 0 && (pst.st_dev != dev || pst.st_ino != up[depth - 1]))
			r = -ESTALE; /* moved meanwhile: do not follow it */
		if (r < 0) {
			close(parent);
			break;
		}
		close(cur);
		cur = parent;
		cur_ino = up[--depth];
	}
	close(cur);
	if (r < 0)
		return r;
	return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

static int temp_name(char *buf, size_t size, const char *name)
{
	static const char chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t rnd[6];
	char suffix[7];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	suffix[6] = '\0';
	int n = snprintf(buf, size, SEED_TEMP_PREFIX "%.*s.%s", SEED_TEMP_NAME_MAX, name, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Move TMP to NAME in DIR_FD without ever replacing NAME. */
static int rename_noreplace(int dir_fd, const char *tmp, const char *name)
{
	if (renameat2(dir_fd, tmp, dir_fd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* File systems without RENAME_NOREPLACE: check, then rename (the
	 * persistent tree is ours alone during boot). */
	struct stat st;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	return renameat(dir_fd, tmp, dir_fd, name) < 0 ? -errno : 0;
}

static int dir_dev(int dir_fd, dev_t *ret)
{
	struct stat st;
	if (fstat(dir_fd, &st) < 0)
		return -errno;
	*ret = st.st_dev;
	return 0;
}

/* Run MAKE (which creates TMP in DST_DIR), then rename it to DST_NAME; on
 * any failure remove TMP.  An existing DST_NAME gives -EEXIST, or with
 * REPLACE (not for directories) is replaced atomically. */
static int build_and_rename(int dst_dir, const char *dst_name, bool replace,
			    int (*make)(int dst_dir, const char *tmp, void *ud), void *ud)
{
	char tmp[NAME_MAX + 1];
	dev_t dev = 0;
	struct stat st;
	int r;

	r = dir_dev(dst_dir, &dev);
	if (r < 0)
		return r;
	if (!replace && fstatat(dst_dir, dst_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	if (!replace && errno != ENOENT)
		return -errno;
	r = temp_name(tmp, sizeof(tmp), dst_name);
	if (r < 0)
		return r;
	r = make(dst_dir, tmp, ud);
	if (r >= 0 && replace)
		r = renameat(dst_dir, tmp, dst_dir, dst_name) < 0 ? -errno : 0;
	else if (r >= 0)
		r = rename_noreplace(dst_dir, tmp, dst_name);
	if (r >= 0 && fsync(dst_dir) < 0)
		r = -errno;
	if (r < 0) {
		(void)rm_rf_at(dst_dir, tmp, dev);
		return r;
	}
	return 0;
}

struct copy_args {
	int src_dir;
	const char *src_name;
	struct copy_ctx cx;
};

static int make_copy(int dst_dir, const char *tmp, void *ud)
{
	struct copy_args *a = ud;
	a->cx.top_dir = dst_dir;
	a->cx.top_name = tmp;
	int r = copy_entry(a->src_dir, a->src_name, dst_dir, tmp, "", &a->cx);
	copy_ctx_done(&a->cx);
	return r;
}

int seed_copy(int src_dir_fd, const char *src_name, int dst_dir_fd, const char *dst_name,
	      seed_left_out_fn left_out, void *userdata, struct seed_failure *fail)
{
	struct copy_args a = {
		.src_dir = src_dir_fd,
		.src_name = src_name,
		.cx = { .f = fail, .left_out = left_out, .userdata = userdata },
	};
	int r = build_and_rename(dst_dir_fd, dst_name, false, make_copy, &a);
	if (r < 0 && fail && !fail->path)
		fail->path = strdup("");
	return r;
}

static int make_copy_of_node(int dst_dir, const char *tmp, void *ud)
{
	struct copy_args *a = ud;
	struct stat st;
	if (fstatat(a->src_dir, a->src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_at(a->cx.f, "", -errno, "cannot stat");
	if (S_ISDIR(st.st_mode))
		return fail_at(a->cx.f, "", -EISDIR, "is a directory");
	return make_copy(dst_dir, tmp, ud);
}

int seed_replace(int src_dir_fd, const char *src_name, int dst_dir_fd, const char *dst_name,
		 struct seed_failure *fail)
{
	struct copy_args a = {
		.src_dir = src_dir_fd,
		.src_name = src_name,
		.cx = { .f = fail },
	};
	int r = build_and_rename(dst_dir_fd, dst_name, true, make_copy_of_node, &a);
	if (r < 0 && fail && !fail->path)
		fail->path = strdup("");
	return r;
}

struct empty_args {
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static int make_empty(int dst_dir, const char *tmp, void *ud)
{
	struct empty_args *a = ud;
	if (mkdirat(dst_dir, tmp, 0700) < 0)
		return -errno;
	_cleanup_close_ int fd =
	    openat(dst_dir, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchown(fd, a->uid, a->gid) < 0 || fchmod(fd, a->mode & 07777) < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

int seed_empty_dir(int dst_dir_fd, const char *dst_name, mode_t mode, uid_t uid, gid_t gid)
{
	struct empty_args a = { .mode = mode, .uid = uid, .gid = gid };
	return build_and_rename(dst_dir_fd, dst_name, false, make_empty, &a);
}

static int make_empty_file(int dst_dir, const char *tmp, void *ud)
{
	struct empty_args *a = ud;
	_cleanup_close_ int fd =
	    openat(dst_dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fchown(fd, a->uid, a->gid) < 0 || fchmod(fd, a->mode & 07777) < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

int seed_empty_file(int dst_dir_fd, const char *dst_name, mode_t mode, uid_t uid, gid_t gid)
{
	struct empty_args a = { .mode = mode, .uid = uid, .gid = gid };
	return build_and_rename(dst_dir_fd, dst_name, false, make_empty_file, &a);
}

int seed_carry_xattrs(int src_fd, int dst_fd)
{
	struct xattr_ref xs = { .fd = src_fd, .to_upper = true }, xd = { .fd = dst_fd };
	struct seed_failure f = {};
	int r = copy_xattrs(&xs, &xd, "", &f);
	seed_failure_done(&f);
	return r;
}

int seed_clean_temps(int dir_fd, const char *name)
{
	char prefix[NAME_MAX + 1];
	dev_t dev = 0;
	int r, removed = 0;

	int n =
	    snprintf(prefix, sizeof(prefix), SEED_TEMP_PREFIX "%.*s.", SEED_TEMP_NAME_MAX, name);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -ENAMETOOLONG;
	r = dir_dev(dir_fd, &dev);
	if (r < 0)
		return r;

	int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	rewinddir(d);
	r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!startswith(de->d_name, prefix))
			continue;
		/* exactly six suffix characters: do not touch other names */
		if (strlen(de->d_name) != (size_t)n + 6)
			continue;
		r = rm_rf_at(dir_fd, de->d_name, dev);
		if (r < 0)
			break;
		removed++;
	}
	closedir(d);
	return r < 0 ? r : removed;
}
