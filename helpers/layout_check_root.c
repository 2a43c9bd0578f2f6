// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * layout_check_root.c — check an unpacked root against a parsed layout
 * (`sealroot layout check --root DIR`), see layout.h.
 *
 * Each mount point is looked up with safe_open() (safe_path.h), so nothing
 * outside DIR is ever reached and a symlink anywhere on the way is reported
 * instead of followed.  Nothing is opened for reading or changed.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "layout.h"
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

/* Is some tmpfs overlay entry a proper ancestor of PATH?  Then a missing bind
 * mount point is created at boot inside that overlay (see layout_apply.c). */
static bool under_overlay(const struct layout *l, const char *path)
{
	for (size_t k = 0; k < l->n_entries; k++) {
		const struct layout_entry *e = &l->entries[k];
		size_t n = strlen(e->path);
		if (e->kind == LAYOUT_TMPFS_OVERLAY && strncmp(path, e->path, n) == 0 &&
		    path[n] == '/')
			return true;
	}
	return false;
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
			      overlay ? NEED_DIRECTORY : NEED_DIR_OR_FILE,
			      !overlay && under_overlay(l, e->path), e->line, e->column, diags);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			bad = true;
	}

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
