// SPDX-License-Identifier: GPL-2.0-or-later
/* layout_lex.c — passes 1 and 2 of the layout.env parser (layout_parse.c):
 * the encoding check, then the statements read into per-variable values that
 * remember where each byte came from. */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "layout_parse_internal.h"
#include "util.h"

#define NOT_EXECUTED "layout.env is parsed, not executed; write the path literally"
#define ONLY_ASSIGNMENTS                                                                           \
	"layout.env may only contain NAME=\"value\" assignments, 'export NAME', comments and "     \
	"blank lines"

const char *const lp_var_names[_VAR_MAX] = {
	[VAR_TMPFS_OVERLAYS_PATHS] = "TMPFS_OVERLAYS_PATHS",
	[VAR_PERSISTENT_BIND_PATHS] = "PERSISTENT_BIND_PATHS",
	[VAR_PERSISTENT_BIND_TARGET] = "PERSISTENT_BIND_TARGET",
	[VAR_TMPFS_OVERLAY_TARGET] = "TMPFS_OVERLAY_TARGET",
	[VAR_OVERLAY] = "OVERLAY",
	[VAR_REQUIRED_PATHS] = "REQUIRED_PATHS",
	[VAR_PERSISTENT_BIND_FILES] = "PERSISTENT_BIND_FILES",
};

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

void lp_scan_encoding(struct parser *p)
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
			lp_diag(p, line, col, "NUL byte: layout.env must be a plain text file");
		} else if (c == '\r') {
			p->bad[i] = true;
			if (!cr_reported)
				lp_diag(
				    p, line, col,
				    "carriage return: the file has Windows (CRLF) line endings; "
				    "convert it with 'sed -i \"s/\\r$//\" FILE' or dos2unix");
			cr_reported = true;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			p->bad[i] = true;
			lp_diag(p, line, col, "control character 0x%02x: remove it", c);
		} else if (c >= 0x80) {
			n = utf8_seq_len((const unsigned char *)p->buf + i, p->size - i);
			if (n == 0) {
				/* One report per run of invalid bytes. */
				p->bad[i] = true;
				if (!in_invalid)
					lp_diag(p, line, col,
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

void lp_value_free(struct value *v)
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
				lp_diag(p, line, col, "unterminated %s quote: add the closing %c",
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
		lp_diag(p, line, col,
			"glob character '%c' is not allowed: list every path explicitly", c);
		return true;
	case '~':
		lp_diag(p, line, col,
			"'~' is not expanded: write the full absolute path (e.g. /root, not ~)");
		return true;
	case ';':
	case '&':
	case '|':
	case '<':
	case '>':
		if (quote) {
			lp_diag(
			    p, line, col,
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
			lp_diag(p, line, col,
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
		lp_diag(p, line, col, "%s '%s' is not allowed: %s",
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
		lp_excerpt(p->buf + start, n > 0 ? n - 1 : 0, p->bad + start, name, sizeof(name));
		lp_diag(p, line, col, "variable expansion '${%s}' is not allowed: %s", name,
			NOT_EXECUTED);
	} else if (is_name_start(c)) {
		size_t start = p->i, n = 0;
		while (is_name_char(peek(p, 0))) {
			take_bad(p, v);
			n++;
		}
		char name[48];
		lp_excerpt(p->buf + start, n, NULL, name, sizeof(name));
		lp_diag(p, line, col, "variable expansion '$%s' is not allowed: %s", name,
			NOT_EXECUTED);
	} else if (c > 0 && strchr("@*#?$!-0123456789", c)) {
		take_bad(p, v);
		lp_diag(p, line, col, "special parameter '$%c' is not allowed: %s", c,
			NOT_EXECUTED);
	} else
		lp_diag(p, line, col, "'$' is not allowed: %s", NOT_EXECUTED);
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
	lp_diag(p, line, col, "command substitution '`…`' is not allowed: %s", NOT_EXECUTED);
}

static void lex_backslash(struct parser *p, struct value *v)
{
	unsigned line = p->line, col = p->col;
	int c = peek(p, 1);

	take_bad(p, v);
	if (c == '\n')
		lp_diag(
		    p, line, col,
		    "line continuation '\\' is not supported: put the list in one double-quoted "
		    "value, which may span several lines");
	else
		lp_diag(p, line, col,
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
			lp_diag(p, line, col, "unterminated single quote: add the closing '");
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
			lp_diag(p, line, col, "unterminated double quote: add the closing \"");
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
		lp_diag(p, line, col,
			"';' would start another command: %s; put each on its own line",
			ONLY_ASSIGNMENTS);
	else if (c == '&' || c == '|')
		lp_diag(p, line, col, "'%c%s' would chain or pipe commands: %s", c,
			d == c ? (c == '&' ? "&" : "|") : "", ONLY_ASSIGNMENTS);
	else
		lp_diag(p, line, col, "redirection '%c' is not allowed: %s", c, ONLY_ASSIGNMENTS);
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
			lp_diag(
			    p, p->line, p->col,
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
		if (strlen(lp_var_names[k]) == n && memcmp(lp_var_names[k], name, n) == 0)
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
		size_t d = edit_distance(name, n, lp_var_names[k]);
		if (d < best) {
			best = d;
			best_k = k;
		}
	}
	char shown[48];
	lp_excerpt(name, n, NULL, shown, sizeof(shown));
	if (best <= 3)
		lp_diag(p, line, col, "unknown variable '%s': did you mean '%s'?", shown,
			lp_var_names[best_k]);
	else
		lp_diag(p, line, col,
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
	lp_value_free(&scratch);
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
			lp_diag(p, p->line, p->col,
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
					lp_diag(p, line, col,
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
				lp_diag(p, line, col + (unsigned)k,
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
		lp_excerpt(p->buf + p->i, w, p->bad + p->i, word, sizeof(word));
		if (exporting)
			lp_diag(p, line, col,
				"'%s' is not a variable name or assignment: write export NAME or "
				"export NAME=\"value\"",
				word);
		else if (first)
			lp_diag(p, line, col, "'%s' is not an assignment: %s", word,
				ONLY_ASSIGNMENTS);
		else
			lp_diag(p, line, col,
				"'%s' would run as a command after the assignment: quote a list of "
				"paths, e.g. NAME=\"/a /b\"",
				word);
		skip_to_eol(p);
		return;
	}
}

void lp_lex_file(struct parser *p)
{
	p->line = 1;
	p->col = 1;
	if (p->size >= 3 && memcmp(p->buf, "\xef\xbb\xbf", 3) == 0) {
		lp_diag(p, 1, 1,
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
