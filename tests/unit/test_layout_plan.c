// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for layout_plan.c: operation order, paths, rendering, speed;
 * and layout_check_root.c against a scratch root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "layout.h"
#include "util.h"

static void parse_ok(const char *src, struct layout *l)
{
	struct layout_diags d = {};
	int r = layout_parse(src, strlen(src), l, &d);
	if (r != 0)
		layout_diags_print(&d, "test.env", stderr);
	assert_int_equal(r, 0);
	layout_diags_done(&d);
}

static void build(const char *src, struct layout *l, struct layout_plan *p)
{
	parse_ok(src, l);
	assert_int_equal(layout_plan_build(l, p), 0);
}

static bool is_ancestor(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strncmp(a, b, n) == 0 && b[n] == '/';
}

static void test_plan_tmpfs_first_then_parents_before_children(void **state)
{
	(void)state;
	struct layout l = {};
	struct layout_plan p = {};
	/* Children written before their parents. */
	build("PERSISTENT_BIND_PATHS=\"/etc/ssh /var/lib/rancher/k3s\"\n"
	      "TMPFS_OVERLAYS_PATHS=\"/var/lib/rancher /etc /var\"\n",
	      &l, &p);
	assert_int_equal(p.n_ops, 6);
	assert_int_equal(p.ops[0].kind, LAYOUT_OP_TMPFS);
	assert_null(p.ops[0].entry);
	assert_string_equal(p.ops[0].target, "/opt/.mount/tmpfs");
	const char *want[] = { "/etc", "/var", "/etc/ssh", "/var/lib/rancher",
			       "/var/lib/rancher/k3s" };
	for (size_t i = 0; i < ELEMENTSOF(want); i++)
		assert_string_equal(p.ops[i + 1].target, want[i]);
	layout_plan_done(&p);
	layout_done(&l);
}

static void test_plan_ties_keep_file_order(void **state)
{
	(void)state;
	struct layout l = {};
	struct layout_plan p = {};
	build("TMPFS_OVERLAYS_PATHS=\"/var /etc/lp /srv\"\n"
	      "PERSISTENT_BIND_PATHS=\"/etc/ssh /home /etc/hosts\"\n",
	      &l, &p);
	const char *want[] = { "/opt/.mount/tmpfs", "/var",	"/srv",	     "/home",
			       "/etc/lp",	    "/etc/ssh", "/etc/hosts" };
	assert_int_equal(p.n_ops, ELEMENTSOF(want));
	for (size_t i = 0; i < ELEMENTSOF(want); i++)
		assert_string_equal(p.ops[i].target, want[i]);
	layout_plan_done(&p);
	layout_done(&l);
}

static void test_plan_no_tmpfs_without_overlays(void **state)
{
	(void)state;
	struct layout l = {};
	struct layout_plan p = {};
	build("TMPFS_OVERLAYS_PATHS=\nPERSISTENT_BIND_PATHS=/etc/ssh\n", &l, &p);
	assert_int_equal(p.n_ops, 1);
	assert_int_equal(p.ops[0].kind, LAYOUT_OP_BIND);
	layout_plan_done(&p);
	layout_done(&l);

	build("TMPFS_OVERLAYS_PATHS=\n", &l, &p);
	assert_int_equal(p.n_ops, 0);
	layout_plan_done(&p);
	layout_done(&l);
}

static void test_plan_paths_use_targets(void **state)
{
	(void)state;
	struct layout l = {};
	struct layout_plan p = {};
	build("TMPFS_OVERLAYS_PATHS=/etc/lp\nPERSISTENT_BIND_PATHS=/etc/machine-id\n"
	      "PERSISTENT_BIND_TARGET=/p\nTMPFS_OVERLAY_TARGET=/t\n",
	      &l, &p);
	assert_int_equal(p.n_ops, 3);
	assert_string_equal(p.ops[0].target, "/t");
	assert_int_equal(p.ops[1].kind, LAYOUT_OP_OVERLAY);
	assert_string_equal(p.ops[1].target, "/etc/lp");
	assert_string_equal(p.ops[1].upper, "/t/etc/lp/upper");
	assert_string_equal(p.ops[1].work, "/t/etc/lp/work");
	assert_null(p.ops[1].source);
	assert_ptr_equal(p.ops[1].entry, &l.entries[0]);
	assert_int_equal(p.ops[2].kind, LAYOUT_OP_BIND);
	assert_string_equal(p.ops[2].source, "/p/etc/machine-id");
	assert_null(p.ops[2].upper);
	assert_int_equal(p.ops[2].entry->line, 2);
	layout_plan_done(&p);
	layout_done(&l);
}

static void test_plan_print_table(void **state)
{
	(void)state;
	struct layout l = {};
	struct layout_plan p = {};
	char *out = NULL;
	size_t size = 0;

	build("PERSISTENT_BIND_PATHS=/etc/ssh\n", &l, &p);
	FILE *f = open_memstream(&out, &size);
	assert_non_null(f);
	layout_plan_print(&p, f);
	fclose(f);
	assert_string_equal(
	    out, "STEP OP      LINE TARGET             FROM\n"
		 "   1 tmpfs      - /opt/.mount/tmpfs  tmpfs size=25%\n"
		 "   2 overlay    - /var               upper=/opt/.mount/tmpfs/var/upper "
		 "work=/opt/.mount/tmpfs/var/work\n"
		 "   3 bind       1 /etc/ssh           /opt/.mount/persistence/etc/ssh\n");
	free(out);
	layout_plan_done(&p);
	layout_done(&l);
}

static void test_plan_print_json_parses(void **state)
{
	(void)state;
	struct layout l = {};
	struct layout_plan p = {};
	char *out = NULL;
	size_t size = 0;

	build("TMPFS_OVERLAYS_PATHS=/etc\nPERSISTENT_BIND_PATHS='/etc/ssh /srv/\"q'\n", &l, &p);
	FILE *f = open_memstream(&out, &size);
	assert_non_null(f);
	assert_int_equal(layout_plan_print_json(&p, f), 0);
	fclose(f);

	json_object *a = json_tokener_parse(out);
	assert_non_null(a);
	assert_true(json_object_is_type(a, json_type_array));
	assert_int_equal(json_object_array_length(a), 4);

	json_object *o = json_object_array_get_idx(a, 0), *v;
	assert_true(json_object_object_get_ex(o, "op", &v));
	assert_string_equal(json_object_get_string(v), "tmpfs");
	assert_true(json_object_object_get_ex(o, "size", &v));
	assert_string_equal(json_object_get_string(v), "25%");
	assert_true(json_object_object_get_ex(o, "line", &v));
	assert_null(v);

	o = json_object_array_get_idx(a, 1);
	assert_true(json_object_object_get_ex(o, "upper", &v));
	assert_string_equal(json_object_get_string(v), "/opt/.mount/tmpfs/etc/upper");
	assert_true(json_object_object_get_ex(o, "line", &v));
	assert_int_equal(json_object_get_int(v), 1);

	/* A quote in a path survives the round trip. */
	o = json_object_array_get_idx(a, 3);
	assert_true(json_object_object_get_ex(o, "target", &v));
	assert_string_equal(json_object_get_string(v), "/srv/\"q");
	json_object_put(a);
	free(out);
	layout_plan_done(&p);
	layout_done(&l);
}

/* 1000 entries in reverse depth order (deepest first) and shuffled
 * siblings: every ancestor must still come first, quickly. */
static void test_plan_1000_entries_fast_and_ordered(void **state)
{
	(void)state;
	size_t n = 1000;
	char *src = malloc(n * 40 + 128), *c = src;
	assert_non_null(src);
	c += sprintf(c, "PERSISTENT_BIND_PATHS=\"\n");
	for (size_t i = n; i-- > 0;) {
		/* depth 1..4: /dN, /dN/e, /dN/e/f, /dN/e/f/g with N = i / 4 */
		static const char *const tails[] = { "", "/e", "/e/f", "/e/f/g" };
		c += sprintf(c, "/d%zu%s\n", (i / 4 * 7919) % 1000, tails[i % 4]);
	}
	c += sprintf(c, "\"\nTMPFS_OVERLAYS_PATHS=\n");

	struct layout l = {};
	parse_ok(src, &l);
	assert_int_equal(l.n_entries, n);

	usec_t best = UINT64_MAX;
	for (int round = 0; round < 5; round++) {
		struct layout_plan p = {};
		usec_t t0 = now_usec(CLOCK_MONOTONIC);
		assert_int_equal(layout_plan_build(&l, &p), 0);
		usec_t t = now_usec(CLOCK_MONOTONIC) - t0;
		if (t < best)
			best = t;
		assert_int_equal(p.n_ops, n);
		if (round == 0) {
			/* Quadratic check, outside the timed part. */
			for (size_t i = 0; i < p.n_ops; i++)
				for (size_t j = i + 1; j < p.n_ops; j++)
					assert_false(is_ancestor(p.ops[j].target, p.ops[i].target));
		}
		layout_plan_done(&p);
	}
	fprintf(stderr, "plan of %zu entries: %llu us (best of 5)\n", n, (unsigned long long)best);
#if defined(__SANITIZE_ADDRESS__)
	assert_true(best < 20 * USEC_PER_MSEC);
#else
	assert_true(best < USEC_PER_MSEC);
#endif
	layout_done(&l);
	free(src);
}

/* ---- layout_check_root ------------------------------------------------------- */

static char root[] = "/tmp/layout-root.XXXXXX";

static void mk(const char *rel, bool dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (dir)
		assert_int_equal(mkdir(path, 0755), 0);
	else {
		int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
}

static void test_check_root_reports_missing_symlinks_and_types(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(root));
	mk("/etc", true);
	mk("/etc/ssh", true);
	mk("/etc/hosts", false);
	mk("/etc/lp", false); /* a file where an overlay needs a directory */
	mk("/var", true);
	mk("/opt", true);
	mk("/opt/.mount", true);
	mk("/opt/.mount/tmpfs", true);
	mk("/opt/.mount/persistence", true);
	char link[256];
	snprintf(link, sizeof(link), "%s/srv", root);
	assert_int_equal(symlink("/etc", link), 0); /* /srv -> /etc */
	snprintf(link, sizeof(link), "%s/etc/pki", root);
	assert_int_equal(symlink("ssh", link), 0);

	struct layout l = {};
	struct layout_diags d = {};
	parse_ok("TMPFS_OVERLAYS_PATHS=\"/var /etc/lp\"\n"
		 "PERSISTENT_BIND_PATHS=\"/etc/ssh /etc/hosts /etc/missing /srv/ssh /etc/pki\"\n",
		 &l);
	assert_int_equal(layout_check_root(&l, root, &d), -EINVAL);
	layout_diags_print(&d, "test.env", stderr);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.n_errors, 2);
	/* What the boot skips is a warning, in plan order (by depth) ... */
	assert_int_equal(d.items[0].line, 1);
	assert_int_equal(d.items[0].column, 28);
	assert_true(d.items[0].warning);
	assert_non_null(strstr(d.items[0].message, "'/etc/lp' is skipped at boot: the image has "
						   "something other than a directory"));
	assert_int_equal(d.items[1].line, 2);
	assert_int_equal(d.items[1].column, 44);
	assert_true(d.items[1].warning);
	assert_non_null(strstr(d.items[1].message,
			       "'/etc/missing' is skipped at boot: the mount "
			       "point is missing in the image and its parent is "
			       "not on a tmpfs overlay"));
	/* ... what fails it (a symlink) an error. */
	assert_int_equal(d.items[2].column, 57);
	assert_false(d.items[2].warning);
	assert_non_null(strstr(d.items[2].message, "'/srv' is a symbolic link"));
	assert_int_equal(d.items[3].column, 66);
	assert_non_null(strstr(d.items[3].message, "'/etc/pki' is a symbolic link"));
	layout_diags_done(&d);

	/* A required entry that the boot would skip is an error. */
	layout_done(&l);
	parse_ok("TMPFS_OVERLAYS_PATHS=/var\nPERSISTENT_BIND_PATHS=\"/etc/ssh /etc/missing\"\n"
		 "REQUIRED_PATHS=/etc/missing\n",
		 &l);
	assert_int_equal(layout_check_root(&l, root, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_false(d.items[0].warning);
	assert_int_equal(d.items[0].line, 2);
	assert_int_equal(d.items[0].column, 33);
	assert_non_null(strstr(d.items[0].message, "is in REQUIRED_PATHS but cannot be applied"));
	layout_diags_done(&d);

	/* Targets live on the persistent partition: missing is fine (created at
	 * boot), a symlink is reported without a line. */
	layout_done(&l);
	snprintf(link, sizeof(link), "%s/opt/elsewhere", root);
	assert_int_equal(symlink("/etc", link), 0);
	parse_ok("TMPFS_OVERLAYS_PATHS=/var\nPERSISTENT_BIND_PATHS=/etc/ssh\n"
		 "PERSISTENT_BIND_TARGET=/nope\nTMPFS_OVERLAY_TARGET=/opt/elsewhere/t\n",
		 &l);
	assert_int_equal(layout_check_root(&l, root, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].line, 0);
	assert_non_null(strstr(d.items[0].message, "TMPFS_OVERLAY_TARGET '/opt/elsewhere/t': "
						   "'/opt/elsewhere' is a symbolic link"));
	layout_diags_done(&d);
	layout_done(&l);

	/* A bind mount point missing from the image under a tmpfs overlay is
	 * created at boot when its parent exists; outside an overlay, or
	 * without the parent, the boot skips it (as apply does). */
	parse_ok("TMPFS_OVERLAYS_PATHS=/var\nPERSISTENT_BIND_PATHS=/var/lib/rancher\n", &l);
	assert_int_equal(layout_check_root(&l, root, &d), 0);
	assert_int_equal(d.n, 1);
	assert_true(d.items[0].warning);
	assert_non_null(strstr(d.items[0].message, "neither the mount point nor its parent"));
	layout_diags_done(&d);
	mk("/var/lib", true);
	assert_int_equal(layout_check_root(&l, root, &d), 0);
	assert_int_equal(d.n, 0);
	layout_done(&l);

	parse_ok("TMPFS_OVERLAYS_PATHS=/var\nPERSISTENT_BIND_PATHS=\"/etc/ssh /etc/hosts\"\n", &l);
	assert_int_equal(layout_check_root(&l, root, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(layout_check_root(&l, "/nonexistent-root", &d), -ENOENT);
	layout_done(&l);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_tmpfs_first_then_parents_before_children),
		cmocka_unit_test(test_plan_ties_keep_file_order),
		cmocka_unit_test(test_plan_no_tmpfs_without_overlays),
		cmocka_unit_test(test_plan_paths_use_targets),
		cmocka_unit_test(test_plan_print_table),
		cmocka_unit_test(test_plan_print_json_parses),
		cmocka_unit_test(test_plan_1000_entries_fast_and_ordered),
		cmocka_unit_test(test_check_root_reports_missing_symlinks_and_types),
	};
	return cmocka_run_group_tests_name("layout_plan", tests, NULL, NULL);
}
