// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Property test: `layout check --root` (layout_check_root) and `layout
 * apply` (layout_apply) agree on every entry.  Many small random image trees
 * and layouts (seeded PRNG; SEALROOT_AGREE_SEED and SEALROOT_AGREE_CASES
 * override the defaults) are checked, then applied on a first boot in a
 * private mount namespace: the image read-only, and on its /opt an empty
 * stand-in for the persistent partition (holding the persistent tree), as
 * `persist open` mounts it; for every entry:
 *   - no diagnostic at its line  <=> apply reports it "ok";
 *   - a "skipped at boot" warning <=> apply reports "skipped";
 *   - a "(conflict)" warning      <=> apply reports "conflict";
 *   - an error at its line        <=> apply reports "failed".
 * A failing case prints its seed, tree and layout.  Needs root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "layout.h"
#include "layout_apply.h"
#include "log.h"
#include "report.h"
#include "util.h"

#define PBT "/opt/.mount/persistence"
#define TOT "/opt/.mount/tmpfs"
#define N_PATHS 39 /* /a, /b, /opt, then /a/a…/opt/c, then /a/a/a…/opt/c/c */
#define OPT 2	   /* index of /opt: the image has it; never an entry */
#define MAX_ENTRIES 6

static char scratch[64], image[96], rootdir[96], part[96], report[96];
static uint64_t rng;

static uint64_t next_rand(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next_rand() % n);
}

static int sh(const char *fmt, ...) _printf_(1, 2);
static int sh(const char *fmt, ...)
{
	char script[1024], cmd[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(script, sizeof(script), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && { %s ; }", scratch, script);
	return system(cmd);
}

/* The universe of paths, parents before children. */
static void path_of(unsigned i, char *buf, size_t size)
{
	static const char *const top[] = { "a", "b", "opt" };
	static const char names[] = "abc";
	if (i < 3)
		snprintf(buf, size, "/%s", top[i]);
	else if (i < 12)
		snprintf(buf, size, "/%s/%c", top[(i - 3) / 3], names[(i - 3) % 3]);
	else
		snprintf(buf, size, "/%s/%c/%c", top[(i - 12) / 9], names[(i - 12) / 3 % 3],
			 names[(i - 12) % 3]);
}

/* A random image: every path is absent, a directory, a file, a symlink, a
 * FIFO or a device node (when its parent is a directory). */
static void make_tree(char *desc, size_t size)
{
	size_t o = 0;
	bool is_dir[N_PATHS] = { false };
	desc[0] = '\0';
	for (unsigned i = 0; i < N_PATHS; i++) {
		char p[16], full[128];
		path_of(i, p, sizeof(p));
		snprintf(full, sizeof(full), "%s%s", image, p);
		int parent = i < 3 ? -1 : i < 12 ? (int)(i - 3) / 3 : 3 + (int)(i - 12) / 3;
		if (parent >= 0 && !is_dir[parent])
			continue;
		if (i == OPT) { /* made with the targets; hidden at boot */
			is_dir[i] = true;
			continue;
		}
		unsigned r = pick(100);
		const char *what = NULL;
		if (r < 20) {
			continue;
		} else if (r < 70) {
			assert_int_equal(mkdir(full, 0755), 0);
			is_dir[i] = true;
			what = "dir";
		} else if (r < 86) {
			int fd = open(full, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, "x", 1), 1);
			close(fd);
			what = "file";
		} else if (r < 91) {
			if (symlink(pick(2) ? "a" : "/etc", full) < 0)
				fail_msg("symlink %s: %m", full);
			what = "symlink";
		} else if (r < 97) {
			assert_int_equal(mkfifo(full, 0644), 0);
			what = "fifo";
		} else {
			assert_int_equal(mknod(full, S_IFCHR | 0600, makedev(1, 3)), 0);
			what = "chr";
		}
		o += (size_t)snprintf(desc + o, size - o, "  %s %s\n", p, what);
		if (o >= size)
			o = size - 1;
	}
}

struct entry {
	char path[16];
	bool overlay, file, required;
	unsigned line;
};

/* A random valid layout.env over the universe; one path per line. */
static size_t make_layout(struct entry *e, char *text, size_t size)
{
	size_t n = 1 + pick(MAX_ENTRIES), o = 0, k;
	unsigned line = 1;
	bool used[N_PATHS] = { false };

	for (k = 0; k < n; k++) {
		unsigned i;
		do
			i = pick(N_PATHS);
		while (used[i] || i == OPT);
		used[i] = true;
		path_of(i, e[k].path, sizeof(e[k].path));
		e[k].overlay = pick(5) < 2;
		e[k].file = !e[k].overlay && pick(4) == 0;
		e[k].required = pick(7) == 0;
	}
	o += (size_t)snprintf(text + o, size - o, "TMPFS_OVERLAYS_PATHS=\"\n");
	line++;
	for (k = 0; k < n; k++)
		if (e[k].overlay) {
			o += (size_t)snprintf(text + o, size - o, "%s\n", e[k].path);
			e[k].line = line++;
		}
	o += (size_t)snprintf(text + o, size - o, "\"\nPERSISTENT_BIND_PATHS=\"\n");
	line += 2;
	for (k = 0; k < n; k++)
		if (!e[k].overlay) {
			o += (size_t)snprintf(text + o, size - o, "%s\n", e[k].path);
			e[k].line = line++;
		}
	o += (size_t)snprintf(text + o, size - o, "\"\nREQUIRED_PATHS=\"");
	for (k = 0; k < n; k++)
		if (e[k].required)
			o += (size_t)snprintf(text + o, size - o, " %s", e[k].path);
	o += (size_t)snprintf(text + o, size - o, "\"\nPERSISTENT_BIND_FILES=\"");
	for (k = 0; k < n; k++)
		if (e[k].file)
			o += (size_t)snprintf(text + o, size - o, " %s", e[k].path);
	o += (size_t)snprintf(text + o, size - o, "\"\nOVERLAY=tmpfs:8M\n");
	assert_true(o < size);
	return n;
}

/* "ok", "warning-skip", "warning-conflict", "error" from check for LINE. */
static const char *check_verdict(const struct layout_diags *d, unsigned line)
{
	const char *v = "ok";
	for (size_t i = 0; i < d->n; i++) {
		if (d->items[i].line != line)
			continue;
		if (!d->items[i].warning)
			return "failed";
		v = strstr(d->items[i].message, "(conflict)") ? "conflict" : "skipped";
	}
	return v;
}

/* The result apply reported for PATH, from the report file. */
static const char *apply_verdict(json_object *entries, const char *path, char *msg, size_t size)
{
	const char *res = NULL;
	int seen = 0;
	for (size_t j = 0; j < json_object_array_length(entries); j++) {
		json_object *e = json_object_array_get_idx(entries, j), *v;
		if (!json_object_object_get_ex(e, "path", &v) ||
		    !streq(json_object_get_string(v), path))
			continue;
		seen++;
		if (json_object_object_get_ex(e, "result", &v))
			res = json_object_get_string(v);
		if (json_object_object_get_ex(e, "message", &v) && json_object_get_string(v))
			snprintf(msg, size, "%s", json_object_get_string(v));
	}
	return seen == 1 ? res : "missing-or-duplicate";
}

static json_object *load_entries(json_object **ret_root)
{
	json_object *root = json_object_from_file(report), *stages, *entries = NULL;
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "stages", &stages));
	for (size_t i = 0; i < json_object_array_length(stages); i++) {
		json_object *s = json_object_array_get_idx(stages, i), *name;
		if (json_object_object_get_ex(s, "name", &name) &&
		    streq(json_object_get_string(name), "layout"))
			assert_true(json_object_object_get_ex(s, "entries", &entries));
	}
	assert_non_null(entries);
	*ret_root = root;
	return entries;
}

static void one_case(uint64_t seed, unsigned *n_skip, unsigned *n_fail, unsigned *n_ok)
{
	char tree[4096], text[2048];
	struct entry e[MAX_ENTRIES];

	rng = seed ? seed : 1;
	assert_int_equal(sh("rm -rf image part report.json && mkdir -p image%s image%s "
			    "part/.mount/persistence",
			    PBT, TOT),
			 0);
	make_tree(tree, sizeof(tree));
	size_t n = make_layout(e, text, sizeof(text));

	struct layout l = {};
	struct layout_diags d = {};
	if (layout_parse(text, strlen(text), &l, &d) != 0) {
		layout_diags_print(&d, "generated.env", stderr);
		fail_msg("generated layout does not parse:\n%s", text);
	}
	assert_true(layout_check_root(&l, image, &d) == 0 || d.n_errors > 0);

	/* First boot: the image read-only, an empty persistent tree. */
	assert_int_equal(mount(image, rootdir, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, rootdir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	char t[160];
	snprintf(t, sizeof(t), "%s/opt", rootdir);
	assert_int_equal(mount(part, t, NULL, MS_BIND, NULL), 0);
	struct layout_plan plan = {};
	assert_int_equal(layout_plan_build(&l, &plan), 0);
	struct report_stage *stage = report_stage_begin("layout");
	int r = layout_apply(&plan, rootdir, stage);
	report_stage_end(stage, r);
	assert_int_equal(umount2(rootdir, MNT_DETACH), 0);

	json_object *root;
	json_object *entries = load_entries(&root);
	bool any_failed = false;
	for (size_t k = 0; k < n; k++) {
		char msg[512] = "";
		const char *want = check_verdict(&d, e[k].line);
		const char *got = apply_verdict(entries, e[k].path, msg, sizeof(msg));
		if (!got || !streq(want, got)) {
			fprintf(stderr,
				"seed %llu: %s (line %u): check says %s, apply says %s (%s)\n"
				"tree:\n%slayout:\n%s",
				(unsigned long long)seed, e[k].path, e[k].line, want,
				got ? got : "?", msg, tree, text);
			layout_diags_print(&d, "generated.env", stderr);
			fail();
		}
		if (streq(got, "failed"))
			any_failed = true;
		*n_skip += !streq(got, "ok") && !streq(got, "failed");
		*n_fail += streq(got, "failed");
		*n_ok += streq(got, "ok");
	}
	/* The step fails exactly when some entry failed. */
	assert_int_equal(r < 0, any_failed);
	json_object_put(root);
	layout_plan_done(&plan);
	layout_diags_done(&d);
	layout_done(&l);
}

static void test_check_root_and_apply_agree_on_random_trees(void **state)
{
	(void)state;
	const char *s = getenv("SEALROOT_AGREE_SEED"), *c = getenv("SEALROOT_AGREE_CASES");
	uint64_t base = s ? strtoull(s, NULL, 0) : 20261201;
	unsigned cases = c ? (unsigned)strtoul(c, NULL, 0) : 300;
	unsigned n_skip = 0, n_fail = 0, n_ok = 0;
	usec_t t0 = now_usec(CLOCK_MONOTONIC);

	for (unsigned i = 0; i < cases; i++)
		one_case(base + i * 7919, &n_skip, &n_fail, &n_ok);
	fprintf(stderr,
		"agree: %u cases, entries: %u ok, %u skipped or conflict, %u failed, %.1f s\n",
		cases, n_ok, n_skip, n_fail,
		(double)(now_usec(CLOCK_MONOTONIC) - t0) / (double)USEC_PER_SEC);
	/* The generator must reach every outcome, or the property says little. */
	assert_true(n_ok > cases / 4);
	assert_true(n_skip > cases / 10);
	assert_true(n_fail > cases / 20);
}

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_layout_agree needs root (mount namespaces)\n");
		return -1;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	strcpy(scratch, "/tmp/sealroot-agree.XXXXXX");
	if (!mkdtemp(scratch) || mount("tmpfs", scratch, "tmpfs", 0, "size=64M") < 0)
		return -1;
	snprintf(image, sizeof(image), "%s/image", scratch);
	snprintf(rootdir, sizeof(rootdir), "%s/root", scratch);
	snprintf(part, sizeof(part), "%s/part", scratch);
	snprintf(report, sizeof(report), "%s/report.json", scratch);
	if (mkdir(rootdir, 0755) < 0)
		return -1;
	setenv("SEALROOT_REPORT", report, 1);
	/* Quiet: the report says it all (AGREE_DEBUG=1: apply's debug messages). */
	log_set_max_level(getenv("AGREE_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERR - 1);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	(void)umount2(scratch, MNT_DETACH);
	(void)rmdir(scratch);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_root_and_apply_agree_on_random_trees),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
