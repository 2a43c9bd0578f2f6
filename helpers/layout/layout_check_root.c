// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * layout_check_root.c — check an unpacked root against a parsed layout
 * (`sealroot layout check --root DIR`), see layout.h.
 *
 * The first boot is played through without mounting anything: entries in
 * plan order, each looked up in a "view" of DIR as it would be at that point
 * of the boot (the image, plus the mount points created and the binds made
 * by the entries before it), then decided by layout_decide(), the function
 * `layout apply` uses.  Every path component is looked up with safe_open()
 * (safe_path.h), so nothing outside DIR is ever reached and a symlink
 * anywhere on the way is reported instead of followed.  Nothing is opened
 * for reading or changed.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "layout.h"
#include "layout_decide.h"
#include "safe_path.h"
#include "util.h"

enum need {
	NEED_DIRECTORY,
	NEED_DIR_OR_FILE,
};

static const char *type_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device node";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "of an unknown type";
}

/* An entry that check predicts apply mounts (kept in plan order). */
struct applied_entry {
	const char *path;
	enum layout_kind kind;
	bool created; /* its mount point is created at boot (not in the image) */
	bool as_file;
	unsigned depth; /* how many overlays the mounted file system stacks */
};

struct view {
	int root_fd;
	const char *targets[2]; /* the targets in use (created at boot), or NULL */
	struct applied_entry *applied;
	size_t n_applied;
};

/* PATH equals PREFIX or is below it. */
static bool path_within(const char *path, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return n <= len && strncmp(path, prefix, n) == 0 && (n == len || path[n] == '/');
}

/* The innermost applied entry at or above the first LEN bytes of PATH. */
static const struct applied_entry *innermost(const struct view *v, const char *path, size_t len)
{
	const struct applied_entry *best = NULL;
	for (size_t k = 0; k < v->n_applied; k++)
		if (path_within(path, len, v->applied[k].path) &&
		    (!best || strlen(v->applied[k].path) > strlen(best->path)))
			best = &v->applied[k];
	return best;
}

/* Is the first LEN bytes of PATH on the persistent partition, which is
 * mounted on /opt at boot and empty at the first boot but for the targets
 * (*RET_DIR: it is /opt itself or one of the targets' directories)? */
static bool on_partition(const struct view *v, const char *path, size_t len, bool *ret_dir)
{
	*ret_dir = false;
	if (!path_within(path, len, LAYOUT_PERSISTENT_MOUNT))
		return false;
	*ret_dir = len == strlen(LAYOUT_PERSISTENT_MOUNT);
	for (size_t k = 0; k < ELEMENTSOF(v->targets); k++) {
		const char *t = v->targets[k];
		if (t && strlen(t) >= len && strncmp(t, path, len) == 0 &&
		    (t[len] == '\0' || t[len] == '/'))
			*ret_dir = true;
	}
	return true;
}

/* What the booted tree has at the first LEN bytes of PATH, all of whose
 * parents are directories there: the image's content, except on the
 * persistent partition (see on_partition()), below a bind whose mount point
 * is created (its copy starts empty), and for device nodes and sockets below
 * a seeded bind (seeding leaves them out). */
static enum layout_node view_node(const struct view *v, const char *path, size_t len)
{
	const struct applied_entry *a = innermost(v, path, len);
	bool self = a && strlen(a->path) == len, dir;

	if (a && a->created)
		return !self	    ? LAYOUT_NODE_MISSING
		       : a->as_file ? LAYOUT_NODE_FILE
				    : LAYOUT_NODE_DIR;
	if (on_partition(v, path, len, &dir))
		return dir ? LAYOUT_NODE_DIR : LAYOUT_NODE_MISSING;

	_cleanup_free_ char *prefix = strndup(path, len);
	if (!prefix)
		return LAYOUT_NODE_ERROR;
	_cleanup_close_ int fd = safe_open(v->root_fd, prefix, O_PATH, NULL);
	struct stat st = {};
	int r = fd >= 0 && fstat(fd, &st) < 0 ? -errno : 0;
	enum layout_node n = layout_node_from(fd, r, st.st_mode);
	/* Seeding leaves device nodes and sockets out of the copy. */
	if (n == LAYOUT_NODE_SPECIAL && a && !self && a->kind == LAYOUT_PERSISTENT_BIND &&
	    !S_ISFIFO(st.st_mode))
		return LAYOUT_NODE_MISSING;
	return n;
}

/* Look PATH up component by component in the view, as safe_open() would at
 * boot.  *RET_LEN: length of the prefix that ended the walk (for messages). */
static enum layout_node view_lookup(const struct view *v, const char *path, size_t *ret_len)
{
	size_t len = 0, total = strlen(path);
	for (;;) {
		size_t next = len + 1;
		while (next < total && path[next] != '/')
			next++;
		enum layout_node n = view_node(v, path, next);
		*ret_len = next;
		if (next == total)
			return n;
		if (n == LAYOUT_NODE_FILE || n == LAYOUT_NODE_SPECIAL)
			return LAYOUT_NODE_NOTDIR;
		if (n != LAYOUT_NODE_DIR)
			return n;
		len = next;
	}
}

/* The parent of a missing mount point: writable when its innermost applied
 * entry is a tmpfs overlay. */
static enum layout_parent view_parent(const struct view *v, const char *path)
{
	size_t plen = strrchr(path, '/') - path, len;
	if (plen == 0)
		return LAYOUT_PARENT_READONLY; /* "/": the image's root */
	_cleanup_free_ char *parent = strndup(path, plen);
	if (!parent)
		return LAYOUT_PARENT_ERROR;
	enum layout_node n = view_lookup(v, parent, &len);
	if (n == LAYOUT_NODE_MISSING)
		return LAYOUT_PARENT_MISSING;
	if (n != LAYOUT_NODE_DIR)
		return LAYOUT_PARENT_ERROR;
	const struct applied_entry *a = innermost(v, parent, plen);
	if (a && a->kind == LAYOUT_TMPFS_OVERLAY)
		return LAYOUT_PARENT_WRITABLE;
	bool dir;
	if (!a && on_partition(v, parent, plen, &dir))
		return LAYOUT_PARENT_PERSISTENT;
	return LAYOUT_PARENT_READONLY;
}

/* Predict apply for one entry; add a warning or an error when it would not
 * be mounted.  Returns 0, -EINVAL after an error, -ENOMEM. */
static int check_entry(struct view *v, const struct layout_entry *e, const char *root,
		       struct layout_diags *d)
{
	bool overlay = e->kind == LAYOUT_TMPFS_OVERLAY;
	const char *what = overlay ? "tmpfs overlay" : "persistent bind";
	size_t len = 0;
	struct layout_facts f = {
		.kind = e->kind,
		.required = e->required,
		.file = e->file,
		.target = view_lookup(v, e->path, &len),
		.parent = LAYOUT_PARENT_READONLY,
		.copy = LAYOUT_NODE_MISSING, /* the first boot: an empty persistent partition */
	};
	if (!overlay && f.target == LAYOUT_NODE_MISSING)
		f.parent = view_parent(v, e->path);
	/* The file system the mount point is on: that of the innermost entry
	 * mounted above it (an entry is never mounted twice: no duplicates). */
	const struct applied_entry *above = innermost(v, e->path, strlen(e->path));
	if (overlay && above)
		f.lower_depth = above->depth;
	struct layout_decision dec;
	layout_decide(&f, &dec);
	const char *why = layout_why_to_string(dec.why);
	int r;

	switch (dec.action) {
	case LAYOUT_APPLY:
		v->applied[v->n_applied++] = (struct applied_entry){
			.path = e->path,
			.kind = e->kind,
			.created = dec.create_point,
			.as_file = dec.as_file,
			.depth = overlay ? f.lower_depth + 1 : 0,
		};
		return 0;
	case LAYOUT_SKIP:
		r = layout_diag_add_warning(d, e->line, e->column, "%s '%s' is skipped at boot: %s",
					    what, e->path, why);
		return r < 0 ? r : 0;
	case LAYOUT_CONFLICT:
		r = layout_diag_add_warning(d, e->line, e->column,
					    "%s '%s' is not mounted at boot (conflict): %s", what,
					    e->path, why);
		return r < 0 ? r : 0;
	case LAYOUT_FAIL:
		break;
	}
	if (dec.by_required)
		r = layout_diag_add(d, e->line, e->column,
				    "%s '%s' is in REQUIRED_PATHS but cannot be applied, so the "
				    "boot would fail: %s",
				    what, e->path, why);
	else if (dec.why == LAYOUT_WHY_TARGET_SYMLINK)
		r = layout_diag_add(d, e->line, e->column,
				    "%s mount point '%s': '%.*s' is a symbolic link in %s; mount "
				    "points and their parents must be real directories or files in "
				    "the image",
				    what, e->path, (int)len, e->path, root);
	else
		r = layout_diag_add(d, e->line, e->column, "%s '%s' in %s: %s", what, e->path, root,
				    why);
	return r < 0 ? r : -EINVAL;
}

/* Returns 0 if fine, -EINVAL after adding a diagnostic, -ENOMEM.  MISSING_OK:
 * the path may be absent (it is created at boot). */
static int check_one(int root_fd, const char *root, const char *path, const char *what,
		     enum need need, bool missing_ok, unsigned line, unsigned col,
		     struct layout_diags *d)
{
	_cleanup_free_ char *symlink = NULL;
	_cleanup_close_ int fd = safe_open(root_fd, path, O_PATH, &symlink);
	struct stat st;
	int r;

	if (fd == -ENOMEM)
		return fd;
	if (fd == -ENOENT && missing_ok)
		return 0;
	if (fd == -ENOENT)
		r = layout_diag_add(d, line, col,
				    "%s '%s' does not exist in %s: create %s in the image, or "
				    "remove the entry",
				    what, path, root,
				    need == NEED_DIRECTORY ? "the directory" : "it");
	else if (fd == -ELOOP)
		r = layout_diag_add(d, line, col,
				    "%s '%s': '%s' is a symbolic link in %s; mount points and "
				    "their parents must be real directories or files in the image",
				    what, path, symlink ? symlink : path, root);
	else if (fd == -ENOTDIR)
		r = layout_diag_add(d, line, col,
				    "%s '%s': a parent of it is not a directory in %s", what, path,
				    root);
	else if (fd < 0)
		r = layout_diag_add(d, line, col, "cannot look up %s '%s' in %s: %s", what, path,
				    root, strerror(-fd));
	else if (fstat(fd, &st) < 0)
		r = layout_diag_add(d, line, col, "cannot stat %s '%s' in %s: %s", what, path, root,
				    strerror(errno));
	else if (need == NEED_DIRECTORY && !S_ISDIR(st.st_mode))
		r = layout_diag_add(d, line, col, "%s '%s' is %s in %s; it must be a directory",
				    what, path, type_name(st.st_mode), root);
	else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		r = layout_diag_add(d, line, col,
				    "%s '%s' is %s in %s; it must be a directory or a regular file",
				    what, path, type_name(st.st_mode), root);
	else
		return 0;
	return r < 0 ? r : -EINVAL;
}

int layout_check_root(const struct layout *l, const char *root, struct layout_diags *diags)
{
	_cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ struct applied_entry *applied = NULL;
	struct layout_plan plan = {};
	bool any_overlay = false, any_bind = false, bad = false;
	int r;

	if (root_fd < 0)
		return -errno;
	r = layout_plan_build(l, &plan);
	if (r < 0)
		return r;
	applied = calloc(l->n_entries ? l->n_entries : 1, sizeof(*applied));
	if (!applied) {
		layout_plan_done(&plan);
		return -ENOMEM;
	}
	struct view v = { .root_fd = root_fd, .applied = applied };
	for (size_t k = 0; k < l->n_entries; k++)
		if (l->entries[k].kind == LAYOUT_PERSISTENT_BIND)
			v.targets[0] = l->persistent_bind_target;
		else
			v.targets[1] = l->tmpfs_overlay_target;

	/* In plan order, as apply goes: an entry sees what the ones before it did. */
	for (size_t k = 0; k < plan.n_ops; k++) {
		const struct layout_entry *e = plan.ops[k].entry;
		if (!e)
			continue; /* the tmpfs */
		if (e->kind == LAYOUT_TMPFS_OVERLAY)
			any_overlay = true;
		else
			any_bind = true;
		r = check_entry(&v, e, root, diags);
		if (r == -ENOMEM) {
			layout_plan_done(&plan);
			return r;
		}
		if (r < 0)
			bad = true;
	}
	layout_plan_done(&plan);

	/* The targets live on the persistent partition and are created at boot;
	 * when the image has them, they must be real directories. */
	if (any_overlay && l->tmpfs_overlay_target) {
		r = check_one(root_fd, root, l->tmpfs_overlay_target, "TMPFS_OVERLAY_TARGET",
			      NEED_DIRECTORY, true, 0, 0, diags);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			bad = true;
	}
	if (any_bind && l->persistent_bind_target) {
		r = check_one(root_fd, root, l->persistent_bind_target, "PERSISTENT_BIND_TARGET",
			      NEED_DIRECTORY, true, 0, 0, diags);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			bad = true;
	}
	return bad ? -EINVAL : 0;
}
