// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for report.c (the boot report) and `sealroot status`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "commands.h"
#include "log.h"
#include "report.h"
#include "steps.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/sealroot-report.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* A missing subdirectory: report.c must create it. */
	snprintf(f->path, sizeof(f->path), "%s/run/sealroot/report.json", f->dir);
	assert_int_equal(setenv("SEALROOT_REPORT", f->path, 1), 0);
	log_set_max_level(LOG_LEVEL_ERR);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("SEALROOT_REPORT");
	free(f);
	return 0;
}

static json_object *load(const struct fixture *f)
{
	json_object *root = json_object_from_file(f->path);
	assert_non_null(root);
	return root;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static json_object *stage_at(json_object *root, size_t i)
{
	json_object *stages = get(root, "stages");
	assert_true(json_object_is_type(stages, json_type_array));
	assert_true(i < json_object_array_length(stages));
	return json_object_array_get_idx(stages, i);
}

static void test_report_stages_merge_across_processes(void **state)
{
	struct fixture *f = *state;

	/* "Process" 1: verity. */
	struct report_stage *s = report_stage_begin("verity");
	assert_non_null(s);
	report_stage_set(s, "device", "/dev/vda2");
	report_stage_set_u64(s, "data_blocks", 12345);
	report_stage_end(s, 0);

	/* "Process" 2: layout, failing, with entries. */
	s = report_stage_begin("layout");
	report_stage_add_entry(s, "/etc/ssh", "bind", "ok", NULL);
	report_stage_add_entry(s, "/var", "tmpfs-overlay", "failed", "mount: Permission denied");
	report_stage_end(s, -EACCES);

	json_object *root = load(f);
	assert_int_equal(json_object_get_int(get(root, "version")), 1);
	assert_int_equal(json_object_array_length(get(root, "stages")), 2);

	json_object *v = stage_at(root, 0);
	assert_string_equal(json_object_get_string(get(v, "name")), "verity");
	assert_string_equal(json_object_get_string(get(v, "result")), "ok");
	assert_true(json_object_is_type(get(v, "error"), json_type_null));
	assert_string_equal(json_object_get_string(get(v, "device")), "/dev/vda2");
	assert_int_equal(json_object_get_uint64(get(v, "data_blocks")), 12345);
	uint64_t start = json_object_get_uint64(get(v, "start_us"));
	uint64_t end = json_object_get_uint64(get(v, "end_us"));
	assert_true(start > 0 && end >= start);
	assert_int_equal(json_object_get_uint64(get(v, "duration_us")), end - start);
	assert_int_equal(json_object_array_length(get(v, "entries")), 0);

	json_object *l = stage_at(root, 1);
	assert_string_equal(json_object_get_string(get(l, "name")), "layout");
	assert_string_equal(json_object_get_string(get(l, "result")), "failed");
	assert_string_equal(json_object_get_string(get(l, "error")), strerror(EACCES));
	assert_int_equal(json_object_get_int(get(l, "errno")), EACCES);
	assert_true(json_object_get_uint64(get(l, "start_us")) >= end);
	json_object *entries = get(l, "entries");
	assert_int_equal(json_object_array_length(entries), 2);
	json_object *e = json_object_array_get_idx(entries, 1);
	assert_string_equal(json_object_get_string(get(e, "path")), "/var");
	assert_string_equal(json_object_get_string(get(e, "kind")), "tmpfs-overlay");
	assert_string_equal(json_object_get_string(get(e, "message")), "mount: Permission denied");
	json_object_put(root);
}

static void test_report_append_builds_a_list_field(void **state)
{
	struct fixture *f = *state;
	struct report_stage *s = report_stage_begin("layout");
	report_stage_append(s, "migration", "from", "/p/etc-ssh.bind", "to", "/p/etc/ssh", "result",
			    "migrated", NULL);
	report_stage_append(s, "migration", "from", "/p/x.bind", "to", NULL, NULL);
	report_stage_append(NULL, "migration", "from", "ignored", NULL);
	report_stage_end(s, 0);

	json_object *root = load(f);
	json_object *list = get(stage_at(root, 0), "migration");
	assert_true(json_object_is_type(list, json_type_array));
	assert_int_equal(json_object_array_length(list), 2);
	json_object *m = json_object_array_get_idx(list, 0);
	assert_string_equal(json_object_get_string(get(m, "from")), "/p/etc-ssh.bind");
	assert_string_equal(json_object_get_string(get(m, "to")), "/p/etc/ssh");
	assert_string_equal(json_object_get_string(get(m, "result")), "migrated");
	m = json_object_array_get_idx(list, 1);
	assert_true(json_object_is_type(get(m, "to"), json_type_null));
	assert_int_equal(json_object_object_length(m), 2);
	json_object_put(root);
}

static void test_report_rerun_stage_replaces_it(void **state)
{
	struct fixture *f = *state;
	report_stage_end(report_stage_begin("persist"), -EIO);
	report_stage_end(report_stage_begin("layout"), 0);
	report_stage_end(report_stage_begin("persist"), 0);

	json_object *root = load(f);
	assert_int_equal(json_object_array_length(get(root, "stages")), 2);
	json_object *p = stage_at(root, 0);
	assert_string_equal(json_object_get_string(get(p, "name")), "persist");
	assert_string_equal(json_object_get_string(get(p, "result")), "ok");
	json_object_put(root);
}

/* Two stages that ran at the same time (the unlock beside the verity
 * stage) name each other in "overlaps"; a stage after both names neither. */
static void test_report_overlapping_stages_name_each_other(void **state)
{
	struct fixture *f = *state;
	struct report_stage *verity = report_stage_begin("verity");
	struct report_stage *persist = report_stage_begin("persist");
	assert_int_equal(usleep(3000), 0);
	report_stage_end(persist, 0);
	report_stage_end(verity, 0);
	report_stage_end(report_stage_begin("layout"), 0);

	json_object *root = load(f);
	json_object *p = stage_at(root, 0), *v = stage_at(root, 1), *l = stage_at(root, 2);
	assert_string_equal(json_object_get_string(get(p, "name")), "persist");
	uint64_t both =
	    json_object_get_uint64(get(p, "end_us")) - json_object_get_uint64(get(p, "start_us"));
	assert_true(both >= 3000);
	char want[64];
	snprintf(want, sizeof(want), "verity %.1f ms", (double)both / 1000.0);
	assert_string_equal(json_object_get_string(get(p, "overlaps")), want);
	snprintf(want, sizeof(want), "persist %.1f ms", (double)both / 1000.0);
	assert_string_equal(json_object_get_string(get(v, "overlaps")), want);
	assert_string_equal(json_object_get_string(get(l, "overlaps")), "");
	json_object_put(root);
}

static void test_report_file_and_dir_modes(void **state)
{
	struct fixture *f = *state;
	umask(077);
	report_stage_end(report_stage_begin("verity"), 0);
	umask(022);

	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	char dir[160];
	snprintf(dir, sizeof(dir), "%s/run/sealroot", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void write_file(const char *path, const char *text)
{
	FILE *out = fopen(path, "we");
	assert_non_null(out);
	assert_int_equal(fputs(text, out) >= 0, 1);
	assert_int_equal(fclose(out), 0);
}

static void check_bad_report_replaced(struct fixture *f, const char *bad)
{
	/* Create the directory, then plant the bad file. */
	report_stage_end(report_stage_begin("setup"), 0);
	write_file(f->path, bad);

	report_stage_end(report_stage_begin("verity"), 0);
	json_object *root = load(f);
	assert_int_equal(json_object_array_length(get(root, "stages")), 1);
	assert_string_equal(json_object_get_string(get(stage_at(root, 0), "name")), "verity");
	json_object_put(root);
}

static void test_report_replaces_truncated_json(void **state)
{
	check_bad_report_replaced(*state, "{\"version\":1,\"stages\":[{\"name\":");
}

static void test_report_replaces_non_object_json(void **state)
{
	check_bad_report_replaced(*state, "[1,2,3]\n");
}

static void test_report_replaces_wrong_stages_type(void **state)
{
	check_bad_report_replaced(*state, "{\"version\":1,\"stages\":\"nope\"}");
}

static void test_report_replaces_binary_garbage(void **state)
{
	check_bad_report_replaced(*state, "\x01\x02\xff\xfe garbage");
}

static void test_report_replaces_report_of_other_boot(void **state)
{
	check_bad_report_replaced(
	    *state,
	    "{\"version\":1,\"boot_id\":\"00000000-0000-0000-0000-000000000000\",\"stages\":"
	    "[{\"name\":\"persist\",\"result\":\"ok\"}]}");
}

static void test_report_reserved_field_is_renamed(void **state)
{
	struct fixture *f = *state;
	struct report_stage *s = report_stage_begin("verity");
	report_stage_set(s, "result", "forged");
	report_stage_set(s, "name", "root");
	report_stage_set(s, "root_hash", "abcd");
	report_stage_end(s, -EIO);

	json_object *root = load(f);
	json_object *v = stage_at(root, 0);
	assert_string_equal(json_object_get_string(get(v, "result")), "failed");
	assert_string_equal(json_object_get_string(get(v, "name")), "verity");
	assert_string_equal(json_object_get_string(get(v, "field_result")), "forged");
	assert_string_equal(json_object_get_string(get(v, "field_name")), "root");
	assert_string_equal(json_object_get_string(get(v, "root_hash")), "abcd");
	json_object_put(root);
}

static void test_report_null_stage_is_accepted(void **state)
{
	(void)state;
	report_stage_set(NULL, "a", "b");
	report_stage_set_u64(NULL, "a", 1);
	report_stage_add_entry(NULL, "/x", "bind", "ok", NULL);
	report_stage_end(NULL, 0);
}

/* cmd_status with stdout going to OUT. */
static int run_status_to(const char *out, const char *opt1, const char *opt2)
{
	char *argv[] = { "status", (char *)opt1, (char *)opt2, NULL };
	int argc = 1 + (opt1 != NULL) + (opt2 != NULL);
	optind = 0;
	FILE *saved = stdout;
	stdout = fopen(out, "we");
	assert_non_null(stdout);
	int r = cmd_status(argc, argv);
	fclose(stdout);
	stdout = saved;
	return r;
}

static int run_status(const char *opt1, const char *opt2)
{
	return run_status_to("/dev/null", opt1, opt2);
}

/* The table 'sealroot status' prints (exit 0 expected) into BUF. */
static void status_text(const struct fixture *f, char *buf, size_t size)
{
	char out[256];
	snprintf(out, sizeof(out), "%s/status.txt", f->dir);
	assert_int_equal(run_status_to(out, NULL, NULL), 0);
	FILE *in = fopen(out, "r");
	assert_non_null(in);
	size_t n = fread(buf, 1, size - 1, in);
	assert_true(n > 0);
	buf[n] = '\0';
	fclose(in);
}

static void test_status_missing_report_fails(void **state)
{
	(void)state;
	assert_int_equal(run_status(NULL, NULL), 1);
	assert_int_equal(run_status("--json", NULL), 1);
}

static void test_status_ok_report_succeeds(void **state)
{
	struct fixture *f = *state;
	struct report_stage *s = report_stage_begin("layout");
	report_stage_add_entry(s, "/etc/ssh", "bind", "ok", NULL);
	report_stage_end(s, 0);
	assert_int_equal(run_status(NULL, NULL), 0);
	assert_int_equal(run_status("--json", NULL), 0);
	assert_int_equal(run_status("--file", f->path), 0);
}

static void test_status_shows_the_migration_list(void **state)
{
	struct fixture *f = *state;
	char buf[4096] = "";
	struct report_stage *s = report_stage_begin("layout");
	report_stage_append(s, "migration", "from", "/p/etc-ssh.bind", "to", "/p/etc/ssh", "result",
			    "conflict", "message", "both kept", NULL);
	report_stage_end(s, 0);

	status_text(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "MIGRATION"));
	assert_non_null(strstr(buf, "conflict"));
	assert_non_null(strstr(buf, "/p/etc-ssh.bind"));
	assert_non_null(strstr(buf, "both kept"));
	/* The list is a table of its own, not squeezed into the stage's fields. */
	assert_null(strstr(buf, "migration="));
}

/* The marks of steps.h become the stage's "steps", counted from its start,
 * and are forgotten; status shows the list whole, however long. */
static void test_report_stage_takes_the_steps(void **state)
{
	struct fixture *f = *state;
	char buf[4096] = "";
	const struct step_mark *marks;

	steps_reset();
	step_mark("stale"); /* before the stage: counts as 0.0 */
	struct report_stage *s = report_stage_begin("persist");
	step_mark("device");
	step_mark("classified");
	step_mark("unsealed");
	step_mark("keyslot");
	report_stage_take_steps(s);
	assert_int_equal(steps_get(&marks, NULL), 0);
	report_stage_end(s, 0);

	json_object *root = load(f), *st = stage_at(root, 0);
	char text[STEPS_TEXT_MAX];
	snprintf(text, sizeof(text), "%s", json_object_get_string(get(st, "steps")));
	unsigned a, b, c, d, e;
	char tail[8] = "";
	/* Each NAME@MS with one decimal, in order; none after the stage's end. */
	assert_int_equal(sscanf(text,
				"stale@0.0,device@%u.%1u,classified@%*u.%1u,unsealed@%*u.%1u,"
				"keyslot@%u.%1u%7s",
				&a, &b, &c, &d, &e, &e, tail),
			 6);
	double last = 0, total = (double)json_object_get_uint64(get(st, "duration_us")) / 1000.0;
	for (const char *p = strchr(text, '@'); p; p = strchr(p + 1, '@')) {
		double ms = strtod(p + 1, NULL);
		assert_true(ms >= last);
		last = ms;
	}
	assert_true(last <= total + 0.05);
	json_object_put(root);

	status_text(f, buf, sizeof(buf));
	char want[STEPS_TEXT_MAX + 8];
	snprintf(want, sizeof(want), "steps=%s ", text);
	assert_non_null(strstr(buf, want));

	/* A stage with no marks says so with an empty list; a NULL stage only forgets them. */
	s = report_stage_begin("persist-mount");
	report_stage_take_steps(s);
	report_stage_end(s, 0);
	root = load(f);
	assert_string_equal(json_object_get_string(get(stage_at(root, 1), "steps")), "");
	json_object_put(root);
	step_mark("x");
	report_stage_take_steps(NULL);
	assert_int_equal(steps_get(&marks, NULL), 0);
}

static void test_status_failed_stage_exits_1(void **state)
{
	(void)state;
	report_stage_end(report_stage_begin("verity"), 0);
	report_stage_end(report_stage_begin("persist"), -ENOKEY);
	assert_int_equal(run_status(NULL, NULL), 1);
}

/* Every negative errno is a failure, EPERM (1) and the largest alike. */
static void test_report_every_error_is_failed(void **state)
{
	struct fixture *f = *state;
	static const int errs[] = { -EPERM, -EKEYREJECTED, -4095 };
	char name[16];

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		snprintf(name, sizeof(name), "stage%zu", i);
		report_stage_end(report_stage_begin(name), errs[i]);
	}
	json_object *root = load(f);
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		json_object *s = stage_at(root, i);
		assert_string_equal(json_object_get_string(get(s, "result")), "failed");
		assert_int_equal(json_object_get_int(get(s, "errno")), -errs[i]);
		assert_string_equal(json_object_get_string(get(s, "error")), strerror(-errs[i]));
	}
	json_object_put(root);
	assert_int_equal(run_status(NULL, NULL), 1);
}

static void test_status_invalid_report_exits_1(void **state)
{
	struct fixture *f = *state;
	report_stage_end(report_stage_begin("verity"), 0);
	write_file(f->path, "{not json");
	assert_int_equal(run_status(NULL, NULL), 1);
	write_file(f->path, "{\"stages\":7}");
	assert_int_equal(run_status(NULL, NULL), 1);
}

static void test_status_usage_error(void **state)
{
	(void)state;
	assert_int_equal(run_status("--bogus", NULL), EXIT_USAGE);
	assert_int_equal(run_status("extra", NULL), EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_report_stages_merge_across_processes),
		T(test_report_append_builds_a_list_field),
		T(test_report_rerun_stage_replaces_it),
		T(test_report_overlapping_stages_name_each_other),
		T(test_report_file_and_dir_modes),
		T(test_report_replaces_truncated_json),
		T(test_report_replaces_non_object_json),
		T(test_report_replaces_wrong_stages_type),
		T(test_report_replaces_binary_garbage),
		T(test_report_replaces_report_of_other_boot),
		T(test_report_reserved_field_is_renamed),
		T(test_report_null_stage_is_accepted),
		T(test_status_missing_report_fails),
		T(test_status_ok_report_succeeds),
		T(test_status_shows_the_migration_list),
		T(test_report_stage_takes_the_steps),
		T(test_status_failed_stage_exits_1),
		T(test_report_every_error_is_failed),
		T(test_status_invalid_report_exits_1),
		T(test_status_usage_error),
#undef T
	};
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
