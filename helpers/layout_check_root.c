// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * layout_check_root.c — check an unpacked root against a parsed layout
 * (`sealroot layout check --root DIR`), see layout.h.
 *
 * Each mount point is looked up one component at a time with
 * openat(O_PATH|O_NOFOLLOW) and fstatat(AT_SYMLINK_NOFOLLOW), so nothing
 * outside DIR is ever reached and a symlink anywhere on the way is reported
 * instead of followed.  Only lstat-like lookups are done; nothing is opened
 * for reading or changed.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "layout.h"
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

/* Returns 0 if fine, -EINVAL after adding a diagnostic, -ENOMEM. */
static int check_one(int root_fd, const char *root, const char *path, const char *what,
		     enum need need, unsigned line, unsigned col, struct layout_diags *d)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (!copy)
		return -ENOMEM;

	int dir = root_fd;
	char *comp = copy;
	while (*comp == '/')
		comp++;
	for (;;) {
		char *slash = strchr(comp, '/');
		if (slash)
			*slash = 0;

		if (fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			int e = errno;
			if (slash)
				*slash = '/';
			if (e == ENOENT)
				r = layout_diag_add(
				    d, line, col,
				    "%s '%s' does not exist in %s: create %s in the "
				    "image, or remove the entry",
				    what, path, root,
				    need == NEED_DIRECTORY ? "the directory" : "it");
			else
				r = layout_diag_add(d, line, col,
						    "cannot look up %s '%s' in %s: %s", what, path,
						    root, strerror(e));
			return r < 0 ? r : -EINVAL;
		}
		if (S_ISLNK(st.st_mode)) {
			r = layout_diag_add(d, line, col,
					    "%s '%s': '%s' is a symbolic link in %s; mount points "
					    "and their parents must be real directories or files "
					    "in the image",
					    what, path, copy, root);
			return r < 0 ? r : -EINVAL;
		}
		if (!slash)
			break;
		if (!S_ISDIR(st.st_mode)) {
			r = layout_diag_add(d, line, col,
					    "%s '%s': '%s' is %s in %s, not a directory", what,
					    path, copy, type_name(st.st_mode), root);
			return r < 0 ? r : -EINVAL;
		}
		int next = openat(dir, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		if (next < 0) {
			int e = errno;
			r = layout_diag_add(d, line, col, "cannot open '%s' in %s: %s", copy, root,
					    strerror(e));
			return r < 0 ? r : -EINVAL;
		}
		closep(&fd);
		fd = dir = next;
		*slash = '/';
		comp = slash + 1;
	}

	if (need == NEED_DIRECTORY && !S_ISDIR(st.st_mode)) {
		r = layout_diag_add(d, line, col, "%s '%s' is %s in %s; it must be a directory",
				    what, path, type_name(st.st_mode), root);
		return r < 0 ? r : -EINVAL;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		r = layout_diag_add(d, line, col,
				    "%s '%s' is %s in %s; it must be a directory or a regular file",
				    what, path, type_name(st.st_mode), root);
		return r < 0 ? r : -EINVAL;
	}
	return 0;
}

int layout_check_root(const struct layout *l, const char *root, struct layout_diags *diags)
{
	_cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	bool any_overlay = false, any_bind = false, bad = false;
	int r;

	if (root_fd < 0)
		return -errno;

	for (size_t k = 0; k < l->n_entries; k++) {
		const struct layout_entry *e = &l->entries[k];
		bool overlay = e->kind == LAYOUT_TMPFS_OVERLAY;

		if (overlay)
			any_overlay = true;
		else
			any_bind = true;
		r = check_one(root_fd, root, e->path,
			      overlay ? "tmpfs overlay mount point" : "persistent bind mount point",
			      overlay ? NEED_DIRECTORY : NEED_DIR_OR_FILE, e->line, e->column,
			      diags);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			bad = true;
	}

	/* The targets are mount points too; the image is read-only at boot, so they
	 * must exist in it. */
	if (any_overlay && l->tmpfs_overlay_target) {
		r = check_one(root_fd, root, l->tmpfs_overlay_target, "TMPFS_OVERLAY_TARGET",
			      NEED_DIRECTORY, 0, 0, diags);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			bad = true;
	}
	if (any_bind && l->persistent_bind_target) {
		r = check_one(root_fd, root, l->persistent_bind_target, "PERSISTENT_BIND_TARGET",
			      NEED_DIRECTORY, 0, 0, diags);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			bad = true;
	}
	return bad ? -EINVAL : 0;
}
