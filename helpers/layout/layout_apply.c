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
 *  - What to do with an entry is decided by layout_decide() (layout_decide.h)
 *    from facts looked up here: the mount point, its parent when it is
 *    missing, and for binds the persistent copy.  `layout check --root`
 *    calls the same function, so both agree.
 *  - A missing persistent copy is seeded once from the image (seed.h).  When
 *    the image has no such path either, an empty directory (root:root 0755),
 *    or an empty file (root:root 0644) for an entry in PERSISTENT_BIND_FILES,
 *    is created.  Missing parents of the copy get the owner and mode of the
 *    image's directory at the same place (root:root 0755 where the image has
 *    none), so the persistent tree mirrors the image.
 *  - A bind target missing from the image is created (a directory, or an
 *    empty file for a file bind) only when its parent is on an overlayfs,
 *    i.e. writable by a tmpfs overlay of this layout.
 *  - A skipped entry or a conflict is logged as a warning and recorded in the
 *    report ("skipped", "conflict"); it does not fail the step unless the
 *    entry is in REQUIRED_PATHS.  A failed entry is logged once ("layout:
 *    PATH: reason"), recorded, and the step fails; the entries below it are
 *    still attempted (each one is checked on its own, and a child bind of a
 *    failed parent still gives the user their persistent data at that path).
 *  - An overlay's upper directory gets the image directory's owner, mode,
 *    ACLs and extended attributes: overlayfs shows the upper root's for the
 *    merged directory, so without them the overlay root would lose its ACL.
 *  - An existing persistent copy is never overwritten with anything but the
 *    image's own version of a file the user did not change: right before
 *    it is bound, the image update is merged into it (layout_merge.h), and
 *    a freshly seeded copy gets its base recorded for the next update.
 *  - Before anything is seeded, the persistent copies of an EMT-era store
 *    are moved to their sealroot places (layout_migrate.h); a refused or
 *    failed migration counts as this run's first error.
 *  - An overlay's upper and work directories live in the tmpfs mounted at
 *    TMPFS_OVERLAY_TARGET.  Before anything is created there, that target
 *    must be the root of a tmpfs mount (if the tmpfs failed, on a writable
 *    root they would land in the root itself and survive the boot), and the
 *    upper and work directories must then be on that very tmpfs.
 *  - Every mount is nosuid,nodev (mount_api.h).
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
#include "layout_decide.h"
#include "layout_merge.h"
#include "layout_migrate.h"
#include "log.h"
#include "mount_api.h"
#include "safe_path.h"
#include "seed.h"

struct apply_ctx {
	int root_fd;
	const struct layout *layout;
	struct report_stage *stage;
	int first_error;
	unsigned n_ok, n_already, n_failed, n_skipped, n_conflicts;
	int persist_fd; /* ROOT/PERSISTENT_BIND_TARGET, opened on first use */
	int persist_error;
	const struct layout_plan *plan;
	/* Per op: 0 not mounted; else 1 + how many overlays the file system it
	 * mounted stacks (1 for a bind, 2 for an overlay on the image …). */
	unsigned char *mounted;
	const char *image_id;	    /* for the image-update merge; NULL: tree digests */
	struct layout_merge *merge; /* started on the first bind */
	int merge_pfd;		    /* ROOT/PERSISTENT_BIND_TARGET for the merge */
	bool merge_tried;
};

/* How many overlays the file system holding OP's mount point stacks: that
 * of the innermost mounted op above it (0 for the image, a bind). */
static unsigned lower_depth(const struct apply_ctx *c, const struct layout_op *op)
{
	size_t i = (size_t)(op - c->plan->ops), best = 0, len = strlen(op->target);
	unsigned depth = 0;
	for (size_t j = 0; j < i; j++) {
		const char *t = c->plan->ops[j].target;
		size_t n = strlen(t);
		if (c->mounted[j] && c->plan->ops[j].entry && n < len && n > best &&
		    strncmp(op->target, t, n) == 0 && op->target[n] == '/') {
			best = n;
			depth = c->mounted[j] - 1u;
		}
	}
	return depth;
}

static void set_mounted(struct apply_ctx *c, const struct layout_op *op, unsigned depth)
{
	c->mounted[op - c->plan->ops] = (unsigned char)(depth + 1);
}

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

/* A SKIP or CONFLICT that does not fail the step: warn and record it. */
static void op_skip(struct apply_ctx *c, const struct layout_op *op,
		    const struct layout_decision *d)
{
	const char *what = layout_action_to_string(d->action);
	const char *why = layout_why_to_string(d->why);

	log_warning("layout: %s: %s %s: %s", op->target, layout_op_kind_to_string(op->kind), what,
		    why);
	report_stage_add_entry(c->stage, op->target, layout_op_kind_to_string(op->kind), what, why);
	if (d->action == LAYOUT_CONFLICT)
		c->n_conflicts++;
	else
		c->n_skipped++;
}

/* Classify the result of a safe_open() (an fd or a negative errno); *ST
 * receives the fstat() of a valid fd. */
static enum layout_node node_of(int fd, struct stat *st)
{
	*st = (struct stat){};
	int r = fd >= 0 && fstat(fd, st) < 0 ? -errno : 0;
	return layout_node_from(fd, r, st->st_mode);
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

/* FAIL, SKIP or CONFLICT from layout_decide(): log and record it.  Returns 0
 * unless the step fails. */
static int op_not_applied(struct apply_ctx *c, const struct layout_op *op,
			  const struct layout_decision *d, int err, const char *sym,
			  const char *sym_prefix)
{
	const char *why = layout_why_to_string(d->why);

	if (d->action != LAYOUT_FAIL) {
		op_skip(c, op, d);
		return 0;
	}
	if (d->by_required)
		return op_fail(c, op, d->error, "in REQUIRED_PATHS but cannot be applied: %s", why);
	if (d->why == LAYOUT_WHY_TARGET_SYMLINK)
		return fail_resolve(c, op, -ELOOP, "mount point in the image", "", sym);
	if (d->why == LAYOUT_WHY_COPY_SYMLINK)
		return fail_resolve(c, op, -ELOOP, "persistent copy", sym_prefix, sym);
	return op_fail(c, op, err < 0 ? err : d->error, "%s", why);
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
 * (its mount failed) the overlay would write into the image.  *RET_DEV: its
 * device (0 for a hand-made plan without a layout). */
static int check_tmpfs_root(struct apply_ctx *c, const struct layout_op *op, dev_t *ret_dev)
{
	const char *t = c->layout ? c->layout->tmpfs_overlay_target : NULL;
	*ret_dev = 0;
	if (!t)
		return 0; /* hand-made plan without a layout: the directories are checked */
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
	struct stat st;
	if (fstat(fd, &st) < 0)
		return op_fail(c, op, -errno, "cannot stat %s", t);
	*ret_dev = st.st_dev;
	return 0;
}

/* Upper and work directories must be on that tmpfs (any tmpfs for a
 * hand-made plan): changes land in RAM, never in the root. */
static int check_on_tmpfs(struct apply_ctx *c, const struct layout_op *op, int fd, const char *path,
			  dev_t tmpfs_dev)
{
	struct stat st;
	long t = 0;
	int r = fs_type(fd, &t);
	if (r < 0)
		return op_fail(c, op, r, "cannot inspect %s", path);
	if (fstat(fd, &st) < 0)
		return op_fail(c, op, -errno, "cannot stat %s", path);
	if (t != TMPFS_MAGIC || (tmpfs_dev != 0 && st.st_dev != tmpfs_dev))
		return op_fail(c, op, -EMEDIUMTYPE,
			       "%s is not in the overlay tmpfs; refusing an overlay whose changes "
			       "would outlive the boot",
			       path);
	return 0;
}

static int apply_overlay(struct apply_ctx *c, const struct layout_op *op)
{
	_cleanup_free_ char *sym = NULL;
	struct stat lower;
	/* Opened for reading (its xattrs are copied below); only when it is
	 * not a directory is it looked up again, to say what it is. */
	_cleanup_close_ int tfd = safe_open(c->root_fd, op->target, O_RDONLY | O_DIRECTORY, &sym);
	enum layout_node target;
	if (tfd == -ENOTDIR) {
		/* A file, FIFO… at the mount point, or a parent that is not a directory. */
		_cleanup_close_ int pfd = safe_open(c->root_fd, op->target, O_PATH, NULL);
		target = node_of(pfd, &lower);
	} else
		target = node_of(tfd, &lower);
	struct layout_facts f = {
		.kind = LAYOUT_TMPFS_OVERLAY,
		.required = op->entry && op->entry->required,
		.target = target,
		.parent = LAYOUT_PARENT_READONLY, /* not looked at for overlays */
		.copy = LAYOUT_NODE_MISSING,
		.lower_depth = lower_depth(c, op),
	};
	struct layout_decision d;
	layout_decide(&f, &d);
	if (d.action != LAYOUT_APPLY)
		return op_not_applied(c, op, &d, tfd, sym, "");

	int r = is_mount_of_type(tfd, OVERLAYFS_SUPER_MAGIC);
	if (r < 0)
		return op_fail(c, op, r, "cannot inspect mount point");
	if (r > 0) {
		set_mounted(c, op, f.lower_depth + 1);
		op_ok(c, op, true);
		return 0;
	}
	if (!op->upper || !op->work)
		return op_fail(c, op, -EINVAL, "plan has no upper or work directory");
	dev_t tmpfs_dev = 0;
	r = check_tmpfs_root(c, op, &tmpfs_dev);
	if (r < 0)
		return r;

	_cleanup_close_ int ufd =
	    safe_mkdir_p(c->root_fd, op->upper, 0755, O_RDONLY, NULL, NULL, &sym);
	if (ufd < 0)
		return fail_resolve(c, op, ufd, "upper directory", "", sym);
	/* The upper root shows through: give it the image directory's owner,
	 * mode, ACLs and other extended attributes. */
	if (fchown(ufd, lower.st_uid, lower.st_gid) < 0 || fchmod(ufd, lower.st_mode & 07777) < 0)
		return op_fail(c, op, -errno, "cannot set owner and mode of %s", op->upper);
	r = seed_carry_xattrs(tfd, ufd);
	if (r < 0)
		return op_fail(c, op, r, "cannot copy the ACLs and extended attributes to %s",
			       op->upper);
	_cleanup_close_ int wfd =
	    safe_mkdir_p(c->root_fd, op->work, 0700, O_PATH, NULL, NULL, &sym);
	if (wfd < 0)
		return fail_resolve(c, op, wfd, "work directory", "", sym);
	r = check_on_tmpfs(c, op, ufd, op->upper, tmpfs_dev);
	if (r >= 0)
		r = check_on_tmpfs(c, op, wfd, op->work, tmpfs_dev);
	if (r < 0)
		return r;

	r = mount_overlay_fd(tfd, tfd, ufd, wfd);
	if (r < 0)
		return op_fail(c, op, r,
			       "cannot mount overlayfs (upper %s, work %s; run with -v "
			       "for the kernel's reason)",
			       op->upper, op->work);
	set_mounted(c, op, f.lower_depth + 1);
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

/* The image-update merge (layout_merge.h), started on first use; NULL when
 * the persistent tree cannot be opened (the binds report that). */
static struct layout_merge *merge_of(struct apply_ctx *c)
{
	if (c->merge_tried)
		return c->merge;
	c->merge_tried = true;
	const char *pbt = c->layout ? c->layout->persistent_bind_target : NULL;
	if (!pbt)
		return NULL;
	c->merge_pfd = safe_open(c->root_fd, pbt, O_RDONLY | O_DIRECTORY, NULL);
	if (c->merge_pfd < 0)
		return NULL;
	if (layout_merge_begin(c->root_fd, c->merge_pfd, pbt, c->image_id, c->plan, c->stage,
			       &c->merge) < 0) {
		log_error("layout: out of memory; image updates are not merged this boot");
		c->merge = NULL;
	}
	return c->merge;
}

/* Log what seeding left out (seed.h) and count it in the report. */
static void seed_left_out(const char *rel, const char *what, void *userdata)
{
	const struct layout_op *op = userdata;
	log_warning("layout: %s: %s%s%s is %s; not copied to the persistent partition (device "
		    "nodes and sockets never are)",
		    op->target, op->target, *rel ? "/" : "", rel, what);
}

/* Create the missing persistent copy of OP->target as D says: seeded from
 * the image, or an empty file or directory. */
static int seed_missing(struct apply_ctx *c, const struct layout_op *op, int pfd,
			const struct layout_decision *d)
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
	if (r == -ELOOP)
		return op_fail(c, op, r,
			       "a leftover partial copy %s%s%s.sealroot-seed.%s.* is more than %u "
			       "directories deep; not removing it (remove it from the persistent "
			       "partition by hand)",
			       pbt, parent, streq(parent, "/") ? "" : "/", name,
			       SEED_CLEAN_MAX_DEPTH);
	if (r < 0)
		return op_fail(c, op, r, "cannot remove a leftover partial copy in %s%s", pbt,
			       parent);
	if (r > 0)
		log_notice("layout: %s: removed %d partial copy left by an interrupted boot; "
			   "seeding again",
			   op->target, r);

	if (d->create_copy) {
		r = d->as_file ? seed_empty_file(dst, name, 0644, 0, 0)
			       : seed_empty_dir(dst, name, 0755, 0, 0);
		if (r < 0 && r != -EEXIST)
			return op_fail(c, op, r, "cannot create the empty persistent %s %s%s",
				       d->as_file ? "file" : "directory", pbt, op->target);
		log_info("layout: %s: not in the image; created an empty persistent %s", op->target,
			 d->as_file ? "file" : "directory");
		return 0;
	}

	_cleanup_close_ int src = safe_open(c->root_fd, parent, O_RDONLY | O_DIRECTORY, &sym);
	if (src < 0)
		return fail_resolve(c, op, src, "image parent directory", "", sym);
	struct seed_failure f = {};
	r = seed_copy(src, name, dst, name, seed_left_out, (void *)op, &f);
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

/* PATH equals PREFIX or is below it. */
static bool path_within(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The parent of a missing mount point: WRITABLE when it is on an overlayfs
 * (a tmpfs overlay of this layout), where the mount point can be created;
 * then *RET_FD is an O_RDONLY fd of it and *RET_NAME the last component.
 * PERSISTENT when it is the persistent partition itself, mounted on /opt
 * (same file system as the persistent tree PFD). */
static enum layout_parent target_parent(struct apply_ctx *c, const struct layout_op *op,
					int pfd_persist, int *ret_fd, char **ret_name)
{
	_cleanup_free_ char *parent = NULL, *name = NULL;
	if (path_split(op->target, &parent, &name) < 0)
		return LAYOUT_PARENT_ERROR;
	_cleanup_close_ int pfd = safe_open(c->root_fd, parent, O_RDONLY | O_DIRECTORY, NULL);
	if (pfd == -ENOENT)
		return LAYOUT_PARENT_MISSING;
	long t = 0;
	if (pfd < 0 || fs_type(pfd, &t) < 0)
		return LAYOUT_PARENT_ERROR;
	if (t != OVERLAYFS_SUPER_MAGIC) {
		struct stat a, b;
		if (path_within(parent, LAYOUT_PERSISTENT_MOUNT) && fstat(pfd, &a) == 0 &&
		    fstat(pfd_persist, &b) == 0 && a.st_dev == b.st_dev)
			return LAYOUT_PARENT_PERSISTENT;
		return LAYOUT_PARENT_READONLY;
	}
	*ret_name = TAKE_PTR(name);
	*ret_fd = TAKE_FD(pfd);
	return LAYOUT_PARENT_WRITABLE;
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
	_cleanup_free_ char *tsym = NULL, *ssym = NULL;
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

	_cleanup_close_ int tfd = safe_open(c->root_fd, op->target, O_PATH, &tsym);
	_cleanup_close_ int tparent = -1;
	_cleanup_free_ char *tname = NULL;
	_cleanup_close_ int sfd = safe_open(pfd, op->target, O_PATH, &ssym);
	struct stat tst, sst;
	struct layout_facts f = {
		.kind = LAYOUT_PERSISTENT_BIND,
		.required = op->entry && op->entry->required,
		.file = op->entry && op->entry->file,
		.target = node_of(tfd, &tst),
		.parent = LAYOUT_PARENT_READONLY,
		.copy = node_of(sfd, &sst),
	};
	if (f.target == LAYOUT_NODE_MISSING)
		f.parent = target_parent(c, op, pfd, &tparent, &tname);
	struct layout_decision d;
	layout_decide(&f, &d);
	if (d.action != LAYOUT_APPLY) {
		bool copy_side = d.why == LAYOUT_WHY_COPY_SYMLINK || d.why == LAYOUT_WHY_COPY_ERROR;
		return op_not_applied(c, op, &d, copy_side ? sfd : tfd, copy_side ? ssym : tsym,
				      copy_side ? pbt : "");
	}

	if (sfd >= 0 && tfd >= 0 && sst.st_dev == tst.st_dev && sst.st_ino == tst.st_ino &&
	    mount_is_root(tfd) == 1) {
		set_mounted(c, op, 0);
		op_ok(c, op, true);
		return 0;
	}
	bool look_again = d.seed || d.create_copy;
	if (look_again) {
		r = seed_missing(c, op, pfd, &d);
		if (r < 0)
			return r;
		layout_merge_seeded(merge_of(c), op);
	} else /* may replace a file bind's copy */
		look_again = layout_merge_entry(merge_of(c), op);
	if (look_again) {
		closep(&sfd);
		free(ssym);
		ssym = NULL;
		sfd = safe_open(pfd, op->target, O_PATH, &ssym);
		if (sfd < 0)
			return fail_resolve(c, op, sfd, "persistent copy", pbt, ssym);
		if (fstat(sfd, &sst) < 0)
			return op_fail(c, op, -errno, "cannot stat the persistent copy");
	}
	if (d.create_point) {
		r = create_target(c, op, tparent, tname, !d.as_file);
		if (r < 0)
			return r;
		closep(&tfd);
		free(tsym);
		tfd = safe_open(c->root_fd, op->target, O_PATH, &tsym);
		if (tfd < 0)
			return fail_resolve(c, op, tfd, "mount point in the image", "", tsym);
		if (fstat(tfd, &tst) < 0)
			return op_fail(c, op, -errno, "cannot stat the mount point");
	}
	/* What is mounted is what was decided on: a copy or mount point made
	 * above was looked at again, and must have the type decided on. */
	mode_t want = d.as_file ? S_IFREG : S_IFDIR;
	if ((sst.st_mode & S_IFMT) != want || (tst.st_mode & S_IFMT) != want)
		return op_fail(c, op, -EAGAIN,
			       "the mount point or the persistent copy %s%s changed type while "
			       "being set up",
			       pbt, op->target);

	r = mount_bind_fd(sfd, tfd);
	if (r < 0)
		return op_fail(c, op, r, "cannot bind %s%s", pbt, op->target);
	set_mounted(c, op, 0);
	op_ok(c, op, false);
	return 0;
}

int layout_apply(const struct layout_plan *plan, const char *root, struct report_stage *stage)
{
	return layout_apply_image(plan, root, NULL, stage);
}

int layout_apply_image(const struct layout_plan *plan, const char *root, const char *image_id,
		       struct report_stage *stage)
{
	_cleanup_free_ unsigned char *mounted = calloc(plan->n_ops ? plan->n_ops : 1, 1);
	struct apply_ctx c = {
		.layout = plan->layout,
		.stage = stage,
		.persist_fd = -1,
		.plan = plan,
		.mounted = mounted,
		.image_id = image_id,
		.merge_pfd = -1,
	};

	if (!mounted) {
		log_error("layout: out of memory");
		report_stage_set(stage, "error", "out of memory");
		return -ENOMEM;
	}
	c.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.root_fd < 0) {
		int r = -errno;
		log_error_errno(r, "layout: cannot open root directory %s: %m", root);
		report_stage_set(stage, "error", "cannot open root directory");
		return r;
	}

	/* Adopt an EMT-era store before any copy is seeded (layout_migrate.h). */
	c.first_error = layout_migrate_emt(plan, c.root_fd, stage);

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
	report_stage_set_u64(stage, "skipped", c.n_skipped);
	report_stage_set_u64(stage, "conflicts", c.n_conflicts);
	layout_merge_end(c.merge);
	closep(&c.merge_pfd);
	closep(&c.persist_fd);
	closep(&c.root_fd);
	return c.first_error;
}
