/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layout.h — the parsed form of layout.env and the ordered mount plan made
 * from it.  layout_parse.c (its passes in layout_lex.c and
 * layout_validate.c) fills struct layout (never executing anything),
 * layout_plan.c turns it into struct layout_plan, layout_apply.c performs
 * the plan under a root directory.
 *
 * Paths in struct layout and struct layout_plan are absolute, normalised
 * ("/etc/ssh", no trailing slash, no "." or ".." components) and relative to
 * the root the layout is applied to (in the initramfs: /sysroot).
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#define LAYOUT_DEFAULT_TMPFS_OVERLAYS "/var"
#define LAYOUT_DEFAULT_PERSISTENT_BIND_TARGET "/opt/.mount/persistence"
#define LAYOUT_DEFAULT_TMPFS_OVERLAY_TARGET "/opt/.mount/tmpfs"
/* Where `sealroot persist open` mounts the persistent partition in the root
 * (its default --mount-point): at boot, the image's content there is hidden. */
#define LAYOUT_PERSISTENT_MOUNT "/opt"
#define LAYOUT_DEFAULT_OVERLAY_SIZE "25%"
#define LAYOUT_FILE_MAX (1024 * 1024) /* bytes: larger files are refused */
#define LAYOUT_ENTRIES_MAX 4096	      /* paths in all lists together */
#define LAYOUT_DIAGS_MAX 200	      /* diagnostics kept; later ones are only counted */

enum layout_kind {
	LAYOUT_TMPFS_OVERLAY,
	LAYOUT_PERSISTENT_BIND,
};

struct layout_entry {
	char *path;
	enum layout_kind kind;
	bool required;	       /* listed in REQUIRED_PATHS: not applying it fails the boot */
	bool file;	       /* listed in PERSISTENT_BIND_FILES: created as a file when missing */
	unsigned line, column; /* where it was written in the file (1-based);
				* 0, 0 for an entry that comes from a default */
};

struct layout {
	struct layout_entry *entries; /* in file order */
	size_t n_entries;
	char *persistent_bind_target; /* PERSISTENT_BIND_TARGET */
	char *tmpfs_overlay_target;   /* TMPFS_OVERLAY_TARGET */
	char *overlay_size;	      /* from OVERLAY=tmpfs:X → "X" ("25%", "512M") */
};

/* One problem found in a layout file. */
struct layout_diag {
	unsigned line, column; /* 1-based; column counts bytes; 0, 0: not tied to a line */
	bool warning;	       /* a warning does not make the file invalid */
	char *message;
};

struct layout_diags {
	struct layout_diag *items;
	size_t n;
	size_t n_dropped; /* problems beyond LAYOUT_DIAGS_MAX, counted but not kept */
	size_t n_errors;  /* errors among all of them, dropped ones included */
};

/* Append one error; beyond LAYOUT_DIAGS_MAX only n_dropped grows.
 * Returns 0 or -ENOMEM. */
int layout_diag_add(struct layout_diags *d, unsigned line, unsigned column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same for a warning. */
int layout_diag_add_warning(struct layout_diags *d, unsigned line, unsigned column, const char *fmt,
			    ...) __attribute__((format(printf, 4, 5)));

/*
 * Parse and validate a layout.env held in memory (may contain NUL bytes; they
 * are errors).  Every problem found is appended to diags; parsing continues
 * after an error so that all problems are reported.
 * Returns 0 when the layout is valid, -EINVAL when diags holds errors,
 * -ENOMEM on allocation failure.  On -EINVAL *ret is still released by
 * layout_done() safely.
 */
int layout_parse(const char *buf, size_t size, struct layout *ret, struct layout_diags *diags);

/* Read FILE (at most LAYOUT_FILE_MAX bytes, regular file, O_NOFOLLOW) and
 * parse it.  Returns as layout_parse(), or a negative errno from reading. */
int layout_load_file(const char *path, struct layout *ret, struct layout_diags *diags);

void layout_done(struct layout *l);
void layout_diags_done(struct layout_diags *d);

/* Print "FILE:LINE:COL: error: message" lines ("warning:" for warnings), one
 * per diagnostic ("FILE: error: message" when the diagnostic has no line). */
void layout_diags_print(const struct layout_diags *d, const char *filename, FILE *out);

/*
 * Check an unpacked root directory against a parsed layout (layout_check_root.c)
 * by predicting, entry by entry and in plan order, what `layout apply` does at
 * the first boot (empty persistent partition): the same layout_decide()
 * (layout_decide.h) on the same facts, read from ROOT and from the entries
 * applied before.  An entry apply would skip or not mount (conflict) gives a
 * warning, one it would fail (a symlink, a required entry it cannot apply)
 * an error, both at the entry's line and column; so do targets in use that
 * are not real directories.  Returns 0 when no error was added (warnings may
 * have been), -EINVAL when errors were added, or a negative errno when ROOT
 * itself cannot be opened (nothing added).
 */
int layout_check_root(const struct layout *l, const char *root, struct layout_diags *diags);

/* --- plan ---------------------------------------------------------------- */

enum layout_op_kind {
	LAYOUT_OP_TMPFS,   /* mount the one tmpfs at tmpfs_overlay_target */
	LAYOUT_OP_OVERLAY, /* overlayfs on target: lower=target, upper/work in the tmpfs */
	LAYOUT_OP_BIND,	   /* bind source (persistent copy, seeded if missing) on target */
};

struct layout_op {
	enum layout_op_kind kind;
	const struct layout_entry *entry; /* NULL for LAYOUT_OP_TMPFS */
	char *target;			  /* mount point, e.g. "/etc/ssh" */
	char *source; /* BIND: "<persistent_bind_target>/etc/ssh"; OVERLAY: NULL */
	char *upper;  /* OVERLAY: "<tmpfs_overlay_target>/etc/lp/upper" */
	char *work;   /* OVERLAY: "<tmpfs_overlay_target>/etc/lp/work" */
};

struct layout_plan {
	struct layout_op *ops; /* in the order they must be performed */
	size_t n_ops;
	const struct layout *layout;
};

/* Order: the tmpfs first (when any overlay exists), then every entry so that a
 * path's parents come before it (overlays and binds interleaved by path), and
 * ties by file order.  Returns 0 or -ENOMEM. */
int layout_plan_build(const struct layout *l, struct layout_plan *ret);
void layout_plan_done(struct layout_plan *p);

/* Human-readable or JSON rendering of a plan (used by `layout plan`). */
void layout_plan_print(const struct layout_plan *p, FILE *out);
int layout_plan_print_json(const struct layout_plan *p, FILE *out);
/* "tmpfs", "overlay", "bind". */
const char *layout_op_kind_to_string(enum layout_op_kind k);
