/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layout_decide.h — what `layout apply` does with one layout entry, decided
 * from facts alone.  Pure: no I/O, no logging, no allocation.
 *
 * layout_apply.c gathers the facts from the live tree at boot;
 * layout_check_root.c gathers them from an unpacked image (predicting the
 * first boot).  Both call layout_decide(), so `layout check --root` and
 * `layout apply` cannot disagree about an entry.
 *
 * Policy (layout.env(5), BOOT-TIME POLICY):
 *  - APPLY: mount it (seeding or creating what is missing, see the flags).
 *  - SKIP: the image cannot take this entry (mount point missing and not
 *    creatable, wrong type); warn, report "skipped", boot on.
 *  - CONFLICT: the image, the persistent copy and PERSISTENT_BIND_FILES do
 *    not agree on file vs directory; keep the persistent copy untouched, do
 *    not mount, warn, report "conflict", boot on.
 *  - FAIL: a symbolic link on the way (image or persistent copy), a lookup
 *    error, a persistent copy of a type that cannot be bound, or a SKIP or
 *    CONFLICT of an entry in REQUIRED_PATHS: the layout step fails.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "layout.h"

/* What a lookup of a path found. */
enum layout_node {
	LAYOUT_NODE_MISSING, /* ENOENT */
	LAYOUT_NODE_DIR,     /* a directory */
	LAYOUT_NODE_FILE,    /* a regular file */
	LAYOUT_NODE_SPECIAL, /* a device node, FIFO or socket */
	LAYOUT_NODE_SYMLINK, /* ELOOP: the path or a parent is a symbolic link */
	LAYOUT_NODE_NOTDIR,  /* ENOTDIR: a parent is not a directory */
	LAYOUT_NODE_ERROR,   /* any other error */
};

/* The mount point's parent, looked at only when the mount point is missing. */
enum layout_parent {
	LAYOUT_PARENT_WRITABLE,	  /* a directory on a tmpfs overlay: the mount point can be made */
	LAYOUT_PARENT_READONLY,	  /* a directory elsewhere (the read-only image, a bind) */
	LAYOUT_PARENT_PERSISTENT, /* a directory of the persistent partition (/opt) itself */
	LAYOUT_PARENT_MISSING,	  /* no such directory */
	LAYOUT_PARENT_ERROR,	  /* a symbolic link or a lookup error */
};

/* The kernel's FILESYSTEM_MAX_STACK_DEPTH: an overlay whose lower directory
 * is inside an overlay inside an overlay cannot be mounted (EINVAL). */
#define LAYOUT_OVERLAY_MAX_DEPTH 2

struct layout_facts {
	enum layout_kind kind;
	bool required, file;	   /* from REQUIRED_PATHS, PERSISTENT_BIND_FILES */
	enum layout_node target;   /* the mount point in the tree being set up */
	enum layout_parent parent; /* only when target is MISSING */
	enum layout_node copy;	   /* binds: the persistent copy (MISSING on a first boot) */
	unsigned lower_depth;	   /* overlays: how many overlays the mount point's file
				    * system already stacks (0: the image or a bind) */
};

enum layout_action {
	LAYOUT_APPLY,
	LAYOUT_SKIP,
	LAYOUT_CONFLICT,
	LAYOUT_FAIL,
};

enum layout_why {
	LAYOUT_WHY_NONE,
	LAYOUT_WHY_TARGET_SYMLINK,    /* FAIL */
	LAYOUT_WHY_TARGET_ERROR,      /* FAIL */
	LAYOUT_WHY_PARENT_ERROR,      /* FAIL */
	LAYOUT_WHY_COPY_SYMLINK,      /* FAIL */
	LAYOUT_WHY_COPY_ERROR,	      /* FAIL */
	LAYOUT_WHY_COPY_SPECIAL,      /* FAIL */
	LAYOUT_WHY_NOTDIR_PARENT,     /* SKIP: a parent in the image is not a directory */
	LAYOUT_WHY_OVERLAY_MISSING,   /* SKIP */
	LAYOUT_WHY_OVERLAY_NOT_DIR,   /* SKIP */
	LAYOUT_WHY_OVERLAY_TOO_DEEP,  /* SKIP: overlayfs stacks at most LAYOUT_OVERLAY_MAX_DEPTH */
	LAYOUT_WHY_BIND_SPECIAL,      /* SKIP: the image has a device node, FIFO or socket */
	LAYOUT_WHY_PARENT_MISSING,    /* SKIP */
	LAYOUT_WHY_PARENT_READONLY,   /* SKIP */
	LAYOUT_WHY_PARENT_PERSISTENT, /* SKIP */
	LAYOUT_WHY_IMAGE_VS_COPY,     /* CONFLICT */
	LAYOUT_WHY_DECLARED_VS_IMAGE, /* CONFLICT */
	LAYOUT_WHY_DECLARED_VS_COPY,  /* CONFLICT */
};

struct layout_decision {
	enum layout_action action;
	enum layout_why why;
	int error;	   /* negative errno describing a non-APPLY outcome, 0 for APPLY */
	bool by_required;  /* FAIL only because the entry is in REQUIRED_PATHS */
	bool as_file;	   /* APPLY of a bind: the mount is of a file (else a directory) */
	bool seed;	   /* APPLY: copy the image's file or directory to the persistent copy */
	bool create_copy;  /* APPLY: create an empty persistent file/directory (as_file) */
	bool create_point; /* APPLY: create the mount point (as_file) on the overlay */
};

void layout_decide(const struct layout_facts *f, struct layout_decision *ret);

/* The node a lookup found: R is the fd (or negative errno) of a safe_open()
 * and MODE the st_mode of an fstat() of it (ignored when R < 0; pass
 * FSTAT_R < 0 when that fstat() failed). */
enum layout_node layout_node_from(int r, int fstat_r, mode_t mode);

/* One sentence for a SKIP, CONFLICT or FAIL (the "why"), including what to do
 * next; a static string. */
const char *layout_why_to_string(enum layout_why why);

/* "skipped", "conflict", "failed", "ok". */
const char *layout_action_to_string(enum layout_action a);
