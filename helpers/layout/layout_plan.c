// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * layout_plan.c — turn a parsed layout into the ordered list of mounts.
 *
 * Order: the one tmpfs (when there is any overlay), then the entries by
 * depth (number of path components), ties in file order.  A path's
 * ancestors have fewer components, so they are always mounted first: /etc
 * as an overlay before /etc/ssh bound on top of it.  O(n log n).
 */
#include <json-c/json.h>

#include "json_util.h"
#include "layout.h"
#include "util.h"

const char *layout_op_kind_to_string(enum layout_op_kind k)
{
	switch (k) {
	case LAYOUT_OP_TMPFS:
		return "tmpfs";
	case LAYOUT_OP_OVERLAY:
		return "overlay";
	case LAYOUT_OP_BIND:
		return "bind";
	}
	return "unknown";
}

struct sort_key {
	size_t depth, index;
};

static int sort_key_cmp(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static size_t path_depth(const char *path)
{
	size_t d = 0;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			d++;
	return d;
}

static char *concat(const char *a, const char *b, const char *c)
{
	char *s;
	if (asprintf(&s, "%s%s%s", a, b, c) < 0)
		return NULL;
	return s;
}

int layout_plan_build(const struct layout *l, struct layout_plan *ret)
{
	_cleanup_free_ struct sort_key *keys = NULL;
	struct layout_plan plan = { .layout = l };
	bool any_overlay = false;

	*ret = (struct layout_plan){ .layout = l };
	keys = calloc(l->n_entries ? l->n_entries : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t k = 0; k < l->n_entries; k++) {
		keys[k] = (struct sort_key){ .depth = path_depth(l->entries[k].path), .index = k };
		if (l->entries[k].kind == LAYOUT_TMPFS_OVERLAY)
			any_overlay = true;
	}
	qsort(keys, l->n_entries, sizeof(*keys), sort_key_cmp);

	plan.ops = calloc(l->n_entries + 1, sizeof(*plan.ops));
	if (!plan.ops)
		return -ENOMEM;

	if (any_overlay) {
		struct layout_op *op = &plan.ops[plan.n_ops++];
		op->kind = LAYOUT_OP_TMPFS;
		op->target = strdup(l->tmpfs_overlay_target);
		if (!op->target)
			goto oom;
	}
	for (size_t k = 0; k < l->n_entries; k++) {
		const struct layout_entry *e = &l->entries[keys[k].index];
		struct layout_op *op = &plan.ops[plan.n_ops++];

		op->entry = e;
		op->target = strdup(e->path);
		if (!op->target)
			goto oom;
		if (e->kind == LAYOUT_PERSISTENT_BIND) {
			op->kind = LAYOUT_OP_BIND;
			op->source = concat(l->persistent_bind_target, e->path, "");
			if (!op->source)
				goto oom;
		} else {
			op->kind = LAYOUT_OP_OVERLAY;
			op->upper = concat(l->tmpfs_overlay_target, e->path, "/upper");
			op->work = concat(l->tmpfs_overlay_target, e->path, "/work");
			if (!op->upper || !op->work)
				goto oom;
		}
	}
	*ret = plan;
	return 0;
oom:
	layout_plan_done(&plan);
	return -ENOMEM;
}

void layout_plan_done(struct layout_plan *p)
{
	if (!p)
		return;
	for (size_t k = 0; k < p->n_ops; k++) {
		free(p->ops[k].target);
		free(p->ops[k].source);
		free(p->ops[k].upper);
		free(p->ops[k].work);
	}
	free(p->ops);
	*p = (struct layout_plan){};
}

void layout_plan_print(const struct layout_plan *p, FILE *out)
{
	int width = 6;
	for (size_t k = 0; k < p->n_ops; k++) {
		size_t n = strlen(p->ops[k].target);
		if (n > (size_t)width)
			width = n > 200 ? 200 : (int)n;
	}

	fprintf(out, "STEP OP      LINE %-*s  FROM\n", width, "TARGET");
	for (size_t k = 0; k < p->n_ops; k++) {
		const struct layout_op *op = &p->ops[k];
		char line[16] = "-";
		if (op->entry && op->entry->line > 0)
			snprintf(line, sizeof(line), "%u", op->entry->line);

		fprintf(out, "%4zu %-7s %4s %-*s  ", k + 1, layout_op_kind_to_string(op->kind),
			line, width, op->target);
		switch (op->kind) {
		case LAYOUT_OP_TMPFS:
			fprintf(out, "tmpfs size=%s\n",
				p->layout && p->layout->overlay_size ? p->layout->overlay_size
								     : "?");
			break;
		case LAYOUT_OP_OVERLAY:
			fprintf(out, "upper=%s work=%s\n", op->upper, op->work);
			break;
		case LAYOUT_OP_BIND:
			fprintf(out, "%s\n", op->source);
			break;
		}
	}
}

static int add_string(json_object *o, const char *key, const char *value)
{
	json_object *s = json_object_new_string(value);
	if (!s)
		return -ENOMEM;
	if (json_object_object_add(o, key, s) < 0) {
		json_object_put(s);
		return -ENOMEM;
	}
	return 0;
}

static json_object *op_to_json(const struct layout_plan *p, const struct layout_op *op)
{
	json_object *o = json_object_new_object(), *line;
	int r;

	if (!o)
		return NULL;
	r = add_string(o, "op", layout_op_kind_to_string(op->kind));
	if (r == 0)
		r = add_string(o, "target", op->target);
	if (r == 0 && op->kind == LAYOUT_OP_TMPFS && p->layout && p->layout->overlay_size)
		r = add_string(o, "size", p->layout->overlay_size);
	if (r == 0 && op->source)
		r = add_string(o, "source", op->source);
	if (r == 0 && op->upper)
		r = add_string(o, "upper", op->upper);
	if (r == 0 && op->work)
		r = add_string(o, "work", op->work);
	if (r == 0) {
		/* null: the tmpfs, or an entry that comes from a default */
		line = op->entry && op->entry->line > 0
			   ? json_object_new_int64((int64_t)op->entry->line)
			   : NULL;
		if ((op->entry && op->entry->line > 0 && !line) ||
		    json_object_object_add(o, "line", line) < 0) {
			json_object_put(line);
			r = -ENOMEM;
		}
	}
	/* The marks of REQUIRED_PATHS and PERSISTENT_BIND_FILES. */
	if (r == 0 && op->entry)
		r = json_add_bool(o, "required", op->entry->required);
	if (r == 0 && op->kind == LAYOUT_OP_BIND)
		r = json_add_bool(o, "file", op->entry && op->entry->file);
	if (r < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int layout_plan_print_json(const struct layout_plan *p, FILE *out)
{
	json_object *a = json_object_new_array();
	if (!a)
		return -ENOMEM;
	for (size_t k = 0; k < p->n_ops; k++) {
		json_object *o = op_to_json(p, &p->ops[k]);
		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			json_object_put(a);
			return -ENOMEM;
		}
	}
	const char *s = json_object_to_json_string_ext(
	    a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = 0;
	if (!s)
		r = -ENOMEM;
	else if (fprintf(out, "%s\n", s) < 0)
		r = -EIO;
	json_object_put(a);
	return r;
}
