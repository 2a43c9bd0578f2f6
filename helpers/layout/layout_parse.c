// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * layout_parse.c — read layout.env as data, never as a program.
 *
 * The accepted syntax is the subset of bash assignments integrators write:
 * comments, blank lines, NAME=value, NAME+=value, export NAME[=value], and
 * values made of unquoted, '…' and "…" parts.  Anything bash would expand or
 * execute is an error, reported with the line and column where it starts.
 *
 * The work is done in three passes over the buffer:
 *   1. encoding: NUL bytes, control characters and invalid UTF-8 are
 *      reported and marked "bad";
 *   2. lexing: statements are read into per-variable values that keep, for
 *      every byte, where in the file it came from (so that an item glued
 *      together by += still points at its own characters);
 *   3. validation: values are split into paths like bash word splitting
 *      would, each path is checked, duplicates and conflicts with the two
 *      target directories are found, and struct layout is filled.
 * Items containing a byte already reported in pass 1 or 2 are not checked
 * again, so one mistake gives one diagnostic.
 *
 * This file holds the entry points; the diagnostics are in layout_diag.c,
 * passes 1 and 2 in layout_lex.c, pass 3 in layout_validate.c.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "layout.h"
#include "layout_parse_internal.h"
#include "util.h"

/* ---- entry points --------------------------------------------------------- */

int layout_parse(const char *buf, size_t size, struct layout *ret, struct layout_diags *diags)
{
	struct parser p = { .buf = buf, .size = size, .diags = diags };
	size_t first_diag = diags->n, dropped = diags->n_dropped;
	int r;

	*ret = (struct layout){};
	p.bad = calloc(size + 1, sizeof(bool));
	if (!p.bad)
		return -ENOMEM;

	lp_scan_encoding(&p);
	if (!p.oom)
		lp_lex_file(&p);
	r = p.oom ? -ENOMEM : lp_validate(&p, ret);
	if (r == 0 && p.oom)
		r = -ENOMEM;
	if (r == 0)
		r = lp_diags_sort(diags, first_diag);
	if (r == 0 && (diags->n > first_diag || diags->n_dropped > dropped))
		r = -EINVAL;

	for (size_t k = 0; k < _VAR_MAX; k++)
		lp_value_free(&p.vars[k]);
	free(p.bad);
	return r;
}

int layout_load_file(const char *path, struct layout *ret, struct layout_diags *diags)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t size = 0;

	*ret = (struct layout){};
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if (st.st_size > LAYOUT_FILE_MAX)
		return -EFBIG;

	/* Read to the end rather than trusting st_size (the file may change). */
	int r = read_fd_bounded(fd, LAYOUT_FILE_MAX, &buf, &size);
	if (r < 0)
		return r;
	return layout_parse(buf, size, ret, diags);
}

void layout_done(struct layout *l)
{
	if (!l)
		return;
	for (size_t k = 0; k < l->n_entries; k++)
		free(l->entries[k].path);
	free(l->entries);
	free(l->persistent_bind_target);
	free(l->tmpfs_overlay_target);
	free(l->overlay_size);
	*l = (struct layout){};
}
