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
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "fileio.h"
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

static const char *const var_names[_VAR_MAX] = {
	[VAR_TMPFS_OVERLAYS_PATHS] = "TMPFS_OVERLAYS_PATHS",
	[VAR_PERSISTENT_BIND_PATHS] = "PERSISTENT_BIND_PATHS",
	[VAR_PERSISTENT_BIND_TARGET] = "PERSISTENT_BIND_TARGET",
	[VAR_TMPFS_OVERLAY_TARGET] = "TMPFS_OVERLAY_TARGET",
	[VAR_OVERLAY] = "OVERLAY",
	[VAR_REQUIRED_PATHS] = "REQUIRED_PATHS",
	[VAR_PERSISTENT_BIND_FILES] = "PERSISTENT_BIND_FILES",
};

#define NOT_EXECUTED "layout.env is parsed, not executed; write the path literally"
#define ONLY_ASSIGNMENTS                                                                           \
	"layout.env may only contain NAME=\"value\" assignments, 'export NAME', comments and "     \
	"blank lines"

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

/* ---- diagnostics --------------------------------------------------------- */

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

_printf_(4, 5) static void diag(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
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
static int diags_sort(struct layout_diags *d, size_t from)
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
static void excerpt(const char *s, size_t len, const bool *bad, char *out, size_t outsize)
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

/* ---- pass 1: encoding ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void scan_encoding(struct parser *p)
{
	unsigned line = 1, col = 1;
	bool cr_reported = false, in_invalid = false;

	for (size_t i = 0; i < p->size;) {
		unsigned char c = (unsigned char)p->buf[i];
		size_t n = 1;
		bool invalid = false;

		if (c == '\n') {
			line++;
			col = 1;
			i++;
			continue;
		}
		if (c == 0) {
			p->bad[i] = true;
			diag(p, line, col, "NUL byte: layout.env must be a plain text file");
		} else if (c == '\r') {
			p->bad[i] = true;
			if (!cr_reported)
				diag(p, line, col,
				     "carriage return: the file has Windows (CRLF) line endings; "
				     "convert it with 'sed -i \"s/\\r$//\" FILE' or dos2unix");
			cr_reported = true;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			p->bad[i] = true;
			diag(p, line, col, "control character 0x%02x: remove it", c);
		} else if (c >= 0x80) {
			n = utf8_seq_len((const unsigned char *)p->buf + i, p->size - i);
			if (n == 0) {
				/* One report per run of invalid bytes. */
				p->bad[i] = true;
				if (!in_invalid)
					diag(p, line, col,
					     "invalid UTF-8 byte 0x%02x: save the file as UTF-8",
					     c);
				invalid = true;
				n = 1;
			}
		}
		in_invalid = invalid;
		i += n;
		col += (unsigned)n;
	}
}

/* ---- pass 2: lexing ------------------------------------------------------- */

static int peek(const struct parser *p, size_t off)
{
	return p->i + off < p->size ? (unsigned char)p->buf[p->i + off] : -1;
}

static void advance(struct parser *p)
{
	if (p->i >= p->size)
		return;
	if (p->buf[p->i] == '\n') {
		p->line++;
		p->col = 1;
	} else
		p->col++;
	p->i++;
}

static bool is_blank(int c)
{
	/* '\r' was reported in pass 1; treating it as blank avoids follow-up noise. */
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_word_end(int c)
{
	return c < 0 || c == '\n' || is_blank(c);
}

static bool is_operator(int c)
{
	return c == ';' || c == '&' || c == '|' || c == '<' || c == '>';
}

static void value_push(struct parser *p, struct value *v, char c, unsigned line, unsigned col,
		       bool bad)
{
	if (v->len == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		char *s = realloc(v->s, cap);
		if (!s) {
			p->oom = true;
			return;
		}
		v->s = s;
		struct pos *ps = reallocarray(v->p, cap, sizeof(*ps));
		if (!ps) {
			p->oom = true;
			return;
		}
		v->p = ps;
		v->cap = cap;
	}
	v->s[v->len] = c;
	v->p[v->len] = (struct pos){ .line = line, .col = col, .bad = bad };
	v->len++;
}

static void value_free(struct value *v)
{
	free(v->s);
	free(v->p);
	*v = (struct value){};
}

/* Take the current byte into v, marked bad; whitespace becomes '?' so that a
 * rejected construct stays within one item. */
static void take_bad(struct parser *p, struct value *v)
{
	int c = peek(p, 0);
	if (c < 0)
		return;
	value_push(p, v, (c == ' ' || c == '\t' || c == '\n') ? '?' : (char)c, p->line, p->col,
		   true);
	advance(p);
}

static void take(struct parser *p, struct value *v, bool bad)
{
	value_push(p, v, p->buf[p->i], p->line, p->col, bad || p->bad[p->i]);
	advance(p);
}

static void skip_comment(struct parser *p)
{
	while (peek(p, 0) >= 0 && peek(p, 0) != '\n')
		advance(p);
}

/* Skip the rest of a command after an error, following quotes like bash
 * would so that a multi-line quoted string does not cause more errors. */
static void skip_to_eol(struct parser *p)
{
	int c;
	while ((c = peek(p, 0)) >= 0 && c != '\n') {
		if (c == '\'' || c == '"') {
			unsigned line = p->line, col = p->col;
			int d;
			advance(p);
			while ((d = peek(p, 0)) >= 0 && d != c) {
				if (c == '"' && d == '\\')
					advance(p);
				advance(p);
			}
			if (d < 0) {
				diag(p, line, col, "unterminated %s quote: add the closing %c",
				     c == '"' ? "double" : "single", c);
				return;
			}
			advance(p);
		} else if (c == '\\') {
			advance(p);
			advance(p);
		} else
			advance(p);
	}
}

/* Characters refused wherever they appear in a value.  Returns true (after
 * reporting) when c is one of them.  quote: 0, '\'' or '"'. */
static bool reject_char(struct parser *p, int c, int quote)
{
	unsigned line = p->line, col = p->col;

	switch (c) {
	case '*':
	case '?':
	case '[':
		diag(p, line, col, "glob character '%c' is not allowed: list every path explicitly",
		     c);
		return true;
	case '~':
		diag(p, line, col,
		     "'~' is not expanded: write the full absolute path (e.g. /root, not ~)");
		return true;
	case ';':
	case '&':
	case '|':
	case '<':
	case '>':
		if (quote) {
			diag(p, line, col,
			     "character '%c' is not allowed in a layout path: the boot would treat "
			     "it as shell syntax; leave this path out",
			     c);
			return true;
		}
		return false;
	case '$':
	case '`':
	case '\\':
		if (quote == '\'') {
			diag(p, line, col,
			     "character '%c' is not allowed in a layout path: %s (nothing is "
			     "expanded or unescaped)",
			     c, NOT_EXECUTED);
			return true;
		}
		return false;
	default:
		return false;
	}
}

/* At '$' (unquoted or in double quotes): report the expansion and take it
 * into v as bad bytes. */
static void lex_dollar(struct parser *p, struct value *v)
{
	unsigned line = p->line, col = p->col;
	int c = peek(p, 1);

	take_bad(p, v); /* '$' */
	if (c == '(') {
		bool arith = peek(p, 1) == '(';
		int depth = 0;
		while ((c = peek(p, 0)) >= 0 && c != '\n') {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			take_bad(p, v);
			if (depth == 0)
				break;
		}
		diag(p, line, col, "%s '%s' is not allowed: %s",
		     arith ? "arithmetic expansion" : "command substitution",
		     arith ? "$((…))" : "$(…)", NOT_EXECUTED);
	} else if (c == '{') {
		size_t start = p->i + 1, n = 0;
		while ((c = peek(p, 0)) >= 0 && c != '\n' && c != '"') {
			take_bad(p, v);
			if (c == '}')
				break;
			n++;
		}
		char name[48];
		excerpt(p->buf + start, n > 0 ? n - 1 : 0, p->bad + start, name, sizeof(name));
		diag(p, line, col, "variable expansion '${%s}' is not allowed: %s", name,
		     NOT_EXECUTED);
	} else if (is_name_start(c)) {
		size_t start = p->i, n = 0;
		while (is_name_char(peek(p, 0))) {
			take_bad(p, v);
			n++;
		}
		char name[48];
		excerpt(p->buf + start, n, NULL, name, sizeof(name));
		diag(p, line, col, "variable expansion '$%s' is not allowed: %s", name,
		     NOT_EXECUTED);
	} else if (c > 0 && strchr("@*#?$!-0123456789", c)) {
		take_bad(p, v);
		diag(p, line, col, "special parameter '$%c' is not allowed: %s", c, NOT_EXECUTED);
	} else
		diag(p, line, col, "'$' is not allowed: %s", NOT_EXECUTED);
}

static void lex_backtick(struct parser *p, struct value *v)
{
	unsigned line = p->line, col = p->col;
	int c;

	take_bad(p, v);
	while ((c = peek(p, 0)) >= 0 && c != '\n') {
		take_bad(p, v);
		if (c == '`')
			break;
	}
	diag(p, line, col, "command substitution '`…`' is not allowed: %s", NOT_EXECUTED);
}

static void lex_backslash(struct parser *p, struct value *v)
{
	unsigned line = p->line, col = p->col;
	int c = peek(p, 1);

	take_bad(p, v);
	if (c == '\n')
		diag(p, line, col,
		     "line continuation '\\' is not supported: put the list in one double-quoted "
		     "value, which may span several lines");
	else
		diag(p, line, col,
		     "backslash escapes are not supported: write the character literally or "
		     "remove the '\\'");
	take_bad(p, v);
}

enum lex_result {
	LEX_OK,	   /* the value ended at a blank, newline or end of file */
	LEX_ABORT, /* an error ended the command; the rest of the line was skipped */
};

static enum lex_result lex_squote(struct parser *p, struct value *v)
{
	unsigned line = p->line, col = p->col;
	int c;

	advance(p);
	while ((c = peek(p, 0)) != '\'') {
		if (c < 0) {
			diag(p, line, col, "unterminated single quote: add the closing '");
			return LEX_ABORT;
		}
		take(p, v, reject_char(p, c, '\''));
	}
	advance(p);
	return LEX_OK;
}

static enum lex_result lex_dquote(struct parser *p, struct value *v)
{
	unsigned line = p->line, col = p->col;
	int c;

	advance(p);
	while ((c = peek(p, 0)) != '"') {
		if (c < 0) {
			diag(p, line, col, "unterminated double quote: add the closing \"");
			return LEX_ABORT;
		}
		if (c == '$')
			lex_dollar(p, v);
		else if (c == '`')
			lex_backtick(p, v);
		else if (c == '\\')
			lex_backslash(p, v);
		else
			take(p, v, reject_char(p, c, '"'));
	}
	advance(p);
	return LEX_OK;
}

static void report_operator(struct parser *p)
{
	unsigned line = p->line, col = p->col;
	int c = peek(p, 0), d = peek(p, 1);

	if (c == ';')
		diag(p, line, col, "';' would start another command: %s; put each on its own line",
		     ONLY_ASSIGNMENTS);
	else if (c == '&' || c == '|')
		diag(p, line, col, "'%c%s' would chain or pipe commands: %s", c,
		     d == c ? (c == '&' ? "&" : "|") : "", ONLY_ASSIGNMENTS);
	else
		diag(p, line, col, "redirection '%c' is not allowed: %s", c, ONLY_ASSIGNMENTS);
}

/* Read one shell word (the value after '=') into v. */
static enum lex_result lex_value(struct parser *p, struct value *v)
{
	int c;

	while (!is_word_end(c = peek(p, 0))) {
		enum lex_result r = LEX_OK;

		if (c == '\'')
			r = lex_squote(p, v);
		else if (c == '"')
			r = lex_dquote(p, v);
		else if (c == '$')
			lex_dollar(p, v);
		else if (c == '`')
			lex_backtick(p, v);
		else if (c == '\\')
			lex_backslash(p, v);
		else if (is_operator(c)) {
			report_operator(p);
			skip_to_eol(p);
			return LEX_ABORT;
		} else if (c == '(' || c == ')') {
			diag(p, p->line, p->col,
			     "'%c' is shell syntax (arrays and subshells are not supported): write "
			     "a list as one quoted value, NAME=\"/a /b\"",
			     c);
			skip_to_eol(p);
			return LEX_ABORT;
		} else
			take(p, v, reject_char(p, c, 0));
		if (r == LEX_ABORT)
			return r;
	}
	return LEX_OK;
}

static int lookup_var(const char *name, size_t n)
{
	for (int k = 0; k < _VAR_MAX; k++)
		if (strlen(var_names[k]) == n && memcmp(var_names[k], name, n) == 0)
			return k;
	return -1;
}

static int upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Case-insensitive Levenshtein distance, for short strings only. */
static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[64], prev;

	if (na >= ELEMENTSOF(row) || nb >= ELEMENTSOF(row))
		return SIZE_MAX;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (upper(a[i - 1]) != upper(b[j - 1]));
			size_t best = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			prev = cur;
		}
	}
	return row[nb];
}

static void report_unknown_var(struct parser *p, const char *name, size_t n, unsigned line,
			       unsigned col)
{
	size_t best = SIZE_MAX;
	int best_k = -1;

	for (int k = 0; k < _VAR_MAX; k++) {
		size_t d = edit_distance(name, n, var_names[k]);
		if (d < best) {
			best = d;
			best_k = k;
		}
	}
	char shown[48];
	excerpt(name, n, NULL, shown, sizeof(shown));
	if (best <= 3)
		diag(p, line, col, "unknown variable '%s': did you mean '%s'?", shown,
		     var_names[best_k]);
	else
		diag(p, line, col,
		     "unknown variable '%s': the known variables are TMPFS_OVERLAYS_PATHS, "
		     "PERSISTENT_BIND_PATHS, PERSISTENT_BIND_TARGET, TMPFS_OVERLAY_TARGET, "
		     "OVERLAY, REQUIRED_PATHS and PERSISTENT_BIND_FILES",
		     shown);
}

/* At NAME= or NAME+= (name is n bytes long). */
static enum lex_result parse_assignment(struct parser *p, size_t n)
{
	const char *name = p->buf + p->i;
	unsigned line = p->line, col = p->col;
	int id = lookup_var(name, n);
	struct value scratch = {};
	struct value *v = id >= 0 ? &p->vars[id] : &scratch;

	if (id < 0)
		report_unknown_var(p, name, n, line, col);
	for (size_t k = 0; k < n; k++)
		advance(p);
	bool append = peek(p, 0) == '+';
	if (append)
		advance(p);
	advance(p); /* '=' */

	if (!append || !v->set) {
		/* NAME=… replaces; NAME+=… on an unset NAME starts from "" like bash. */
		v->len = 0;
		v->set = true;
		v->line = line;
		v->col = col;
	}
	enum lex_result r = lex_value(p, v);
	value_free(&scratch);
	return r;
}

static size_t name_len_at(const struct parser *p)
{
	size_t n = 0;
	if (!is_name_start(peek(p, 0)))
		return 0;
	while (is_name_char(peek(p, n)))
		n++;
	return n;
}

static void skip_blanks(struct parser *p)
{
	while (is_blank(peek(p, 0)))
		advance(p);
}

/* One command: a list of assignments, optionally after 'export'. */
static void parse_command(struct parser *p)
{
	bool exporting = false, first = true;

	for (;;) {
		skip_blanks(p);
		int c = peek(p, 0);
		if (c < 0 || c == '\n')
			return;
		if (c == '#') {
			skip_comment(p);
			return;
		}
		if (is_operator(c)) {
			report_operator(p);
			skip_to_eol(p);
			return;
		}
		if (c == '\\' && peek(p, 1) == '\n') {
			diag(p, p->line, p->col,
			     "line continuation '\\' is not supported: put the list in one "
			     "double-quoted value, which may span several lines");
			advance(p);
			advance(p);
			continue;
		}

		unsigned line = p->line, col = p->col;
		size_t n = name_len_at(p);
		if (n > 0) {
			int after = peek(p, n);
			if (after == '=' || (after == '+' && peek(p, n + 1) == '=')) {
				if (parse_assignment(p, n) == LEX_ABORT)
					return;
				first = false;
				continue;
			}
			bool alone = is_word_end(after) || after == '#' || is_operator(after);
			if (first && alone && n == 6 && memcmp(p->buf + p->i, "export", 6) == 0) {
				for (size_t k = 0; k < n; k++)
					advance(p);
				exporting = true;
				first = false;
				skip_blanks(p);
				c = peek(p, 0);
				if (c < 0 || c == '\n' || c == '#') {
					diag(p, line, col,
					     "'export' needs a variable name: write export "
					     "NAME=\"value\" or remove the line");
					return;
				}
				continue;
			}
			if (exporting && alone) {
				/* export NAME: marks it exported, does not set it. */
				if (lookup_var(p->buf + p->i, n) < 0)
					report_unknown_var(p, p->buf + p->i, n, line, col);
				for (size_t k = 0; k < n; k++)
					advance(p);
				continue;
			}
			/* NAME = value */
			size_t k = n;
			while (is_blank(peek(p, k)))
				k++;
			if (k > n &&
			    (peek(p, k) == '=' || (peek(p, k) == '+' && peek(p, k + 1) == '='))) {
				diag(p, line, col + (unsigned)k,
				     "spaces around '=' are not allowed: write NAME=\"value\"");
				skip_to_eol(p);
				return;
			}
		}

		if (p->bad[p->i]) {
			/* Already reported by the encoding pass. */
			skip_to_eol(p);
			return;
		}
		size_t w = 0;
		while (!is_word_end(peek(p, w)))
			w++;
		char word[48];
		excerpt(p->buf + p->i, w, p->bad + p->i, word, sizeof(word));
		if (exporting)
			diag(p, line, col,
			     "'%s' is not a variable name or assignment: write export NAME or "
			     "export NAME=\"value\"",
			     word);
		else if (first)
			diag(p, line, col, "'%s' is not an assignment: %s", word, ONLY_ASSIGNMENTS);
		else
			diag(p, line, col,
			     "'%s' would run as a command after the assignment: quote a list of "
			     "paths, e.g. NAME=\"/a /b\"",
			     word);
		skip_to_eol(p);
		return;
	}
}

static void lex_file(struct parser *p)
{
	p->line = 1;
	p->col = 1;
	if (p->size >= 3 && memcmp(p->buf, "\xef\xbb\xbf", 3) == 0) {
		diag(p, 1, 1,
		     "UTF-8 byte order mark at the start of the file: save it without a BOM");
		for (int k = 0; k < 3; k++)
			advance(p);
	}
	while (p->i < p->size && !p->oom) {
		parse_command(p);
		if (peek(p, 0) == '\n')
			advance(p);
	}
}

/* ---- pass 3: validation --------------------------------------------------- */

/* One path of a list, before it becomes a struct layout_entry. */
struct item {
	const char *var; /* the list it came from */
	enum layout_kind kind;
	char *path;
	unsigned line, col; /* 0, 0: a default */
	bool ok;
};

static bool is_ifs(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Split v like bash splits an unquoted expansion: returns the start of the
 * next item at or after *k and its length in *len (0: no more items). */
static size_t value_next_item(const struct value *v, size_t *k, size_t *len)
{
	while (*k < v->len && is_ifs(v->s[*k]))
		(*k)++;
	size_t start = *k;
	while (*k < v->len && !is_ifs(v->s[*k]))
		(*k)++;
	*len = *k - start;
	return start;
}

static bool range_bad(const struct value *v, size_t start, size_t len)
{
	for (size_t k = start; k < start + len; k++)
		if (v->p[k].bad)
			return true;
	return false;
}

static const char *const api_dirs[] = { "proc", "sys", "dev", "run" };

/* Check one path item; report the first problem at its exact position. */
static bool check_path(struct parser *p, const struct value *v, size_t start, size_t len,
		       const char *what)
{
	const char *s = v->s + start;
	const struct pos *ps = v->p + start;
	char shown[80];

	excerpt(s, len, NULL, shown, sizeof(shown));
	if (s[0] != '/') {
		diag(p, ps[0].line, ps[0].col,
		     "relative path '%s' in %s: paths must be absolute; did you mean '/%s'?", shown,
		     what, shown);
		return false;
	}
	if (len == 1) {
		diag(p, ps[0].line, ps[0].col,
		     "'/' itself cannot be listed in %s: list the directories below it", what);
		return false;
	}
	if (len > PATH_MAX - 1) {
		diag(p, ps[0].line, ps[0].col, "path '%s' is %zu bytes long: the limit is %d",
		     shown, len, PATH_MAX - 1);
		return false;
	}
	for (size_t k = 1; k <= len;) {
		size_t e = k;
		while (e < len && s[e] != '/')
			e++;
		size_t m = e - k;
		if (m == 0) {
			if (k == len)
				diag(p, ps[k - 1].line, ps[k - 1].col,
				     "trailing '/' in '%s': write it without, as '%.*s'", shown,
				     (int)(len - 1), s);
			else
				diag(p, ps[k].line, ps[k].col,
				     "empty component ('//') in '%s': write a single '/'", shown);
			return false;
		}
		if ((m == 1 && s[k] == '.') || (m == 2 && s[k] == '.' && s[k + 1] == '.')) {
			diag(p, ps[k].line, ps[k].col,
			     "'%.*s' component in '%s' is not allowed: write the path without '.' "
			     "and '..'",
			     (int)m, s + k, shown);
			return false;
		}
		if (m > NAME_MAX) {
			char comp[40];
			excerpt(s + k, m, NULL, comp, sizeof(comp));
			diag(p, ps[k].line, ps[k].col,
			     "component '%s' is %zu bytes long: the limit is %d", comp, m,
			     NAME_MAX);
			return false;
		}
		k = e + 1;
	}
	for (size_t a = 0; a < ELEMENTSOF(api_dirs); a++) {
		size_t n = strlen(api_dirs[a]);
		if (len >= n + 1 && memcmp(s + 1, api_dirs[a], n) == 0 &&
		    (len == n + 1 || s[n + 1] == '/')) {
			diag(p, ps[0].line, ps[0].col,
			     "'%s' is under /%s, which the kernel or the boot sets up at runtime: "
			     "remove it",
			     shown, api_dirs[a]);
			return false;
		}
	}
	return true;
}

/* path equals prefix or is below it */
static bool path_within(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/');
}

struct target {
	enum var_id id;
	char *path;
	unsigned line, col; /* 0: default */
	bool ok;
};

static int resolve_target(struct parser *p, enum var_id id, const char *def, struct target *t)
{
	const struct value *v = &p->vars[id];

	*t = (struct target){ .id = id };
	if (!v->set) {
		t->path = strdup(def);
		t->ok = true;
		return t->path ? 0 : -ENOMEM;
	}

	size_t k = 0, len, len2;
	size_t start = value_next_item(v, &k, &len);
	size_t start2 = value_next_item(v, &k, &len2);
	if (len == 0) {
		diag(p, v->line, v->col,
		     "%s is empty: remove the assignment to use the default %s, or set an "
		     "absolute path",
		     var_names[id], def);
		return 0;
	}
	t->line = v->p[start].line;
	t->col = v->p[start].col;
	if (len2 > 0) {
		diag(p, v->p[start2].line, v->p[start2].col,
		     "%s must be a single path: remove this second one", var_names[id]);
		return 0;
	}
	if (range_bad(v, start, len) || !check_path(p, v, start, len, var_names[id]))
		return 0;
	t->path = strndup(v->s + start, len);
	if (!t->path)
		return -ENOMEM;
	t->ok = true;
	return 0;
}

static int resolve_overlay(struct parser *p, char **ret)
{
	const struct value *v = &p->vars[VAR_OVERLAY];
	const char *hint = "write tmpfs:N% with N from 1 to 100 (a share of RAM, e.g. tmpfs:25%) "
			   "or tmpfs:SIZE with an optional k, m or g suffix (e.g. tmpfs:512M)";

	*ret = NULL;
	if (!v->set) {
		*ret = strdup(LAYOUT_DEFAULT_OVERLAY_SIZE);
		return *ret ? 0 : -ENOMEM;
	}

	size_t k = 0, len, len2;
	size_t start = value_next_item(v, &k, &len);
	size_t start2 = value_next_item(v, &k, &len2);
	if (len == 0) {
		diag(p, v->line, v->col,
		     "OVERLAY is empty: remove the assignment to use the default tmpfs:%s, or %s",
		     LAYOUT_DEFAULT_OVERLAY_SIZE, hint);
		return 0;
	}
	if (len2 > 0) {
		diag(p, v->p[start2].line, v->p[start2].col,
		     "OVERLAY must be a single value: remove this second one");
		return 0;
	}
	if (range_bad(v, start, len))
		return 0;

	const char *s = v->s + start;
	const struct pos *ps = v->p + start;
	char shown[48];
	excerpt(s, len, NULL, shown, sizeof(shown));
	if (len < 6 || memcmp(s, "tmpfs:", 6) != 0) {
		diag(p, ps[0].line, ps[0].col,
		     "OVERLAY='%s' is not supported: only tmpfs overlays exist; %s", shown, hint);
		return 0;
	}
	size_t d = 6, n = 0;
	uint64_t val = 0;
	while (d + n < len && s[d + n] >= '0' && s[d + n] <= '9' && n < 16) {
		val = val * 10 + (uint64_t)(s[d + n] - '0');
		n++;
	}
	size_t rest = len - d - n;
	bool pct = rest == 1 && s[len - 1] == '%';
	bool suffix = rest == 1 && s[len - 1] != 0 && strchr("kKmMgG", s[len - 1]);
	if (n == 0 || n >= 16 || (rest != 0 && !pct && !suffix) || val == 0 || (pct && val > 100)) {
		const struct pos *at = &ps[d < len ? d : len - 1];
		diag(p, at->line, at->col, "OVERLAY size '%.*s' is not valid: %s", (int)(len - d),
		     s + d, hint);
		return 0;
	}
	*ret = strndup(s + d, len - d);
	return *ret ? 0 : -ENOMEM;
}

static int item_path_cmp(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	int c = strcmp(x->path, y->path);
	if (c != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

static int item_pos_cmp(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static const char *kind_name(enum layout_kind k)
{
	return k == LAYOUT_TMPFS_OVERLAY ? "tmpfs overlay" : "persistent bind";
}

static void report_duplicates(struct parser *p, struct item **sorted, size_t n)
{
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		while (b < n && streq(sorted[a]->path, sorted[b]->path)) {
			struct item *first = sorted[a], *dup = sorted[b];
			if (first->line == 0)
				diag(p, dup->line, dup->col,
				     "'%s' is already a %s by default (%s is not set): set %s "
				     "explicitly, or remove this entry",
				     dup->path, kind_name(first->kind), first->var, first->var);
			else
				diag(p, dup->line, dup->col,
				     "'%s' is listed twice: first at line %u in %s; remove one of "
				     "them",
				     dup->path, first->line, first->var);
			dup->ok = false;
			b++;
		}
		a = b;
	}
}

static void check_against_targets(struct parser *p, struct item *it, const struct target *t,
				  size_t n_targets, const bool *in_use)
{
	for (size_t k = 0; k < n_targets && it->ok; k++) {
		if (!t[k].ok)
			continue;
		const char *name = var_names[t[k].id];
		if (path_within(it->path, t[k].path)) {
			diag(
			    p, it->line, it->col,
			    "%s '%s' is %s %s (%s), where sealroot keeps its own mounts: remove it",
			    kind_name(it->kind), it->path,
			    streq(it->path, t[k].path) ? "the same as" : "inside", name, t[k].path);
			it->ok = false;
		} else if (in_use[k] && path_within(t[k].path, it->path)) {
			diag(p, it->line, it->col,
			     "%s '%s' would hide %s (%s) below it: remove '%s' or set %s to a "
			     "directory outside the listed paths",
			     kind_name(it->kind), it->path, name, t[k].path, it->path, name);
			it->ok = false;
		}
	}
}

/* A new zeroed item at the end of the array, or NULL on OOM. */
static struct item *items_add(struct item **items, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct item *t = reallocarray(*items, c, sizeof(**items));
		if (!t)
			return NULL;
		*items = t;
		*cap = c;
	}
	struct item *it = &(*items)[(*n)++];
	*it = (struct item){};
	return it;
}

static int collect_items(struct parser *p, enum var_id id, enum layout_kind kind,
			 struct item **items, size_t *n, size_t *cap, bool *too_many)
{
	const struct value *v = &p->vars[id];
	size_t k = 0, start, len;
	struct item *it;

	if (!v->set) {
		if (id != VAR_TMPFS_OVERLAYS_PATHS)
			return 0;
		/* The default: one item that was not written anywhere (line 0). */
		it = items_add(items, n, cap);
		if (!it)
			return -ENOMEM;
		it->var = var_names[id];
		it->kind = kind;
		it->ok = true;
		it->path = strdup(LAYOUT_DEFAULT_TMPFS_OVERLAYS);
		return it->path ? 0 : -ENOMEM;
	}

	while ((start = value_next_item(v, &k, &len)), len > 0) {
		if (*n >= LAYOUT_ENTRIES_MAX) {
			if (!*too_many)
				diag(p, v->p[start].line, v->p[start].col,
				     "too many paths: at most %d entries are allowed in "
				     "TMPFS_OVERLAYS_PATHS and PERSISTENT_BIND_PATHS together",
				     LAYOUT_ENTRIES_MAX);
			*too_many = true;
			return 0;
		}
		if (range_bad(v, start, len) || !check_path(p, v, start, len, var_names[id]))
			continue;
		it = items_add(items, n, cap);
		if (!it)
			return -ENOMEM;
		it->var = var_names[id];
		it->kind = kind;
		it->line = v->p[start].line;
		it->col = v->p[start].col;
		it->ok = true;
		it->path = strndup(v->s + start, len);
		if (!it->path)
			return -ENOMEM;
	}
	return 0;
}

static int entry_ptr_cmp(const void *a, const void *b)
{
	const struct layout_entry *x = *(const struct layout_entry *const *)a;
	const struct layout_entry *y = *(const struct layout_entry *const *)b;
	return strcmp(x->path, y->path);
}

/*
 * REQUIRED_PATHS and PERSISTENT_BIND_FILES do not add entries: they mark
 * entries listed in TMPFS_OVERLAYS_PATHS / PERSISTENT_BIND_PATHS.  Keeping
 * the lists themselves unchanged keeps the file valid for EMT's shell
 * script, which ignores the two variables.
 */
static int annotate(struct parser *p, struct layout *l, enum var_id id)
{
	_cleanup_free_ struct layout_entry **sorted = NULL;
	struct item *items = NULL;
	size_t n = 0, cap = 0;
	bool too_many = false;
	int r;

	if (!p->vars[id].set)
		return 0;
	r = collect_items(p, id, LAYOUT_PERSISTENT_BIND, &items, &n, &cap, &too_many);
	if (r < 0)
		goto out;
	sorted = calloc(l->n_entries ? l->n_entries : 1, sizeof(*sorted));
	if (!sorted) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < l->n_entries; k++)
		sorted[k] = &l->entries[k];
	qsort(sorted, l->n_entries, sizeof(*sorted), entry_ptr_cmp);

	for (size_t k = 0; k < n; k++) {
		struct item *it = &items[k];
		struct layout_entry key = { .path = it->path }, *kp = &key, **found;
		found = bsearch(&kp, sorted, l->n_entries, sizeof(*sorted), entry_ptr_cmp);
		if (id == VAR_REQUIRED_PATHS && !found) {
			diag(p, it->line, it->col,
			     "'%s' in REQUIRED_PATHS is not listed in TMPFS_OVERLAYS_PATHS or "
			     "PERSISTENT_BIND_PATHS: add it there, or remove it here",
			     it->path);
			continue;
		}
		if (id == VAR_PERSISTENT_BIND_FILES &&
		    (!found || (*found)->kind != LAYOUT_PERSISTENT_BIND)) {
			diag(p, it->line, it->col,
			     "'%s' in PERSISTENT_BIND_FILES is not listed in "
			     "PERSISTENT_BIND_PATHS%s: add it there, or remove it here",
			     it->path, found ? " (a tmpfs overlay is always a directory)" : "");
			continue;
		}
		bool *flag = id == VAR_REQUIRED_PATHS ? &(*found)->required : &(*found)->file;
		if (*flag) {
			diag(p, it->line, it->col, "'%s' is listed twice in %s; remove one of them",
			     it->path, var_names[id]);
			continue;
		}
		*flag = true;
	}
	r = 0;
out:
	for (size_t k = 0; k < n; k++)
		free(items[k].path);
	free(items);
	return r;
}

static int validate(struct parser *p, struct layout *l)
{
	struct target t[2] = {};
	struct item *items = NULL;
	_cleanup_free_ struct item **order = NULL;
	size_t n = 0, cap = 0;
	bool too_many = false;
	int r;

	r = resolve_target(p, VAR_PERSISTENT_BIND_TARGET, LAYOUT_DEFAULT_PERSISTENT_BIND_TARGET,
			   &t[0]);
	if (r < 0)
		goto out;
	r = resolve_target(p, VAR_TMPFS_OVERLAY_TARGET, LAYOUT_DEFAULT_TMPFS_OVERLAY_TARGET, &t[1]);
	if (r < 0)
		goto out;
	if (t[0].ok && t[1].ok &&
	    (path_within(t[0].path, t[1].path) || path_within(t[1].path, t[0].path))) {
		/* Report at the one written later (a default is never "later"). */
		struct target *later = &t[1];
		if (t[0].line > t[1].line || (t[0].line == t[1].line && t[0].col > t[1].col))
			later = &t[0];
		diag(p, later->line, later->col,
		     "PERSISTENT_BIND_TARGET (%s) and TMPFS_OVERLAY_TARGET (%s) must not be the "
		     "same or nested in each other: choose two separate directories",
		     t[0].path, t[1].path);
	}

	r = resolve_overlay(p, &l->overlay_size);
	if (r < 0)
		goto out;

	r = collect_items(p, VAR_TMPFS_OVERLAYS_PATHS, LAYOUT_TMPFS_OVERLAY, &items, &n, &cap,
			  &too_many);
	if (r < 0)
		goto out;
	r = collect_items(p, VAR_PERSISTENT_BIND_PATHS, LAYOUT_PERSISTENT_BIND, &items, &n, &cap,
			  &too_many);
	if (r < 0)
		goto out;

	order = calloc(n ? n : 1, sizeof(*order));
	if (!order) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		order[k] = &items[k];
	qsort(order, n, sizeof(*order), item_path_cmp);
	report_duplicates(p, order, n);

	bool in_use[2] = { false, false };
	for (size_t k = 0; k < n; k++) {
		if (items[k].kind == LAYOUT_PERSISTENT_BIND)
			in_use[0] = true;
		else
			in_use[1] = true;
	}
	for (size_t k = 0; k < n; k++)
		check_against_targets(p, &items[k], t, ELEMENTSOF(t), in_use);

	/* File order for struct layout. */
	qsort(order, n, sizeof(*order), item_pos_cmp);
	l->entries = calloc(n ? n : 1, sizeof(*l->entries));
	if (!l->entries) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		struct item *it = order[k];
		if (!it->ok)
			continue;
		struct layout_entry *e = &l->entries[l->n_entries++];
		e->path = TAKE_PTR(it->path);
		e->kind = it->kind;
		e->line = it->line;
		e->column = it->col;
	}
	r = annotate(p, l, VAR_REQUIRED_PATHS);
	if (r < 0)
		goto out;
	r = annotate(p, l, VAR_PERSISTENT_BIND_FILES);
	if (r < 0)
		goto out;
	l->persistent_bind_target = TAKE_PTR(t[0].path);
	l->tmpfs_overlay_target = TAKE_PTR(t[1].path);
	r = 0;
out:
	for (size_t k = 0; k < n; k++)
		free(items[k].path);
	free(items);
	free(t[0].path);
	free(t[1].path);
	return r;
}

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

	scan_encoding(&p);
	if (!p.oom)
		lex_file(&p);
	r = p.oom ? -ENOMEM : validate(&p, ret);
	if (r == 0 && p.oom)
		r = -ENOMEM;
	if (r == 0)
		r = diags_sort(diags, first_diag);
	if (r == 0 && (diags->n > first_diag || diags->n_dropped > dropped))
		r = -EINVAL;

	for (size_t k = 0; k < _VAR_MAX; k++)
		value_free(&p.vars[k]);
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
