// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for layout_parse.c: the accepted layout.env format, the
 * defaults, and every class of error with its exact line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <limits.h>

#include "layout.h"
#include "util.h"

/* ---- helpers ---------------------------------------------------------------- */

static void print_diags(const struct layout_diags *d)
{
	layout_diags_print(d, "test.env", stderr);
}

/* Parse src, which must be valid. */
static void parse_ok(const char *src, struct layout *l)
{
	struct layout_diags d = {};
	int r = layout_parse(src, strlen(src), l, &d);
	if (r != 0)
		print_diags(&d);
	assert_int_equal(r, 0);
	assert_int_equal(d.n, 0);
	layout_diags_done(&d);
}

/* Parse buf, which must be invalid; the caller owns d. */
static void parse_bad_n(const char *buf, size_t size, struct layout_diags *d)
{
	struct layout l = {};
	int r = layout_parse(buf, size, &l, d);
	if (r != -EINVAL)
		print_diags(d);
	assert_int_equal(r, -EINVAL);
	assert_true(d->n > 0);
	layout_done(&l);
}

static bool has_diag(const struct layout_diags *d, unsigned line, unsigned col, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].line == line && d->items[i].column == col &&
		    strstr(d->items[i].message, needle))
			return true;
	return false;
}

/* src must give exactly one diagnostic, at line:col, containing needle. */
static void expect_one(const char *src, unsigned line, unsigned col, const char *needle)
{
	struct layout_diags d = {};
	parse_bad_n(src, strlen(src), &d);
	if (d.n != 1 || !has_diag(&d, line, col, needle)) {
		fprintf(stderr, "expected exactly %u:%u: …%s… for:\n%s\ngot:\n", line, col, needle,
			src);
		print_diags(&d);
		fail();
	}
	layout_diags_done(&d);
}

/* src must give (at least) a diagnostic at line:col containing needle. */
static void expect_diag(const char *src, unsigned line, unsigned col, const char *needle)
{
	struct layout_diags d = {};
	parse_bad_n(src, strlen(src), &d);
	if (!has_diag(&d, line, col, needle)) {
		fprintf(stderr, "expected %u:%u: …%s… for:\n%s\ngot:\n", line, col, needle, src);
		print_diags(&d);
		fail();
	}
	layout_diags_done(&d);
}

static const struct layout_entry *find(const struct layout *l, const char *path)
{
	for (size_t i = 0; i < l->n_entries; i++)
		if (streq(l->entries[i].path, path))
			return &l->entries[i];
	return NULL;
}

static void assert_entry(const struct layout *l, size_t i, const char *path, enum layout_kind k,
			 unsigned line, unsigned col)
{
	assert_true(i < l->n_entries);
	assert_string_equal(l->entries[i].path, path);
	assert_int_equal(l->entries[i].kind, k);
	assert_int_equal(l->entries[i].line, line);
	assert_int_equal(l->entries[i].column, col);
}

/* ---- accepted format ---------------------------------------------------------- */

static void test_layout_accepts_integrator_style_file(void **state)
{
	(void)state;
	const char *src = "#!/bin/bash\n"
			  "# overlays\n"
			  "\n"
			  "export TMPFS_OVERLAYS_PATHS=\"\n"
			  "\t/var\n"
			  "    /etc/lp  /etc/caddy\n"
			  "\"\n"
			  "export PERSISTENT_BIND_PATHS=\"/etc/ssh /etc/machine-id\" # keep\n"
			  "export PERSISTENT_BIND_TARGET=\"/opt/.mount/persistence\"\n"
			  "export TMPFS_OVERLAY_TARGET=\"/opt/.mount/tmpfs\"\n"
			  "export OVERLAY=\"tmpfs:25%\"\n";
	struct layout l = {};
	parse_ok(src, &l);
	assert_int_equal(l.n_entries, 5);
	assert_entry(&l, 0, "/var", LAYOUT_TMPFS_OVERLAY, 5, 2);
	assert_entry(&l, 1, "/etc/lp", LAYOUT_TMPFS_OVERLAY, 6, 5);
	assert_entry(&l, 2, "/etc/caddy", LAYOUT_TMPFS_OVERLAY, 6, 14);
	assert_entry(&l, 3, "/etc/ssh", LAYOUT_PERSISTENT_BIND, 8, 31);
	assert_entry(&l, 4, "/etc/machine-id", LAYOUT_PERSISTENT_BIND, 8, 40);
	assert_string_equal(l.persistent_bind_target, "/opt/.mount/persistence");
	assert_string_equal(l.tmpfs_overlay_target, "/opt/.mount/tmpfs");
	assert_string_equal(l.overlay_size, "25%");
	layout_done(&l);
}

static void test_layout_defaults_for_empty_file(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("", &l);
	assert_int_equal(l.n_entries, 1);
	assert_entry(&l, 0, LAYOUT_DEFAULT_TMPFS_OVERLAYS, LAYOUT_TMPFS_OVERLAY, 0, 0);
	assert_string_equal(l.persistent_bind_target, LAYOUT_DEFAULT_PERSISTENT_BIND_TARGET);
	assert_string_equal(l.tmpfs_overlay_target, LAYOUT_DEFAULT_TMPFS_OVERLAY_TARGET);
	assert_string_equal(l.overlay_size, LAYOUT_DEFAULT_OVERLAY_SIZE);
	layout_done(&l);
}

static void test_layout_set_but_empty_overlays_means_none(void **state)
{
	(void)state;
	const char *srcs[] = { "TMPFS_OVERLAYS_PATHS=\n", "TMPFS_OVERLAYS_PATHS=\"\"\n",
			       "TMPFS_OVERLAYS_PATHS=''", "export TMPFS_OVERLAYS_PATHS=\" \t\n\"" };
	for (size_t i = 0; i < ELEMENTSOF(srcs); i++) {
		struct layout l = {};
		parse_ok(srcs[i], &l);
		assert_int_equal(l.n_entries, 0);
		layout_done(&l);
	}
}

static void test_layout_bare_export_keeps_default(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("export TMPFS_OVERLAYS_PATHS\nexport OVERLAY PERSISTENT_BIND_PATHS\n", &l);
	assert_int_equal(l.n_entries, 1);
	assert_string_equal(l.entries[0].path, "/var");
	assert_string_equal(l.overlay_size, "25%");
	layout_done(&l);
}

static void test_layout_append_with_leading_space_adds_item(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("PERSISTENT_BIND_PATHS=\"/etc/ssh\"\nPERSISTENT_BIND_PATHS+=\" /etc/hosts\"\n",
		 &l);
	assert_int_equal(l.n_entries, 3);
	assert_entry(&l, 0, "/var", LAYOUT_TMPFS_OVERLAY, 0, 0);
	assert_entry(&l, 1, "/etc/ssh", LAYOUT_PERSISTENT_BIND, 1, 24);
	assert_entry(&l, 2, "/etc/hosts", LAYOUT_PERSISTENT_BIND, 2, 26);
	layout_done(&l);
}

static void test_layout_append_without_space_glues_like_bash(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("PERSISTENT_BIND_PATHS=\"/etc/ssh\"\nPERSISTENT_BIND_PATHS+=\"/keys\"\n", &l);
	assert_int_equal(l.n_entries, 2);
	assert_entry(&l, 1, "/etc/ssh/keys", LAYOUT_PERSISTENT_BIND, 1, 24);
	layout_done(&l);

	/* Glued, an otherwise fine item can become invalid: reported where the
	 * offending character was written. */
	expect_one("PERSISTENT_BIND_PATHS=\"/etc/ssh\"\nPERSISTENT_BIND_PATHS+=\"/\"\n", 2, 25,
		   "trailing '/'");
}

static void test_layout_append_to_unset_starts_empty(void **state)
{
	(void)state;
	struct layout l = {};
	/* Like bash: += on an unset variable does not see the default. */
	parse_ok("TMPFS_OVERLAYS_PATHS+=\" /etc/foo\"\n", &l);
	assert_int_equal(l.n_entries, 1);
	assert_entry(&l, 0, "/etc/foo", LAYOUT_TMPFS_OVERLAY, 1, 25);
	layout_done(&l);
}

static void test_layout_later_assignment_replaces(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("TMPFS_OVERLAYS_PATHS=\"/a /b\"\nTMPFS_OVERLAYS_PATHS=/c\nOVERLAY=tmpfs:1%\n"
		 "OVERLAY=tmpfs:2G\n",
		 &l);
	assert_int_equal(l.n_entries, 1);
	assert_entry(&l, 0, "/c", LAYOUT_TMPFS_OVERLAY, 2, 22);
	assert_string_equal(l.overlay_size, "2G");
	layout_done(&l);
}

static void test_layout_quoting_forms(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("TMPFS_OVERLAYS_PATHS=/var\n"
		 "PERSISTENT_BIND_PATHS='/etc/a /b'\"/c\"/d'/e'\n"
		 "PERSISTENT_BIND_TARGET='/p'\n"
		 "TMPFS_OVERLAY_TARGET=/t\n",
		 &l);
	assert_int_equal(l.n_entries, 3);
	assert_entry(&l, 0, "/var", LAYOUT_TMPFS_OVERLAY, 1, 22);
	assert_entry(&l, 1, "/etc/a", LAYOUT_PERSISTENT_BIND, 2, 24);
	assert_entry(&l, 2, "/b/c/d/e", LAYOUT_PERSISTENT_BIND, 2, 31);
	layout_done(&l);
}

static void test_layout_comments_and_hash_inside_words(void **state)
{
	(void)state;
	struct layout l = {};
	/* '#' starts a comment only at the start of a word, as in bash. */
	parse_ok("# a comment with $(things) and ; | &\n"
		 "   # indented comment\n"
		 "TMPFS_OVERLAYS_PATHS=/var # comment with \"quote\n"
		 "PERSISTENT_BIND_PATHS=\"/etc/ssh\"#glued\n",
		 &l);
	assert_int_equal(l.n_entries, 2);
	assert_string_equal(l.entries[1].path, "/etc/ssh#glued");
	layout_done(&l);
}

static void test_layout_several_assignments_on_one_line(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("TMPFS_OVERLAYS_PATHS=/var PERSISTENT_BIND_PATHS=/etc/ssh\n"
		 "export OVERLAY=tmpfs:512M TMPFS_OVERLAY_TARGET=/t\n",
		 &l);
	assert_int_equal(l.n_entries, 2);
	assert_string_equal(l.overlay_size, "512M");
	assert_string_equal(l.tmpfs_overlay_target, "/t");
	layout_done(&l);
}

static void test_layout_overlay_sizes_accepted(void **state)
{
	(void)state;
	const char *ok[] = { "1%", "100%", "25%",   "512M",  "512m",
			     "2G", "2g",   "4096k", "4096K", "1048576" };
	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		char src[64];
		struct layout l = {};
		snprintf(src, sizeof(src), "OVERLAY=\"tmpfs:%s\"", ok[i]);
		parse_ok(src, &l);
		assert_string_equal(l.overlay_size, ok[i]);
		layout_done(&l);
	}
}

static void test_layout_nesting_between_entries_allowed(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("TMPFS_OVERLAYS_PATHS=\"/etc /var\"\n"
		 "PERSISTENT_BIND_PATHS=\"/etc/ssh /var/lib/rancher /etc/machine-id "
		 "/var/log/x.log\"\n",
		 &l);
	assert_int_equal(l.n_entries, 6);
	assert_non_null(find(&l, "/etc/machine-id"));
	assert_non_null(find(&l, "/var/log/x.log"));
	layout_done(&l);
}

static void test_layout_utf8_paths_accepted(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("PERSISTENT_BIND_PATHS=\"/etc/caf\xc3\xa9 /srv/\xe2\x82\xac\"\n", &l);
	assert_non_null(find(&l, "/etc/caf\xc3\xa9"));
	layout_done(&l);
}

static void test_layout_api_prefix_lookalikes_allowed(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("PERSISTENT_BIND_PATHS=\"/runner /devices /system /process\"\n", &l);
	assert_int_equal(l.n_entries, 5);
	layout_done(&l);
}

/* ---- errors ---------------------------------------------------------------- */

static void test_layout_rejects_command_substitution(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAYS_PATHS=\"/var $(cat /etc/list)\"\n", 1, 28,
		   "command substitution '$(…)' is not allowed: layout.env is parsed, not "
		   "executed");
	expect_one("TMPFS_OVERLAYS_PATHS=$(ls)\n", 1, 22, "command substitution");
	expect_one("TMPFS_OVERLAYS_PATHS=\"/a\n `id` /b\"\n", 2, 2, "'`…`'");
	expect_one("TMPFS_OVERLAYS_PATHS=$((1+2))\n", 1, 22, "arithmetic expansion");
}

static void test_layout_rejects_variable_expansion(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAYS_PATHS=\"$BASE/var\"\n", 1, 23, "'$BASE'");
	expect_one("TMPFS_OVERLAYS_PATHS=/x/${HOME}/y\n", 1, 25, "'${HOME}'");
	expect_one("TMPFS_OVERLAYS_PATHS=/x$1\n", 1, 24, "'$1'");
	/* Single quotes would not expand in bash, but '$' is refused anyway. */
	expect_one("TMPFS_OVERLAYS_PATHS='/x/$y'\n", 1, 26, "character '$' is not allowed");
	expect_one("TMPFS_OVERLAYS_PATHS=/a$\n", 1, 24, "'$' is not allowed");
}

static void test_layout_rejects_chains_and_redirections(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAYS_PATHS=/var; rm -rf /\n", 1, 26, "';' would start another");
	expect_one("TMPFS_OVERLAYS_PATHS=/var && reboot\n", 1, 27, "'&&' would chain");
	expect_one("TMPFS_OVERLAYS_PATHS=/var& x\n", 1, 26, "'&' would chain");
	expect_one("TMPFS_OVERLAYS_PATHS=/var | tee x\n", 1, 27, "'|' would chain or pipe");
	expect_one("TMPFS_OVERLAYS_PATHS=/var >/tmp/x\n", 1, 27, "redirection '>'");
	expect_one("TMPFS_OVERLAYS_PATHS=/var</tmp/x\n", 1, 26, "redirection '<'");
	expect_one("; TMPFS_OVERLAYS_PATHS=/var\n", 1, 1, "';' would start");
	/* Inside quotes bash would keep them literal; they are still refused. */
	expect_one("TMPFS_OVERLAYS_PATHS=\"/a;b\"\n", 1, 25, "character ';' is not allowed");
}

static void test_layout_rejects_globs_and_tilde(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAYS_PATHS=\"/etc/*\"\n", 1, 28, "glob character '*'");
	expect_one("TMPFS_OVERLAYS_PATHS=/etc/?\n", 1, 27, "glob character '?'");
	expect_one("TMPFS_OVERLAYS_PATHS='/etc/[ab]'\n", 1, 28, "glob character '['");
	expect_one("TMPFS_OVERLAYS_PATHS=~/x\n", 1, 22, "'~' is not expanded");
}

static void test_layout_rejects_backslash(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_PATHS=\"/etc/a\\ b\"\n", 1, 30,
		   "backslash escapes are not supported");
	expect_one("PERSISTENT_BIND_PATHS=/etc/a\\\"b\n", 1, 29, "backslash escapes");
	expect_one("PERSISTENT_BIND_PATHS=\"/a \\\n /b\"\n", 1, 27, "line continuation");
	expect_diag("PERSISTENT_BIND_PATHS=/a \\\n", 1, 26, "line continuation");
}

static void test_layout_rejects_unknown_variable_with_suggestion(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAY_PATHS=/var\n", 1, 1,
		   "unknown variable 'TMPFS_OVERLAY_PATHS': did you mean 'TMPFS_OVERLAYS_PATHS'?");
	expect_one("export persistent_bind_paths=/x\n", 1, 8,
		   "did you mean 'PERSISTENT_BIND_PATHS'");
	expect_one("\n  OVERLAYS=tmpfs:1%\n", 2, 3, "did you mean 'OVERLAY'?");
	expect_one("export FOO\n", 1, 8, "unknown variable 'FOO': the known variables are");
	expect_one("PATH=/bin\n", 1, 1, "unknown variable 'PATH': the known");
}

static void test_layout_rejects_non_assignments(void **state)
{
	(void)state;
	expect_one("echo hello\n", 1, 1, "'echo' is not an assignment");
	expect_one("\n\n   if [ -d /x ]; then\n", 3, 4, "'if' is not an assignment");
	expect_one("TMPFS_OVERLAYS_PATHS=/var /etc\n", 1, 27,
		   "'/etc' would run as a command after the assignment");
	expect_one("TMPFS_OVERLAYS_PATHS = \"/var\"\n", 1, 22, "spaces around '='");
	expect_one("export\n", 1, 1, "'export' needs a variable name");
	expect_one("export -n OVERLAY\n", 1, 8, "'-n' is not a variable name");
	expect_one("TMPFS_OVERLAYS_PATHS=(/var /etc)\n", 1, 22, "arrays and subshells");
	expect_one("source /etc/x\n", 1, 1, "'source' is not an assignment");
	/* A quoted string spanning lines in a rejected command is skipped whole. */
	expect_one("echo \"a\nb\"\nTMPFS_OVERLAYS_PATHS=/var\n", 1, 1, "'echo'");
}

static void test_layout_reports_unterminated_quote_where_it_opened(void **state)
{
	(void)state;
	expect_one("OVERLAY=tmpfs:1%\nTMPFS_OVERLAYS_PATHS=\"/var\n/etc\n", 2, 22,
		   "unterminated double quote");
	expect_one("TMPFS_OVERLAYS_PATHS=/a'/var\n", 1, 24, "unterminated single quote");
	expect_diag("echo 'x\n", 1, 6, "unterminated single quote");
}

static void test_layout_rejects_relative_paths(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_PATHS=\"/etc/ssh etc/hosts\"\n", 1, 33,
		   "relative path 'etc/hosts' in PERSISTENT_BIND_PATHS: paths must be absolute; "
		   "did you mean '/etc/hosts'?");
}

static void test_layout_rejects_dot_and_dotdot(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_PATHS=/etc/../root\n", 1, 28, "'..' component");
	expect_one("PERSISTENT_BIND_PATHS=/etc/./ssh\n", 1, 28, "'.' component");
	expect_one("PERSISTENT_BIND_PATHS=/..\n", 1, 24, "'..' component");
	expect_one("PERSISTENT_BIND_PATHS=/etc/ssh/.\n", 1, 32, "'.' component");
	/* Names that only start with dots are fine. */
	struct layout l = {};
	parse_ok("PERSISTENT_BIND_PATHS=\"/etc/.config /etc/...x /etc/..y\"\n", &l);
	layout_done(&l);
}

static void test_layout_rejects_double_and_trailing_slash(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_PATHS=/etc//ssh\n", 1, 28, "empty component ('//')");
	expect_one("PERSISTENT_BIND_PATHS=//etc\n", 1, 24, "empty component");
	expect_one("PERSISTENT_BIND_PATHS=/etc/ssh/\n", 1, 31,
		   "trailing '/' in '/etc/ssh/': write it without, as '/etc/ssh'");
}

static void test_layout_rejects_root_itself(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAYS_PATHS=\"/var /\"\n", 1, 28, "'/' itself cannot be listed");
}

static void test_layout_rejects_api_filesystems(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_PATHS=/proc\n", 1, 23, "under /proc");
	expect_one("PERSISTENT_BIND_PATHS=/sys/fs/x\n", 1, 23, "under /sys");
	expect_one("TMPFS_OVERLAYS_PATHS=/dev/shm\n", 1, 22, "under /dev");
	expect_one("TMPFS_OVERLAYS_PATHS=/run\n", 1, 22, "under /run");
}

static void test_layout_rejects_control_characters(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAYS_PATHS=\"/v\x01"
		   "ar\"\n",
		   1, 25, "control character 0x01");
	expect_one("# comment \x1b[31m\n", 1, 11, "control character 0x1b");
	expect_one("TMPFS_OVERLAYS_PATHS=/var\r\nOVERLAY=tmpfs:1%\r\n", 1, 26,
		   "Windows (CRLF) line endings");
}

static void test_layout_rejects_nul_bytes(void **state)
{
	(void)state;
	static const char src[] = "TMPFS_OVERLAYS_PATHS=\"/v\0ar\"\n";
	struct layout_diags d = {};
	parse_bad_n(src, sizeof(src) - 1, &d);
	assert_int_equal(d.n, 1);
	assert_true(has_diag(&d, 1, 25, "NUL byte"));
	layout_diags_done(&d);
}

static void test_layout_rejects_invalid_utf8(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_PATHS=/etc/caf\xe9\n", 1, 31, "invalid UTF-8 byte 0xe9");
	expect_one("PERSISTENT_BIND_PATHS=/etc/\xc0\xaf\n", 1, 28, "invalid UTF-8 byte 0xc0");
	/* Separate runs are separate problems. */
	expect_diag("PERSISTENT_BIND_PATHS=\"/\xff /\xfe\"\n", 1, 25, "invalid UTF-8 byte 0xff");
	expect_diag("PERSISTENT_BIND_PATHS=\"/\xff /\xfe\"\n", 1, 28, "invalid UTF-8 byte 0xfe");
	expect_one("PERSISTENT_BIND_PATHS=/\xed\xa0\x80\n", 1, 24, "invalid UTF-8");
	expect_one("PERSISTENT_BIND_PATHS=/x\xe2\x82", 1, 25, "invalid UTF-8");
	/* A bad byte where a word starts is reported once, not also as a command. */
	expect_one("\xff\nPERSISTENT_BIND_PATHS=/x\n", 1, 1, "invalid UTF-8 byte 0xff");
	expect_one("\xef\xbb\xbfPERSISTENT_BIND_PATHS=/x\n", 1, 1, "byte order mark");
}

static void test_layout_rejects_overlong_paths(void **state)
{
	(void)state;
	char *src = malloc(PATH_MAX + 64);
	assert_non_null(src);

	/* a component of NAME_MAX + 1 bytes */
	strcpy(src, "PERSISTENT_BIND_PATHS=/etc/");
	size_t n = strlen(src);
	memset(src + n, 'a', NAME_MAX + 1);
	src[n + NAME_MAX + 1] = 0;
	expect_one(src, 1, 28, "bytes long: the limit is 255");

	/* exactly NAME_MAX is fine */
	src[n + NAME_MAX] = 0;
	struct layout l = {};
	parse_ok(src, &l);
	layout_done(&l);

	/* a path of PATH_MAX bytes */
	strcpy(src, "PERSISTENT_BIND_PATHS=");
	n = strlen(src);
	for (size_t i = 0; i < PATH_MAX; i += 2)
		memcpy(src + n + i, "/a", 2);
	src[n + PATH_MAX] = 0;
	expect_one(src, 1, 23, "is 4096 bytes long: the limit is 4095");
	free(src);
}

static void test_layout_rejects_duplicates_naming_first(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAYS_PATHS=\"/var /etc/lp\n  /var\"\n", 2, 3,
		   "'/var' is listed twice: first at line 1 in TMPFS_OVERLAYS_PATHS");
	expect_one("TMPFS_OVERLAYS_PATHS=/etc/x\nPERSISTENT_BIND_PATHS=/etc/x\n", 2, 23,
		   "'/etc/x' is listed twice: first at line 1 in TMPFS_OVERLAYS_PATHS");
	/* Against the default /var. */
	expect_one("PERSISTENT_BIND_PATHS=/var\n", 1, 23,
		   "'/var' is already a tmpfs overlay by default");
}

static void test_layout_rejects_entries_inside_targets(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_PATHS=/opt/.mount/persistence/x\n", 1, 23,
		   "persistent bind '/opt/.mount/persistence/x' is inside PERSISTENT_BIND_TARGET");
	expect_one("PERSISTENT_BIND_PATHS=/opt/.mount/tmpfs\n", 1, 23,
		   "is the same as TMPFS_OVERLAY_TARGET");
	expect_one("TMPFS_OVERLAYS_PATHS=/opt/.mount/persistence\n", 1, 22,
		   "tmpfs overlay '/opt/.mount/persistence' is the same as PERSISTENT_BIND_TARGET");
	expect_one("TMPFS_OVERLAYS_PATHS=\"/var /data/t/upper\"\nTMPFS_OVERLAY_TARGET=/data/t\n", 1,
		   28, "is inside TMPFS_OVERLAY_TARGET (/data/t)");
}

static void test_layout_rejects_entries_hiding_targets(void **state)
{
	(void)state;
	expect_one("TMPFS_OVERLAYS_PATHS=\"/var /opt\"\n", 1, 28,
		   "tmpfs overlay '/opt' would hide TMPFS_OVERLAY_TARGET (/opt/.mount/tmpfs)");
	expect_one("PERSISTENT_BIND_PATHS=\"/etc/ssh /opt\"\n", 1, 33,
		   "persistent bind '/opt' would hide PERSISTENT_BIND_TARGET");
	/* A target that is not in use (no overlays) may lie below an entry. */
	struct layout l = {};
	parse_ok("TMPFS_OVERLAYS_PATHS=\nPERSISTENT_BIND_PATHS=/srv\nTMPFS_OVERLAY_TARGET=/srv/t\n",
		 &l);
	layout_done(&l);
}

static void test_layout_rejects_bad_targets(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_TARGET=persistence\n", 1, 24,
		   "relative path 'persistence' in PERSISTENT_BIND_TARGET");
	expect_one("TMPFS_OVERLAY_TARGET=/opt/../t\n", 1, 27, "'..' component");
	expect_one("TMPFS_OVERLAY_TARGET=\"/a /b\"\n", 1, 26, "must be a single path");
	expect_one("TMPFS_OVERLAY_TARGET=\n", 1, 1, "TMPFS_OVERLAY_TARGET is empty");
	expect_one("TMPFS_OVERLAY_TARGET=/\n", 1, 22, "'/' itself");
	expect_one("TMPFS_OVERLAY_TARGET=/run/x\n", 1, 22, "under /run");
}

static void test_layout_rejects_nested_targets(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_TARGET=/m\nTMPFS_OVERLAY_TARGET=/m/tmpfs\n", 2, 22,
		   "must not be the same or nested");
	expect_one("TMPFS_OVERLAY_TARGET=/m\nPERSISTENT_BIND_TARGET=/m\n", 2, 24,
		   "must not be the same or nested");
	expect_one("TMPFS_OVERLAY_TARGET=/opt/.mount\n", 1, 22, "must not be the same or nested");
}

static void test_layout_rejects_bad_overlay(void **state)
{
	(void)state;
	expect_one("OVERLAY=tmpfs:0%\n", 1, 15, "OVERLAY size '0%' is not valid");
	expect_one("OVERLAY=tmpfs:101%\n", 1, 15, "'101%'");
	expect_one("OVERLAY=tmpfs:0\n", 1, 15, "'0'");
	expect_one("OVERLAY=tmpfs:12x\n", 1, 15, "'12x'");
	expect_one("OVERLAY=tmpfs:1TB\n", 1, 15, "'1TB'");
	expect_one("OVERLAY=tmpfs:%\n", 1, 15, "'%'");
	expect_one("OVERLAY=tmpfs:\n", 1, 14, "''");
	expect_one("OVERLAY=tmpfs:99999999999999999999G\n", 1, 15, "is not valid");
	expect_one("OVERLAY=ramfs:1G\n", 1, 9, "OVERLAY='ramfs:1G' is not supported");
	expect_one("OVERLAY=\"tmpfs:1% tmpfs:2%\"\n", 1, 19, "single value");
	expect_one("OVERLAY=\n", 1, 1, "OVERLAY is empty");
}

static void test_layout_caps_number_of_entries(void **state)
{
	(void)state;
	size_t n = LAYOUT_ENTRIES_MAX + 10;
	char *src = malloc(n * 8 + 64), *c = src;
	assert_non_null(src);
	c += sprintf(c, "TMPFS_OVERLAYS_PATHS=\"");
	for (size_t i = 0; i < n; i++)
		c += sprintf(c, "\n/%05zu", i);
	c += sprintf(c, "\"\n");
	expect_one(src, LAYOUT_ENTRIES_MAX + 2, 1, "too many paths: at most 4096 entries");
	free(src);
}

static void test_layout_reports_all_errors_in_file_order(void **state)
{
	(void)state;
	const char *src = "#!/bin/bash\n"
			  "TMPFS_OVERLAYS_PATHS=\"/var $(x) relative\"\n"
			  "export PERSISTENT_BIND_PATH=/etc/ssh\n"
			  "PERSISTENT_BIND_PATHS=\"/etc/ssh /etc/../x\"\n"
			  "OVERLAY=tmpfs:0%\n"
			  "rm -rf /\n"
			  "PERSISTENT_BIND_PATHS+=\" /etc/ssh\"\n";
	struct layout_diags d = {};
	parse_bad_n(src, strlen(src), &d);
	if (d.n != 7)
		print_diags(&d);
	assert_int_equal(d.n, 7);
	static const struct {
		unsigned line, col;
		const char *needle;
	} want[] = {
		{ 2, 28, "command substitution" },
		{ 2, 33, "relative path 'relative'" },
		{ 3, 8, "PERSISTENT_BIND_PATH'" },
		{ 4, 38, "'..' component" },
		{ 5, 15, "OVERLAY size" },
		{ 6, 1, "'rm' is not an assignment" },
		{ 7, 26, "listed twice: first at line 4" },
	};
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		assert_int_equal(d.items[i].line, want[i].line);
		assert_int_equal(d.items[i].column, want[i].col);
		assert_non_null(strstr(d.items[i].message, want[i].needle));
	}
	layout_diags_done(&d);
}

static void test_layout_caps_number_of_diagnostics(void **state)
{
	(void)state;
	char src[4096], *c = src;
	for (int i = 0; i < 500; i++)
		c += sprintf(c, "x\n");
	struct layout_diags d = {};
	parse_bad_n(src, strlen(src), &d);
	assert_int_equal(d.n, LAYOUT_DIAGS_MAX);
	assert_int_equal(d.n_dropped, 500 - LAYOUT_DIAGS_MAX);

	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	assert_non_null(f);
	layout_diags_print(&d, "f.env", f);
	fclose(f);
	assert_non_null(strstr(out, "f.env:1:1: error: 'x' is not an assignment"));
	assert_non_null(strstr(out, "f.env: error: 300 more problems not shown"));
	free(out);
	layout_diags_done(&d);
}

static void test_layout_load_file_refuses_symlinks_and_dirs(void **state)
{
	(void)state;
	char dir[] = "/tmp/layout-test.XXXXXX";
	char file[64], link[64];
	struct layout l = {};
	struct layout_diags d = {};

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/layout.env", dir);
	snprintf(link, sizeof(link), "%s/link.env", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("PERSISTENT_BIND_PATHS=/etc/ssh\n", f);
	fclose(f);
	assert_int_equal(symlink(file, link), 0);

	assert_int_equal(layout_load_file(file, &l, &d), 0);
	assert_int_equal(l.n_entries, 2);
	layout_done(&l);
	assert_int_equal(layout_load_file(link, &l, &d), -ELOOP);
	assert_int_equal(layout_load_file(dir, &l, &d), -EISDIR);
	assert_int_equal(layout_load_file("/nonexistent/layout.env", &l, &d), -ENOENT);
	assert_int_equal(d.n, 0);
	layout_done(&l);

	unlink(link);
	unlink(file);
	rmdir(dir);
}

static void test_layout_required_and_file_annotations_mark_entries(void **state)
{
	(void)state;
	struct layout l = {};
	parse_ok("TMPFS_OVERLAYS_PATHS=\"/var /etc/lp\"\n"
		 "PERSISTENT_BIND_PATHS=\"/etc/ssh /var/log/x.log /etc/machine-id\"\n"
		 "# sealroot only: EMT's script ignores these two\n"
		 "REQUIRED_PATHS=\"/etc/ssh /var\"\n"
		 "PERSISTENT_BIND_FILES=\"/var/log/x.log /etc/machine-id\"\n",
		 &l);
	assert_true(find(&l, "/etc/ssh")->required);
	assert_false(find(&l, "/etc/ssh")->file);
	assert_true(find(&l, "/var")->required);
	assert_false(find(&l, "/etc/lp")->required);
	assert_true(find(&l, "/var/log/x.log")->file);
	assert_false(find(&l, "/var/log/x.log")->required);
	assert_true(find(&l, "/etc/machine-id")->file);
	layout_done(&l);

	/* The default /var overlay can be required too. */
	parse_ok("REQUIRED_PATHS=/var\n", &l);
	assert_true(find(&l, "/var")->required);
	layout_done(&l);
}

static void test_layout_annotations_must_name_listed_entries(void **state)
{
	(void)state;
	expect_one("PERSISTENT_BIND_PATHS=/etc/ssh\nREQUIRED_PATHS=\"/etc/ssh /etc/nope\"\n", 2, 26,
		   "'/etc/nope' in REQUIRED_PATHS is not listed in TMPFS_OVERLAYS_PATHS or "
		   "PERSISTENT_BIND_PATHS");
	expect_one("TMPFS_OVERLAYS_PATHS=/var\nPERSISTENT_BIND_FILES=/var\n", 2, 23,
		   "'/var' in PERSISTENT_BIND_FILES is not listed in PERSISTENT_BIND_PATHS (a "
		   "tmpfs overlay is always a directory)");
	expect_one("PERSISTENT_BIND_PATHS=/a\nPERSISTENT_BIND_FILES=\"/a /a\"\n", 2, 27,
		   "'/a' is listed twice in PERSISTENT_BIND_FILES");
	expect_one("PERSISTENT_BIND_PATHS=/a\nREQUIRED_PATHS=a\n", 2, 16,
		   "relative path 'a' in REQUIRED_PATHS");
	expect_one("PERSISTENT_BIND_FILE=/a\n", 1, 1, "did you mean 'PERSISTENT_BIND_FILES'?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_accepts_integrator_style_file),
		cmocka_unit_test(test_layout_defaults_for_empty_file),
		cmocka_unit_test(test_layout_set_but_empty_overlays_means_none),
		cmocka_unit_test(test_layout_bare_export_keeps_default),
		cmocka_unit_test(test_layout_append_with_leading_space_adds_item),
		cmocka_unit_test(test_layout_append_without_space_glues_like_bash),
		cmocka_unit_test(test_layout_append_to_unset_starts_empty),
		cmocka_unit_test(test_layout_later_assignment_replaces),
		cmocka_unit_test(test_layout_quoting_forms),
		cmocka_unit_test(test_layout_comments_and_hash_inside_words),
		cmocka_unit_test(test_layout_several_assignments_on_one_line),
		cmocka_unit_test(test_layout_overlay_sizes_accepted),
		cmocka_unit_test(test_layout_nesting_between_entries_allowed),
		cmocka_unit_test(test_layout_utf8_paths_accepted),
		cmocka_unit_test(test_layout_api_prefix_lookalikes_allowed),
		cmocka_unit_test(test_layout_rejects_command_substitution),
		cmocka_unit_test(test_layout_rejects_variable_expansion),
		cmocka_unit_test(test_layout_rejects_chains_and_redirections),
		cmocka_unit_test(test_layout_rejects_globs_and_tilde),
		cmocka_unit_test(test_layout_rejects_backslash),
		cmocka_unit_test(test_layout_rejects_unknown_variable_with_suggestion),
		cmocka_unit_test(test_layout_rejects_non_assignments),
		cmocka_unit_test(test_layout_reports_unterminated_quote_where_it_opened),
		cmocka_unit_test(test_layout_rejects_relative_paths),
		cmocka_unit_test(test_layout_rejects_dot_and_dotdot),
		cmocka_unit_test(test_layout_rejects_double_and_trailing_slash),
		cmocka_unit_test(test_layout_rejects_root_itself),
		cmocka_unit_test(test_layout_rejects_api_filesystems),
		cmocka_unit_test(test_layout_rejects_control_characters),
		cmocka_unit_test(test_layout_rejects_nul_bytes),
		cmocka_unit_test(test_layout_rejects_invalid_utf8),
		cmocka_unit_test(test_layout_rejects_overlong_paths),
		cmocka_unit_test(test_layout_rejects_duplicates_naming_first),
		cmocka_unit_test(test_layout_rejects_entries_inside_targets),
		cmocka_unit_test(test_layout_rejects_entries_hiding_targets),
		cmocka_unit_test(test_layout_rejects_bad_targets),
		cmocka_unit_test(test_layout_rejects_nested_targets),
		cmocka_unit_test(test_layout_rejects_bad_overlay),
		cmocka_unit_test(test_layout_caps_number_of_entries),
		cmocka_unit_test(test_layout_reports_all_errors_in_file_order),
		cmocka_unit_test(test_layout_caps_number_of_diagnostics),
		cmocka_unit_test(test_layout_load_file_refuses_symlinks_and_dirs),
		cmocka_unit_test(test_layout_required_and_file_annotations_mark_entries),
		cmocka_unit_test(test_layout_annotations_must_name_listed_entries),
	};
	return cmocka_run_group_tests_name("layout_parse", tests, NULL, NULL);
}
