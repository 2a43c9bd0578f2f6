// SPDX-License-Identifier: GPL-2.0-or-later
/* layout_decide.c — the one decision per layout entry, see layout_decide.h. */
#include <errno.h>
#include <sys/stat.h>

#include "layout_decide.h"

static void outcome(struct layout_decision *d, enum layout_action a, enum layout_why why, int error)
{
	*d = (struct layout_decision){ .action = a, .why = why, .error = error };
}

/* A symbolic link or a lookup error on the image side: fail closed. */
static bool decide_target_errors(const struct layout_facts *f, struct layout_decision *d)
{
	if (f->target == LAYOUT_NODE_SYMLINK)
		outcome(d, LAYOUT_FAIL, LAYOUT_WHY_TARGET_SYMLINK, -ELOOP);
	else if (f->target == LAYOUT_NODE_ERROR)
		outcome(d, LAYOUT_FAIL, LAYOUT_WHY_TARGET_ERROR, -EIO);
	else if (f->kind == LAYOUT_PERSISTENT_BIND && f->target == LAYOUT_NODE_MISSING &&
		 f->parent == LAYOUT_PARENT_ERROR)
		outcome(d, LAYOUT_FAIL, LAYOUT_WHY_PARENT_ERROR, -EIO);
	else
		return false;
	return true;
}

/* The persistent copy of an entry the image can take: a symbolic link, a
 * lookup error or an unbindable type fails closed. */
static bool decide_copy_errors(const struct layout_facts *f, struct layout_decision *d)
{
	if (f->copy == LAYOUT_NODE_SYMLINK)
		outcome(d, LAYOUT_FAIL, LAYOUT_WHY_COPY_SYMLINK, -ELOOP);
	else if (f->copy == LAYOUT_NODE_ERROR || f->copy == LAYOUT_NODE_NOTDIR)
		outcome(d, LAYOUT_FAIL, LAYOUT_WHY_COPY_ERROR, -EIO);
	else if (f->copy == LAYOUT_NODE_SPECIAL)
		outcome(d, LAYOUT_FAIL, LAYOUT_WHY_COPY_SPECIAL, -EMEDIUMTYPE);
	else
		return false;
	return true;
}

static void decide_overlay(const struct layout_facts *f, struct layout_decision *d)
{
	switch (f->target) {
	case LAYOUT_NODE_DIR:
		if (f->lower_depth >= LAYOUT_OVERLAY_MAX_DEPTH)
			outcome(d, LAYOUT_SKIP, LAYOUT_WHY_OVERLAY_TOO_DEEP, -EINVAL);
		else
			outcome(d, LAYOUT_APPLY, LAYOUT_WHY_NONE, 0);
		break;
	case LAYOUT_NODE_MISSING:
		outcome(d, LAYOUT_SKIP, LAYOUT_WHY_OVERLAY_MISSING, -ENOENT);
		break;
	case LAYOUT_NODE_NOTDIR:
		outcome(d, LAYOUT_SKIP, LAYOUT_WHY_NOTDIR_PARENT, -ENOTDIR);
		break;
	default: /* FILE, SPECIAL */
		outcome(d, LAYOUT_SKIP, LAYOUT_WHY_OVERLAY_NOT_DIR, -ENOTDIR);
		break;
	}
}

static bool is_file_or_dir(enum layout_node n)
{
	return n == LAYOUT_NODE_DIR || n == LAYOUT_NODE_FILE;
}

static void decide_bind(const struct layout_facts *f, struct layout_decision *d)
{
	if (f->target == LAYOUT_NODE_NOTDIR) {
		outcome(d, LAYOUT_SKIP, LAYOUT_WHY_NOTDIR_PARENT, -ENOTDIR);
		return;
	}
	if (f->target == LAYOUT_NODE_SPECIAL) {
		outcome(d, LAYOUT_SKIP, LAYOUT_WHY_BIND_SPECIAL, -EMEDIUMTYPE);
		return;
	}
	if (f->target == LAYOUT_NODE_MISSING && f->parent == LAYOUT_PARENT_MISSING) {
		outcome(d, LAYOUT_SKIP, LAYOUT_WHY_PARENT_MISSING, -ENOENT);
		return;
	}
	if (f->target == LAYOUT_NODE_MISSING && f->parent == LAYOUT_PARENT_READONLY) {
		outcome(d, LAYOUT_SKIP, LAYOUT_WHY_PARENT_READONLY, -EROFS);
		return;
	}
	if (f->target == LAYOUT_NODE_MISSING && f->parent == LAYOUT_PARENT_PERSISTENT) {
		outcome(d, LAYOUT_SKIP, LAYOUT_WHY_PARENT_PERSISTENT, -ENOENT);
		return;
	}
	/* Only now, when the image can take the entry, is the copy looked at:
	 * an entry that is skipped never touches its persistent copy. */
	if (decide_copy_errors(f, d))
		return;

	/* Every type that is known must agree: the image's, the persistent
	 * copy's and the declared one (only "file" is ever declared). */
	bool image = is_file_or_dir(f->target), copy = is_file_or_dir(f->copy);
	if (image && copy && f->target != f->copy) {
		outcome(d, LAYOUT_CONFLICT, LAYOUT_WHY_IMAGE_VS_COPY,
			f->target == LAYOUT_NODE_DIR ? -ENOTDIR : -EISDIR);
		return;
	}
	if (f->file && image && f->target != LAYOUT_NODE_FILE) {
		outcome(d, LAYOUT_CONFLICT, LAYOUT_WHY_DECLARED_VS_IMAGE, -EISDIR);
		return;
	}
	if (f->file && copy && f->copy != LAYOUT_NODE_FILE) {
		outcome(d, LAYOUT_CONFLICT, LAYOUT_WHY_DECLARED_VS_COPY, -EISDIR);
		return;
	}

	outcome(d, LAYOUT_APPLY, LAYOUT_WHY_NONE, 0);
	if (copy)
		d->as_file = f->copy == LAYOUT_NODE_FILE;
	else if (image)
		d->as_file = f->target == LAYOUT_NODE_FILE;
	else
		d->as_file = f->file;
	d->seed = !copy && image;
	d->create_copy = !copy && !image;
	d->create_point = !image;
}

void layout_decide(const struct layout_facts *f, struct layout_decision *ret)
{
	if (!decide_target_errors(f, ret)) {
		if (f->kind == LAYOUT_TMPFS_OVERLAY)
			decide_overlay(f, ret);
		else
			decide_bind(f, ret);
	}
	/* A required entry is applied or the step fails, for the same reason. */
	if (f->required && (ret->action == LAYOUT_SKIP || ret->action == LAYOUT_CONFLICT)) {
		ret->action = LAYOUT_FAIL;
		ret->by_required = true;
	}
}

enum layout_node layout_node_from(int r, int fstat_r, mode_t mode)
{
	switch (r) {
	case -ENOENT:
		return LAYOUT_NODE_MISSING;
	case -ELOOP:
		return LAYOUT_NODE_SYMLINK;
	case -ENOTDIR:
		return LAYOUT_NODE_NOTDIR;
	}
	if (r < 0 || fstat_r < 0)
		return LAYOUT_NODE_ERROR;
	if (S_ISDIR(mode))
		return LAYOUT_NODE_DIR;
	if (S_ISREG(mode))
		return LAYOUT_NODE_FILE;
	return LAYOUT_NODE_SPECIAL;
}

const char *layout_why_to_string(enum layout_why why)
{
	switch (why) {
	case LAYOUT_WHY_NONE:
		return "";
	case LAYOUT_WHY_TARGET_SYMLINK:
		return "the mount point or one of its parents is a symbolic link; refusing to "
		       "follow it (replace it with a real directory or file in the image)";
	case LAYOUT_WHY_TARGET_ERROR:
		return "the mount point cannot be looked up";
	case LAYOUT_WHY_PARENT_ERROR:
		return "the parent of the mount point cannot be opened";
	case LAYOUT_WHY_COPY_SYMLINK:
		return "the persistent copy or one of its parents is a symbolic link; refusing to "
		       "follow it (remove it from the persistent partition)";
	case LAYOUT_WHY_COPY_ERROR:
		return "the persistent copy cannot be looked up";
	case LAYOUT_WHY_COPY_SPECIAL:
		return "the persistent copy is neither a directory nor a regular file; remove it "
		       "from the persistent partition";
	case LAYOUT_WHY_NOTDIR_PARENT:
		return "a parent of the mount point is not a directory in the image; fix the "
		       "image or remove the entry";
	case LAYOUT_WHY_OVERLAY_MISSING:
		return "the image has no directory here and a tmpfs overlay needs one; add the "
		       "directory to the image or remove the entry";
	case LAYOUT_WHY_OVERLAY_NOT_DIR:
		return "the image has something other than a directory here and a tmpfs overlay "
		       "needs a directory; fix the image or remove the entry";
	case LAYOUT_WHY_OVERLAY_TOO_DEEP:
		return "it is inside two nested tmpfs overlays and overlayfs stacks at most two "
		       "(the kernel refuses a third); its content is already writable through the "
		       "overlays above it: remove the entry or one of those";
	case LAYOUT_WHY_BIND_SPECIAL:
		return "the image has a device node, FIFO or socket here; a persistent bind needs "
		       "a directory or a regular file";
	case LAYOUT_WHY_PARENT_MISSING:
		return "the image has neither the mount point nor its parent directory; add them "
		       "to the image or remove the entry";
	case LAYOUT_WHY_PARENT_READONLY:
		return "the mount point is missing in the image and its parent is not on a tmpfs "
		       "overlay, so it cannot be created; add it to the image or overlay its "
		       "parent";
	case LAYOUT_WHY_PARENT_PERSISTENT:
		return "the mount point would be on the persistent partition (mounted on /opt at "
		       "boot, hiding the image's /opt), which does not have it; what is stored "
		       "there persists anyway: remove the entry, or bind a path outside /opt";
	case LAYOUT_WHY_IMAGE_VS_COPY:
		return "the image and the persistent copy disagree (one is a file, the other a "
		       "directory); the persistent copy is kept as it is and not mounted: move "
		       "it aside (or back to the old type) and reboot";
	case LAYOUT_WHY_DECLARED_VS_IMAGE:
		return "PERSISTENT_BIND_FILES declares a file but the image has a directory; not "
		       "mounted: fix the image or the layout";
	case LAYOUT_WHY_DECLARED_VS_COPY:
		return "PERSISTENT_BIND_FILES declares a file but the persistent copy is a "
		       "directory; the copy is kept as it is and not mounted: move it aside and "
		       "reboot to get an empty file";
	}
	return "unknown reason";
}

const char *layout_action_to_string(enum layout_action a)
{
	switch (a) {
	case LAYOUT_APPLY:
		return "ok";
	case LAYOUT_SKIP:
		return "skipped";
	case LAYOUT_CONFLICT:
		return "conflict";
	case LAYOUT_FAIL:
		return "failed";
	}
	return "unknown";
}
