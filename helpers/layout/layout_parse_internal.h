/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layout_parse_internal.h — what the three passes of the layout.env parser
 * share (layout_parse.c describes them): the parser state, where each byte of
 * a value came from, and the diagnostics.  Only layout_diag.c, layout_lex.c,
 * layout_validate.c and layout_parse.c include it; everyone else uses
 * layout.h.  The lp_ prefix marks these names as the parser's own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "layout.h"
#include "util.h"

enum var_id {
	VAR_TMPFS_OVERLAYS_PATHS,
	VAR_PERSISTENT_BIND_PATHS,
	VAR_PERSISTENT_BIND_TARGET,
	VAR_TMPFS_OVERLAY_TARGET,
	VAR_OVERLAY,
	VAR_REQUIRED_PATHS,
	VAR_PERSISTENT_BIND_FILES,
	_VAR_MAX,
};

/* Where one byte of a value was written, and whether it was already reported. */
struct pos {
	unsigned line, col;
	bool bad;
};

struct value {
	bool set;
	char *s; /* not NUL-terminated; may hold any byte */
	struct pos *p;
	size_t len, cap;
	unsigned line, col; /* start of the assignment that set it (for "empty" errors) */
};

struct parser {
	const char *buf;
	size_t size, i;
	unsigned line, col;
	bool *bad; /* per byte of buf, from the encoding pass */
	struct layout_diags *diags;
	bool oom;
	struct value vars[_VAR_MAX];
};

/* The variable names, indexed by enum var_id. */
extern const char *const lp_var_names[_VAR_MAX];

/* Record an error at LINE:COL in p->diags; sets p->oom when out of memory. */
_printf_(4, 5) void lp_diag(struct parser *p, unsigned line, unsigned col, const char *fmt, ...);
/* Stable sort of d->items[from…] by position: 0 or -ENOMEM. */
int lp_diags_sort(struct layout_diags *d, size_t from);
/* A printable excerpt of LEN untrusted bytes of S into OUT (bytes marked in
 * BAD, unless NULL, and anything not printable become '?'; long ones end in
 * "..."). */
void lp_excerpt(const char *s, size_t len, const bool *bad, char *out, size_t outsize);

/* Pass 1: report NUL bytes, control characters and invalid UTF-8; mark them
 * in p->bad. */
void lp_scan_encoding(struct parser *p);
/* Pass 2: read the statements into p->vars. */
void lp_lex_file(struct parser *p);
void lp_value_free(struct value *v);
/* Pass 3: split, check and collect the values into L: 0 or -ENOMEM (the
 * problems found are diagnostics, not errors). */
int lp_validate(struct parser *p, struct layout *l);
