// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * layout_apply.c — perform a layout plan beneath a root, see layout_apply.h.
 *
 * Choices made here:
 *  - Every path is opened with safe_path.h beneath its root: image paths
 *    beneath ROOT, persistent copies beneath ROOT/PERSISTENT_BIND_TARGET.
 *    Mounts go onto those fds; nothing is looked up again by name in between.
 *  - The persistent tree (ROOT/PERSISTENT_BIND_TARGET) must exist: it is
 *    where the persistent partition is mounted, so it is never created here.
 *  - A missing persistent copy is seeded once from the image (seed.h).  When
 *    the image has no such path either, an empty directory (root:root 0755)
 *    is created.  Missing parents of the copy get the owner and mode of the
 *    image's directory at the same place (root:root 0755 where the image has
 *    none), so the persistent tree mirrors the image.
 *  - A bind target missing from the image is created (a directory, or an
 *    empty file for a file bind) only when its parent is on an overlayfs,
 *    i.e. writable by a tmpfs overlay of this layout; otherwise the entry fails.
 *  - A failed entry is logged once ("layout: PATH: reason"), recorded in the
 *    report, and skipped; the entries below it are still attempted (each one
 *    is checked on its own, and a child bind of a failed parent still gives
 *    the user their persistent data at that path).
 *  - Applying twice does not stack: a target that already is the root of the
 *    mount this entry would make (a tmpfs, an overlayfs, or the persistent
 *    copy itself) is skipped as "already applied".
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "layout_apply.h"
#include "log.h"
#include "mount_api.h"
#include "safe_path.h"
#include "seed.h"

struct apply_ctx {
	int root_fd;
	const struct layout *layout;
	struct report_stage *stage;
	int first_error;
	unsigned n_ok, n_already, n_failed;
	int persist_fd; /* ROOT/PERSISTENT_BIND_TARGET, opened on first use */
	int persist_error;
};

/* Log "layout: PATH: REASON: ERRNO" once, record it, remember the first error. */
_printf_(4, 5) static int op_fail(struct apply_ctx *c, const struct layout_op *op, int r,
				  const char *fmt, ...)
{
	char reason[1024], message[1280];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	(void)snprintf(message, sizeof(message), "%s: %s", reason, strerror(-r));

	log_error("layout: %s: %s", op->target, message);
	report_stage_add_entry(c->stage, op->target, layout_op_kind_to_string(op->kind), "failed",
			       message);
	c->n_failed++;
	if (c->first_error == 0)
		c->first_error = r;
	return r;
}

static void op_ok(struct apply_ctx *c, const struct layout_op *op, bool already)
{
	if (already) {
		log_info("layout: %s: already applied, %s mount left as it is", op->target,
			 layout_op_kind_to_string(op->kind));
		c->n_already++;
	} else {
		log_debug("layout: %s: %s mounted", op->target, layout_op_kind_to_string(op->kind));
		c->n_ok++;
	}
	report_stage_add_entry(c->stage, op->target, layout_op_kind_to_string(op->kind), "ok",
			       already ? "already applied" : NULL);
}

static int fs_type(int fd, long *ret)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	*ret = (long)sfs.f_type;
	return 0;
}

/* 1 when FD is the root of a mount of file system type MAGIC. */
static int is_mount_of_type(int fd, long magic)
{
	long t = 0;
	int r = mount_is_root(fd);
	if (r <= 0)
		return r;
	r = fs_type(fd, &t);
	if (r < 0)
		return r;
	return t == magic;
}

/* Message text for a failed safe_open of an image path. */
static int fail_resolve(struct apply_ctx *c, const struct layout_op *op, int r, const char *what,
			const char *prefix, const char *symlink)
{
	if (r == -ELOOP)
		return op_fail(
		    c, op, r,
		    "%s: %s%s is a symlink; refusing to follow it or mount on or from it "
		    "(replace it with a real directory or file)",
		    what, prefix, symlink ? symlink : "(a component)");
	return op_fail(c, op, r, "cannot open %s", what);
}

static int apply_tmpfs(struct apply_ctx *c, const struct layout_op *op)
{
	_cleanup_free_ char *sym = NULL;
	_cleanup_close_ int fd =
	    safe_mkdir_p(c->root_fd, op->target, 0755, O_PATH, NULL, NULL, &sym);
	if (fd < 0) {
		if (fd == -EROFS || fd == -ENOENT)
			return op_fail(c, op, fd,
				       "mount point %s is missing and cannot be created in the "
				       "image; add the directory to the image",
				       op->target);
		return fail_resolve(c, op, fd, "tmpfs mount point", "", sym);
	}
	int r = is_mount_of_type(fd, TMPFS_MAGIC);
	if (r < 0)
		return op_fail(c, op, r, "cannot inspect mount point");
	if (r > 0) {
		op_ok(c, op, true);
		return 0;
	}
	const char *size = c->layout ? c->layout->overlay_size : NULL;
	r = mount_tmpfs_fd(fd, size, 0755);
	if (r < 0)
		return op_fail(c, op, r, "cannot mount tmpfs (size=%s)", size ? size : "default");
	op_ok(c, op, false);
	return 0;
}

/* The tmpfs holding upper and work dirs must really be a tmpfs: otherwise
 * (its mount failed) the overlay would write into the image. */
static int check_tmpfs_root(struct apply_ctx *c, const struct layout_op *op)
{
	const char *t = c->layout ? c->layout->tmpfs_overlay_target : NULL;
	if (!t)
		return 0; /* hand-made plan without a layout: trust it */
	_cleanup_close_ int fd = safe_open(c->root_fd, t, O_PATH | O_DIRECTORY, NULL);
	if (fd < 0)
		return op_fail(c, op, fd, "cannot open the tmpfs overlay target %s", t);
	int r = is_mount_of_type(fd, TMPFS_MAGIC);
	if (r < 0)
		return op_fail(c, op, r, "cannot inspect %s", t);
	if (r == 0)
		return op_fail(c, op, -EMEDIUMTYPE,
			       "%s is not a mounted tmpfs (did its mount fail?); refusing to put "
			       "upper directories there",
			       t);
	return 0;
}

static int apply_overlay(struct apply_ctx *c, const struct layout_op *op)
{
	_cleanup_free_ char *sym = NULL;
	_cleanup_close_ int tfd = safe_open(c->root_fd, op->target, O_PATH | O_DIRECTORY, &sym);
	if (tfd == -ENOENT)
		return op_fail(c, op, tfd,
			       "does not exist in the image; a tmpfs overlay needs a directory "
			       "there (add it to the image or drop it from TMPFS_OVERLAYS)");
	if (tfd == -ENOTDIR)
		return op_fail(c, op, tfd,
			       "is not a directory in the image; only directories can get a "
			       "tmpfs overlay");
	if (tfd < 0)
		return fail_resolve(c, op, tfd, "overlay target", "", sym);

	int r = is_mount_of_type(tfd, OVERLAYFS_SUPER_MAGIC);
	if (r < 0)
		return op_fail(c, op, r, "cannot inspect mount point");
	if (r > 0) {
		op_ok(c, op, true);
		return 0;
	}
	if (!op->upper || !op->work)
		return op_fail(c, op, -EINVAL, "plan has no upper or work directory");
	r = check_tmpfs_root(c, op);
	if (r < 0)
		return r;

	struct stat lower;
	if (fstat(tfd, &lower) < 0)
		return op_fail(c, op, -errno, "cannot stat the image directory");

	_cleanup_close_ int ufd =
	    safe_mkdir_p(c->root_fd, op->upper, 0755, O_RDONLY, NULL, NULL, &sym);
	if (ufd < 0)
		return fail_resolve(c, op, ufd, "upper directory", "", sym);
	/* The upper root shows through: give it the image directory's owner and mode. */
	if (fchown(ufd, lower.st_uid, lower.st_gid) < 0 || fchmod(ufd, lower.st_mode & 07777) < 0)
		return op_fail(c, op, -errno, "cannot set owner and mode of %s", op->upper);
	_cleanup_close_ int wfd =
	    safe_mkdir_p(c->root_fd, op->work, 0700, O_PATH, NULL, NULL, &sym);
	if (wfd < 0)
		return fail_resolve(c, op, wfd, "work directory", "", sym);

	r = mount_overlay_fd(tfd, tfd, ufd, wfd);
	if (r < 0)
		return op_fail(c, op, r,
			       "cannot mount overlayfs (upper %s, work %s; run with -v "
			       "for the kernel's reason)",
			       op->upper, op->work);
	op_ok(c, op, false);
	return 0;
}

/* safe_mkdir_p callback: a new directory of the persistent tree mirrors the
 * image directory at the same place. */
static int mirror_image_dir(int dir_fd, const char *relpath, void *userdata)
{
	struct apply_ctx *c = userdata;
	uid_t uid = 0;
	gid_t gid = 0;
	mode_t mode = 0755;

	_cleanup_close_ int img = safe_open(c->root_fd, relpath, O_PATH | O_DIRECTORY, NULL);
	struct stat st;
	if (img >= 0 && fstat(img, &st) == 0) {
		uid = st.st_uid;
		gid = st.st_gid;
		mode = st.st_mode & 07777;
	}
	if (fchown(dir_fd, uid, gid) < 0 || fchmod(dir_fd, mode) < 0)
		return -errno;
	return 0;
}

static int persist_root(struct apply_ctx *c)
{
	if (c->persist_fd >= 0 || c->persist_error < 0)
		return c->persist_fd >= 0 ? c->persist_fd : c->persist_error;
	const char *p = c->layout ? c->layout->persistent_bind_target : NULL;
	if (!p)
		return c->persist_error = -EINVAL;
	/* On first boot the persistent partition is empty: create the mirror
	 * tree's root there (never in the image, which is read-only). */
	int fd = safe_mkdir_p(c->root_fd, p, 0755, O_PATH, NULL, NULL, NULL);
	if (fd < 0)
		return c->persist_error = fd;
	return c->persist_fd = fd;
}

/* Seed the missing persistent copy of OP->target; TARGET_EXISTS says whether
 * the image has it. */
static int seed_missing(struct apply_ctx *c, const struct layout_op *op, int pfd,
			bool target_exists)
{
	_cleanup_free_ char *parent = NULL, *name = NULL, *sym = NULL;
	const char *pbt = c->layout->persistent_bind_target;
	int r;

	r = path_split(op->target, &parent, &name);
	if (r < 0)
		return op_fail(c, op, r, "invalid path");

	_cleanup_close_ int dst =
	    safe_mkdir_p(pfd, parent, 0755, O_RDONLY, mirror_image_dir, c, &sym);
	if (dst < 0)
		return fail_resolve(c, op, dst, "parent of the persistent copy", pbt, sym);

	r = seed_clean_temps(dst, name);
	if (r < 0)
		return op_fail(c, op, r, "cannot remove a leftover partial copy in %s%s", pbt,
			       parent);
	if (r > 0)
		log_notice("layout: %s: removed %d partial copy left by an interrupted boot; "
			   "seeding again",
			   op->target, r);

	if (!target_exists) {
		r = seed_empty_dir(dst, name, 0755, 0, 0);
		if (r < 0 && r != -EEXIST)
			return op_fail(c, op, r,
				       "cannot create the empty persistent directory %s%s", pbt,
				       op->target);
		log_info("layout: %s: not in the image; created an empty persistent directory",
			 op->target);
		return 0;
	}

	_cleanup_close_ int src = safe_open(c->root_fd, parent, O_RDONLY | O_DIRECTORY, &sym);
	if (src < 0)
		return fail_resolve(c, op, src, "image parent directory", "", sym);
	struct seed_failure f = {};
	r = seed_copy(src, name, dst, name, NULL, NULL, &f);
	if (r < 0 && r != -EEXIST) {
		r = op_fail(c, op, r,
			    "cannot seed the persistent copy %s%s from the image: %s%s%s %s", pbt,
			    op->target, op->target, f.path && *f.path ? "/" : "",
			    f.path ? f.path : "", f.reason ? f.reason : "failed");
		seed_failure_done(&f);
		return r;
	}
	seed_failure_done(&f);
	log_info("layout: %s: seeded the persistent copy from the image", op->target);
	return 0;
}

/* A missing bind target may be created only on a writable overlay: open its
 * parent (O_RDONLY) and check that, before anything is seeded. */
static int open_target_parent(struct apply_ctx *c, const struct layout_op *op, char **ret_name)
{
	_cleanup_free_ char *parent = NULL, *name = NULL, *sym = NULL;
	int r = path_split(op->target, &parent, &name);
	if (r < 0)
		return op_fail(c, op, r, "invalid path");
	_cleanup_close_ int pfd = safe_open(c->root_fd, parent, O_RDONLY | O_DIRECTORY, &sym);
	if (pfd < 0)
		return fail_resolve(c, op, pfd, "parent of the mount point", "", sym);
	long t = 0;
	r = fs_type(pfd, &t);
	if (r < 0)
		return op_fail(c, op, r, "cannot inspect %s", parent);
	if (t != OVERLAYFS_SUPER_MAGIC)
		return op_fail(c, op, -ENOENT,
			       "mount point does not exist in the image and %s is not on a tmpfs "
			       "overlay; add it to the image or list %s in TMPFS_OVERLAYS",
			       parent, parent);
	*ret_name = TAKE_PTR(name);
	return TAKE_FD(pfd);
}

static int create_target(struct apply_ctx *c, const struct layout_op *op, int pfd, const char *name,
			 bool dir)
{
	if (dir) {
		if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST)
			return op_fail(c, op, -errno, "cannot create the mount point");
		return 0;
	}
	int fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		return op_fail(c, op, -errno, "cannot create the mount point");
	if (fd >= 0)
		close(fd);
	return 0;
}

static int apply_bind(struct apply_ctx *c, const struct layout_op *op)
{
	_cleanup_free_ char *sym = NULL;
	int r;

	if (!c->layout || !c->layout->persistent_bind_target)
		return op_fail(c, op, -EINVAL, "plan has no PERSISTENT_BIND_TARGET");
	const char *pbt = c->layout->persistent_bind_target;
	int pfd = persist_root(c);
	if (pfd < 0)
		return op_fail(c, op, pfd,
			       "persistent tree %s is not usable (is the persistent partition "
			       "mounted there? a symlink there is refused)",
			       pbt);

	_cleanup_close_ int tfd = safe_open(c->root_fd, op->target, O_PATH, &sym);
	if (tfd < 0 && tfd != -ENOENT)
		return fail_resolve(c, op, tfd, "mount point in the image", "", sym);
	free(sym);
	sym = NULL;
	_cleanup_close_ int tparent = -1;
	_cleanup_free_ char *tname = NULL;
	if (tfd == -ENOENT) {
		tparent = open_target_parent(c, op, &tname);
		if (tparent < 0)
			return tparent;
	}

	_cleanup_close_ int sfd = safe_open(pfd, op->target, O_PATH, &sym);
	if (sfd >= 0 && tfd >= 0 && mount_is_root(tfd) == 1) {
		struct stat a, b;
		if (fstat(sfd, &a) == 0 && fstat(tfd, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			op_ok(c, op, true);
			return 0;
		}
	}
	if (sfd == -ENOENT) {
		r = seed_missing(c, op, pfd, tfd >= 0);
		if (r < 0)
			return r;
		sfd = safe_open(pfd, op->target, O_PATH, &sym);
	}
	if (sfd < 0)
		return fail_resolve(c, op, sfd, "persistent copy", pbt, sym);

	struct stat sst;
	if (fstat(sfd, &sst) < 0)
		return op_fail(c, op, -errno, "cannot stat the persistent copy");
	if (!S_ISDIR(sst.st_mode) && !S_ISREG(sst.st_mode))
		return op_fail(c, op, -EMEDIUMTYPE,
			       "persistent copy %s%s is neither a directory nor a regular file",
			       pbt, op->target);

	if (tfd == -ENOENT) {
		r = create_target(c, op, tparent, tname, S_ISDIR(sst.st_mode));
		if (r < 0)
			return r;
		tfd = safe_open(c->root_fd, op->target, O_PATH, &sym);
		if (tfd < 0)
			return fail_resolve(c, op, tfd, "mount point in the image", "", sym);
	}
	struct stat tst;
	if (fstat(tfd, &tst) < 0)
		return op_fail(c, op, -errno, "cannot stat the mount point");
	if (S_ISDIR(tst.st_mode) != S_ISDIR(sst.st_mode))
		return op_fail(c, op, S_ISDIR(tst.st_mode) ? -EISDIR : -ENOTDIR,
			       "the image has a %s but the persistent copy %s%s is a %s; fix one "
			       "of them",
			       S_ISDIR(tst.st_mode) ? "directory" : "file", pbt, op->target,
			       S_ISDIR(sst.st_mode) ? "directory" : "file");

	r = mount_bind_fd(sfd, tfd);
	if (r < 0)
		return op_fail(c, op, r, "cannot bind %s%s", pbt, op->target);
	op_ok(c, op, false);
	return 0;
}

int layout_apply(const struct layout_plan *plan, const char *root, struct report_stage *stage)
{
	struct apply_ctx c = {
		.layout = plan->layout,
		.stage = stage,
		.persist_fd = -1,
	};

	c.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.root_fd < 0) {
		int r = -errno;
		log_error_errno(r, "layout: cannot open root directory %s: %m", root);
		report_stage_set(stage, "error", "cannot open root directory");
		return r;
	}

	for (size_t i = 0; i < plan->n_ops; i++) {
		const struct layout_op *op = &plan->ops[i];
		switch (op->kind) {
		case LAYOUT_OP_TMPFS:
			(void)apply_tmpfs(&c, op);
			break;
		case LAYOUT_OP_OVERLAY:
			(void)apply_overlay(&c, op);
			break;
		case LAYOUT_OP_BIND:
			(void)apply_bind(&c, op);
			break;
		default:
			(void)op_fail(&c, op, -EINVAL, "unknown operation %d", (int)op->kind);
		}
	}

	report_stage_set_u64(stage, "mounted", c.n_ok);
	report_stage_set_u64(stage, "already_applied", c.n_already);
	report_stage_set_u64(stage, "failed", c.n_failed);
	closep(&c.persist_fd);
	closep(&c.root_fd);
	return c.first_error;
}
