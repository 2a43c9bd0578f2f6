// SPDX-License-Identifier: GPL-2.0-or-later
/* layout_validate.c — pass 3 of the layout.env parser (layout_parse.c): the
 * values split into paths, each checked, duplicates and conflicts with the
 * target directories found, struct layout filled. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "layout_parse_internal.h"
#include "util.h"

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

	lp_excerpt(s, len, NULL, shown, sizeof(shown));
	if (s[0] != '/') {
		lp_diag(p, ps[0].line, ps[0].col,
			"relative path '%s' in %s: paths must be absolute; did you mean '/%s'?",
			shown, what, shown);
		return false;
	}
	if (len == 1) {
		lp_diag(p, ps[0].line, ps[0].col,
			"'/' itself cannot be listed in %s: list the directories below it", what);
		return false;
	}
	if (len > PATH_MAX - 1) {
		lp_diag(p, ps[0].line, ps[0].col, "path '%s' is %zu bytes long: the limit is %d",
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
				lp_diag(p, ps[k - 1].line, ps[k - 1].col,
					"trailing '/' in '%s': write it without, as '%.*s'", shown,
					(int)(len - 1), s);
			else
				lp_diag(p, ps[k].line, ps[k].col,
					"empty component ('//') in '%s': write a single '/'",
					shown);
			return false;
		}
		if ((m == 1 && s[k] == '.') || (m == 2 && s[k] == '.' && s[k + 1] == '.')) {
			lp_diag(
			    p, ps[k].line, ps[k].col,
			    "'%.*s' component in '%s' is not allowed: write the path without '.' "
			    "and '..'",
			    (int)m, s + k, shown);
			return false;
		}
		if (m > NAME_MAX) {
			char comp[40];
			lp_excerpt(s + k, m, NULL, comp, sizeof(comp));
			lp_diag(p, ps[k].line, ps[k].col,
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
			lp_diag(
			    p, ps[0].line, ps[0].col,
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
		lp_diag(p, v->line, v->col,
			"%s is empty: remove the assignment to use the default %s, or set an "
			"absolute path",
			lp_var_names[id], def);
		return 0;
	}
	t->line = v->p[start].line;
	t->col = v->p[start].col;
	if (len2 > 0) {
		lp_diag(p, v->p[start2].line, v->p[start2].col,
			"%s must be a single path: remove this second one", lp_var_names[id]);
		return 0;
	}
	if (range_bad(v, start, len) || !check_path(p, v, start, len, lp_var_names[id]))
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
		lp_diag(
		    p, v->line, v->col,
		    "OVERLAY is empty: remove the assignment to use the default tmpfs:%s, or %s",
		    LAYOUT_DEFAULT_OVERLAY_SIZE, hint);
		return 0;
	}
	if (len2 > 0) {
		lp_diag(p, v->p[start2].line, v->p[start2].col,
			"OVERLAY must be a single value: remove this second one");
		return 0;
	}
	if (range_bad(v, start, len))
		return 0;

	const char *s = v->s + start;
	const struct pos *ps = v->p + start;
	char shown[48];
	lp_excerpt(s, len, NULL, shown, sizeof(shown));
	if (len < 6 || memcmp(s, "tmpfs:", 6) != 0) {
		lp_diag(p, ps[0].line, ps[0].col,
			"OVERLAY='%s' is not supported: only tmpfs overlays exist; %s", shown,
			hint);
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
		lp_diag(p, at->line, at->col, "OVERLAY size '%.*s' is not valid: %s",
			(int)(len - d), s + d, hint);
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
				lp_diag(p, dup->line, dup->col,
					"'%s' is already a %s by default (%s is not set): set %s "
					"explicitly, or remove this entry",
					dup->path, kind_name(first->kind), first->var, first->var);
			else
				lp_diag(
				    p, dup->line, dup->col,
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
		const char *name = lp_var_names[t[k].id];
		if (path_within(it->path, t[k].path)) {
			lp_diag(
			    p, it->line, it->col,
			    "%s '%s' is %s %s (%s), where sealroot keeps its own mounts: remove it",
			    kind_name(it->kind), it->path,
			    streq(it->path, t[k].path) ? "the same as" : "inside", name, t[k].path);
			it->ok = false;
		} else if (in_use[k] && path_within(t[k].path, it->path)) {
			lp_diag(p, it->line, it->col,
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
		it->var = lp_var_names[id];
		it->kind = kind;
		it->ok = true;
		it->path = strdup(LAYOUT_DEFAULT_TMPFS_OVERLAYS);
		return it->path ? 0 : -ENOMEM;
	}

	while ((start = value_next_item(v, &k, &len)), len > 0) {
		if (*n >= LAYOUT_ENTRIES_MAX) {
			if (!*too_many)
				lp_diag(p, v->p[start].line, v->p[start].col,
					"too many paths: at most %d entries are allowed in "
					"TMPFS_OVERLAYS_PATHS and PERSISTENT_BIND_PATHS together",
					LAYOUT_ENTRIES_MAX);
			*too_many = true;
			return 0;
		}
		if (range_bad(v, start, len) || !check_path(p, v, start, len, lp_var_names[id]))
			continue;
		it = items_add(items, n, cap);
		if (!it)
			return -ENOMEM;
		it->var = lp_var_names[id];
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
			lp_diag(p, it->line, it->col,
				"'%s' in REQUIRED_PATHS is not listed in TMPFS_OVERLAYS_PATHS or "
				"PERSISTENT_BIND_PATHS: add it there, or remove it here",
				it->path);
			continue;
		}
		if (id == VAR_PERSISTENT_BIND_FILES &&
		    (!found || (*found)->kind != LAYOUT_PERSISTENT_BIND)) {
			lp_diag(p, it->line, it->col,
				"'%s' in PERSISTENT_BIND_FILES is not listed in "
				"PERSISTENT_BIND_PATHS%s: add it there, or remove it here",
				it->path, found ? " (a tmpfs overlay is always a directory)" : "");
			continue;
		}
		bool *flag = id == VAR_REQUIRED_PATHS ? &(*found)->required : &(*found)->file;
		if (*flag) {
			lp_diag(p, it->line, it->col,
				"'%s' is listed twice in %s; remove one of them", it->path,
				lp_var_names[id]);
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

int lp_validate(struct parser *p, struct layout *l)
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
		lp_diag(p, later->line, later->col,
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
