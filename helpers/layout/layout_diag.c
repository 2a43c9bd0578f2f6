// SPDX-License-Identifier: GPL-2.0-or-later
/* layout_diag.c — the diagnostics of the layout.env parser: collected with
 * line and column, sorted by position, printed like a compiler does; see
 * layout.h and layout_parse_internal.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "layout.h"
#include "layout_parse_internal.h"
#include "util.h"

static int diag_addv(struct layout_diags *d, bool warning, unsigned line, unsigned column,
		     const char *fmt, va_list ap)
{
	if (!warning)
		d->n_errors++;
	if (d->n >= LAYOUT_DIAGS_MAX) {
		d->n_dropped++;
		return 0;
	}
	if (d->n % 16 == 0) {
		struct layout_diag *items = reallocarray(d->items, d->n + 16, sizeof(*items));
		if (!items)
			return -ENOMEM;
		d->items = items;
	}

	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	d->items[d->n++] = (struct layout_diag){
		.line = line, .column = column, .warning = warning, .message = msg
	};
	return 0;
}

int layout_diag_add(struct layout_diags *d, unsigned line, unsigned column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diag_addv(d, false, line, column, fmt, ap);
	va_end(ap);
	return r;
}

int layout_diag_add_warning(struct layout_diags *d, unsigned line, unsigned column, const char *fmt,
			    ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diag_addv(d, true, line, column, fmt, ap);
	va_end(ap);
	return r;
}

_printf_(4, 5) void lp_diag(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
	if (p->diags->n >= LAYOUT_DIAGS_MAX) {
		p->diags->n_dropped++;
		p->diags->n_errors++;
		return;
	}
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		p->oom = true;
		return;
	}
	if (layout_diag_add(p->diags, line, col, "%s", msg) < 0)
		p->oom = true;
	free(msg);
}

void layout_diags_done(struct layout_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].message);
	free(d->items);
	*d = (struct layout_diags){};
}

void layout_diags_print(const struct layout_diags *d, const char *filename, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct layout_diag *g = &d->items[i];
		const char *what = g->warning ? "warning" : "error";
		if (g->line > 0)
			fprintf(out, "%s:%u:%u: %s: %s\n", filename, g->line, g->column, what,
				g->message);
		else
			fprintf(out, "%s: %s: %s\n", filename, what, g->message);
	}
	if (d->n_dropped > 0)
		fprintf(out, "%s: error: %zu more problems not shown; fix the ones above first\n",
			filename, d->n_dropped);
}

struct diag_sort {
	struct layout_diag d;
	size_t seq;
};

static int diag_sort_cmp(const void *a, const void *b)
{
	const struct diag_sort *x = a, *y = b;
	if (x->d.line != y->d.line)
		return x->d.line < y->d.line ? -1 : 1;
	if (x->d.column != y->d.column)
		return x->d.column < y->d.column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Stable sort of d->items[from…] by position. */
int lp_diags_sort(struct layout_diags *d, size_t from)
{
	size_t n = d->n - from;
	if (n < 2)
		return 0;
	_cleanup_free_ struct diag_sort *t = calloc(n, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		t[i] = (struct diag_sort){ .d = d->items[from + i], .seq = i };
	qsort(t, n, sizeof(*t), diag_sort_cmp);
	for (size_t i = 0; i < n; i++)
		d->items[from + i] = t[i].d;
	return 0;
}

/* A printable excerpt of untrusted bytes for a message: at most max bytes,
 * anything that is not plain printable text replaced by '?'. */
void lp_excerpt(const char *s, size_t len, const bool *bad, char *out, size_t outsize)
{
	size_t max = outsize - 4, o = 0;
	for (size_t k = 0; k < len && o < max; k++) {
		unsigned char c = (unsigned char)s[k];
		bool ok = (bad ? !bad[k] : true) && c >= 0x20 && c != 0x7f;
		out[o++] = ok ? (char)c : '?';
	}
	if (len > max) {
		/* Do not cut a UTF-8 sequence in half. */
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0 && (unsigned char)out[o - 1] >= 0xc0)
			o--;
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = 0;
}
