// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c — add one stage to the boot report, see report.h.
 *
 * File format (version 1):
 *   {"version":1,"boot_id":"…","stages":[{"name":"verity","start_us":…,
 *    "end_us":…,"duration_us":…,"result":"ok"|"failed","error":null|"text",
 *    "errno":0|N, <string or integer fields set by the stage, e.g. "steps"
 *    (steps.h) and "overlaps" (below); one named like
 *    a key of the stage itself ("name", "result", …) is stored as "field_KEY">,
 *    "entries":[{"path":…,"kind":…,"result":…,"message":…}]}]}
 *
 * Times are CLOCK_BOOTTIME microseconds, comparable with the kernel log.
 * Writers serialise on an flock of the report's directory, read the current
 * file, replace a stage of the same name (a re-run) or append, and rename a
 * fully written temporary file over the report.  A report that cannot be
 * parsed, or that belongs to another boot, is replaced (with a warning).
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "json_util.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "report.h"
#include "steps.h"

#define REPORT_VERSION 1
#define REPORT_FILE_MAX (4 * 1024 * 1024)

struct report_stage {
	char *name;
	usec_t start_us;
	json_object *obj;     /* the stage as it will be written */
	json_object *entries; /* owned by obj */
};

static const char *const reserved_keys[] = {
	"name", "start_us", "end_us", "duration_us", "result", "error", "errno", "entries",
};

static bool key_is_reserved(const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(reserved_keys); i++)
		if (streq(key, reserved_keys[i]))
			return true;
	return false;
}

static void report_stage_free(struct report_stage *s)
{
	if (!s)
		return;
	json_object_put(s->obj);
	free(s->name);
	free(s);
}

struct report_stage *report_stage_begin(const char *name)
{
	struct report_stage *s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->name = strdup(name);
	s->obj = json_object_new_object();
	s->entries = json_object_new_array();
	if (!s->name || !s->obj || !s->entries) {
		json_object_put(s->entries);
		report_stage_free(s);
		goto oom;
	}
	s->start_us = now_usec(CLOCK_BOOTTIME);
	log_info("stage %s started", name);
	return s;
oom:
	log_warning("Out of memory starting report stage '%s'; this stage will be missing from "
		    "%s",
		    name, SEALROOT_REPORT_PATH);
	return NULL;
}

/* A field whose key is one of the stage's own keys is stored as "field_KEY". */
static void stage_add(struct report_stage *s, const char *key, json_object *v)
{
	_cleanup_free_ char *renamed = NULL;
	if (key_is_reserved(key)) {
		if (asprintf(&renamed, "field_%s", key) < 0) {
			json_object_put(v);
			log_warning("report: out of memory recording field '%s' of stage '%s'", key,
				    s->name);
			return;
		}
		log_debug("report: stage '%s' field '%s' is stored as '%s' (reserved name)",
			  s->name, key, renamed);
		key = renamed;
	}
	if (json_object_object_add(s->obj, key, v) < 0) {
		json_object_put(v);
		log_warning("report: out of memory recording field '%s' of stage '%s'", key,
			    s->name);
	}
}

void report_stage_set(struct report_stage *s, const char *key, const char *value)
{
	if (!s || !key)
		return;
	json_object *v = NULL; /* NULL value: JSON null */
	if (value && !(v = json_object_new_string(value))) {
		log_warning("report: out of memory recording field '%s' of stage '%s'", key,
			    s->name);
		return;
	}
	stage_add(s, key, v);
}

void report_stage_set_u64(struct report_stage *s, const char *key, uint64_t value)
{
	if (!s || !key)
		return;
	json_object *v = json_object_new_uint64(value);
	if (!v) {
		log_warning("report: out of memory recording field '%s' of stage '%s'", key,
			    s->name);
		return;
	}
	stage_add(s, key, v);
}

void report_stage_add_entry(struct report_stage *s, const char *path, const char *kind,
			    const char *result, const char *message)
{
	if (!s)
		return;
	json_object *e = json_object_new_object();
	if (!e || json_add_string(e, "path", path) < 0 || json_add_string(e, "kind", kind) < 0 ||
	    json_add_string(e, "result", result) < 0 ||
	    (message && json_add_string(e, "message", message) < 0) ||
	    json_object_array_add(s->entries, e) < 0) {
		json_object_put(e);
		log_warning("report: out of memory recording entry %s of stage '%s'",
			    path ? path : "(null)", s->name);
	}
}

void report_stage_append(struct report_stage *s, const char *list, ...)
{
	if (!s || !list)
		return;
	json_object *arr = NULL, *item = json_object_new_object();
	bool ok = item != NULL;
	va_list ap;

	va_start(ap, list);
	for (const char *key; ok && (key = va_arg(ap, const char *));)
		ok = json_add_string(item, key, va_arg(ap, const char *)) == 0;
	va_end(ap);
	if (ok && !json_object_object_get_ex(s->obj, list, &arr)) {
		arr = json_object_new_array();
		ok = arr && json_object_object_add(s->obj, list, arr) == 0;
		if (!ok)
			json_object_put(arr);
	}
	if (ok && json_object_is_type(arr, json_type_array) &&
	    json_object_array_add(arr, item) == 0)
		return;
	json_object_put(item);
	log_warning("report: out of memory recording an item of '%s' in stage '%s'", list, s->name);
}

void report_stage_take_steps(struct report_stage *s)
{
	const struct step_mark *marks;
	char text[STEPS_TEXT_MAX];
	size_t dropped, n = steps_get(&marks, &dropped);

	if (!s) {
		steps_reset();
		return;
	}
	if (steps_format(marks, n, dropped, s->start_us, text, sizeof(text)) < 0)
		log_warning("report: stage '%s' had more steps than its report holds; the "
			    "list ends in \"…\"",
			    s->name);
	steps_reset();
	report_stage_set(s, "steps", text);
}

static const char *report_path(void)
{
	const char *p = getenv("SEALROOT_REPORT");
	return p && *p ? p : SEALROOT_REPORT_PATH;
}

/* Reads /proc/sys/kernel/random/boot_id into buf ("" when unavailable). */
static void read_boot_id(char *buf, size_t size)
{
	buf[0] = 0;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	(void)fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/* Reads the report at fd; returns a new object, or NULL when empty/invalid
 * (why is logged as a warning). */
static json_object *read_existing(const char *path, const char *boot_id)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warning_errno(
			    -errno, "report: cannot read %s (%m); starting a new report", path);
		return NULL;
	}
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	int r = read_fd_bounded(fd, REPORT_FILE_MAX, &buf, &n);
	if (r == -EFBIG) {
		log_warning("report: %s is larger than %d bytes; replacing it", path,
			    REPORT_FILE_MAX);
		return NULL;
	}
	if (r < 0) {
		log_warning_errno(r, "report: cannot read %s (%m); replacing it", path);
		return NULL;
	}
	if (n == 0)
		return NULL;

	json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_object *root = json_tokener_parse_ex(tok, buf, (int)n);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t parsed = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	json_object *version, *stages, *bid;
	const char *why = NULL;
	if (jerr != json_tokener_success || !root)
		why =
		    jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "empty document";
	else if (strspn(buf + parsed, " \t\r\n") != n - parsed)
		why = "trailing data after the JSON document";
	else if (!json_object_is_type(root, json_type_object))
		why = "not a JSON object";
	else if (!json_object_object_get_ex(root, "version", &version) ||
		 json_object_get_int(version) != REPORT_VERSION)
		why = "unknown report version";
	else if (!json_object_object_get_ex(root, "stages", &stages) ||
		 !json_object_is_type(stages, json_type_array))
		why = "no \"stages\" list";
	else if (boot_id[0] && json_object_object_get_ex(root, "boot_id", &bid) &&
		 json_object_is_type(bid, json_type_string) &&
		 !streq(json_object_get_string(bid), boot_id)) {
		/* Not an error: a report left over from an earlier boot. */
		log_info("report: %s is from another boot; starting a new report", path);
		json_object_put(root);
		return NULL;
	}
	if (why) {
		log_warning("report: %s is not a valid sealroot report (%s); replacing it", path,
			    why);
		json_object_put(root);
		return NULL;
	}
	return root;
}

static json_object *new_report(const char *boot_id)
{
	json_object *root = json_object_new_object();
	if (!root)
		return NULL;
	if (json_object_object_add(root, "version", json_object_new_int(REPORT_VERSION)) < 0 ||
	    json_add_string(root, "boot_id", boot_id[0] ? boot_id : NULL) < 0 ||
	    json_object_object_add(root, "stages", json_object_new_array()) < 0) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

/* Put stage (reference taken) into root's stage list, replacing one of the same name. */
static int merge_stage(json_object *root, const char *name, json_object *stage)
{
	json_object *stages;
	if (!json_object_object_get_ex(root, "stages", &stages))
		return -EINVAL;
	size_t n = json_object_array_length(stages);
	for (size_t i = 0; i < n; i++) {
		json_object *old = json_object_array_get_idx(stages, i), *oname;
		if (json_object_object_get_ex(old, "name", &oname) &&
		    json_object_is_type(oname, json_type_string) &&
		    streq(json_object_get_string(oname), name))
			return json_object_array_put_idx(stages, i, stage) < 0 ? -ENOMEM : 0;
	}
	return json_object_array_add(stages, stage) < 0 ? -ENOMEM : 0;
}

static uint64_t stage_u64(json_object *stage, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(stage, key, &v) ? json_object_get_uint64(v) : 0;
}

/* Each stage's "overlaps": the stages that ran while it ran and for how long
 * ("verity 850.0 ms", comma-separated; "" for none).  The persistent
 * partition's unlock runs beside the verity stage in the systemd initramfs. */
static int mark_overlaps(json_object *root)
{
	json_object *stages;
	if (!json_object_object_get_ex(root, "stages", &stages))
		return -EINVAL;
	size_t n = json_object_array_length(stages);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(stages, i);
		char text[256] = "";
		size_t len = 0;
		for (size_t j = 0; j < n; j++) {
			json_object *t = json_object_array_get_idx(stages, j), *name;
			uint64_t s0 = stage_u64(s, "start_us"), t0 = stage_u64(t, "start_us");
			uint64_t s1 = stage_u64(s, "end_us"), t1 = stage_u64(t, "end_us");
			uint64_t start = s0 > t0 ? s0 : t0, end = s1 < t1 ? s1 : t1;
			if (j == i || end <= start || !json_object_object_get_ex(t, "name", &name))
				continue;
			int w =
			    snprintf(text + len, sizeof(text) - len, "%s%s %.1f ms", len ? "," : "",
				     json_object_get_string(name), (double)(end - start) / 1000.0);
			if (w < 0 || (size_t)w >= sizeof(text) - len)
				break;
			len += (size_t)w;
		}
		if (json_add_string(s, "overlaps", text) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Writes root to path via a temporary file in the same directory. */
static int write_atomic(const char *path, json_object *root)
{
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_PRETTY_TAB |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		return -ENOMEM;
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = 0;
	if (fchmod(fd, 0644) < 0)
		r = -errno;
	if (r == 0)
		r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

static int report_merge(const char *path, const char *name, json_object *stage)
{
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = 0;
	else if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");

	int r = mkdir_p(dir);
	if (r < 0)
		return log_warning_errno(r, "report: cannot create directory %s: %m", dir);

	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return log_warning_errno(-errno, "report: cannot open directory %s: %m", dir);
	if (RETRY_ON_EINTR(flock(dfd, LOCK_EX)) < 0)
		return log_warning_errno(-errno, "report: cannot lock %s: %m", dir);

	char boot_id[64];
	read_boot_id(boot_id, sizeof(boot_id));
	json_object *root = read_existing(path, boot_id);
	if (!root)
		root = new_report(boot_id);
	if (!root)
		return log_warning_errno(-ENOMEM, "report: cannot build %s: %m", path);

	json_object_get(stage);
	r = merge_stage(root, name, stage);
	if (r < 0)
		json_object_put(stage);
	else {
		r = mark_overlaps(root);
		if (r >= 0)
			r = write_atomic(path, root);
	}
	json_object_put(root);
	if (r < 0)
		return log_warning_errno(r, "report: cannot write %s: %m", path);
	return 0;
	/* The lock is released when dfd is closed. */
}

void report_stage_end(struct report_stage *s, int r)
{
	if (!s)
		return;
	usec_t end = now_usec(CLOCK_BOOTTIME);
	usec_t duration = end >= s->start_us ? end - s->start_us : 0;
	const char *result = r < 0 ? "failed" : "ok";

	json_object *o = s->obj;
	bool oom = json_object_object_add(o, "name", json_object_new_string(s->name)) < 0;
	oom |= json_object_object_add(o, "start_us", json_object_new_uint64(s->start_us)) < 0;
	oom |= json_object_object_add(o, "end_us", json_object_new_uint64(end)) < 0;
	oom |= json_object_object_add(o, "duration_us", json_object_new_uint64(duration)) < 0;
	oom |= json_add_string(o, "result", result) < 0;
	oom |= json_add_string(o, "error", r < 0 ? strerror(-r) : NULL) < 0;
	oom |= json_object_object_add(o, "errno", json_object_new_int(r < 0 ? -r : 0)) < 0;
	if (!oom) {
		oom = json_object_object_add(o, "entries", s->entries) < 0;
		if (oom)
			json_object_put(s->entries);
	} else
		json_object_put(s->entries);
	s->entries = NULL;

	if (r < 0)
		log_notice("stage %s failed %.1f ms: %s", s->name, (double)duration / 1000.0,
			   strerror(-r));
	else
		log_notice("stage %s ok %.1f ms", s->name, (double)duration / 1000.0);

	if (oom)
		log_warning("report: out of memory; stage '%s' not recorded", s->name);
	else
		(void)report_merge(report_path(), s->name, o);
	report_stage_free(s);
}
