// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for manifest.c: the merge base on the persistent partition is
 * untrusted input, parsed strictly; what is written reads back the same. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "manifest.h"
#include "util.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HDR "sealroot-manifest 1\n"

static const char valid[] = HDR "E tree:ab /etc/hosts\n"
				"R f 0644 0 0 10 " H64 " /etc/hosts\n"
				"E roothash:00ff /etc/ssh\n"
				"R d 0755 0 0 0 - /etc/ssh\n"
				"R f 0600 7 8 123 " H64 " /etc/ssh/a b\n"
				"R l 0777 0 0 3 " H64 " /etc/ssh/link\n"
				"R d 0700 0 0 0 - /etc/ssh/sub\n"
				"R p 0600 0 0 0 - /etc/ssh/sub/fifo\n"
				"R f 0644 0 0 0 " H64 " /etc/ssh/sub.conf\n";

static char *write_to_string(const struct manifest *m)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(manifest_write(m, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_valid_roundtrip(void **state)
{
	(void)state;
	struct manifest m = {};
	assert_int_equal(manifest_parse(valid, strlen(valid), &m, NULL, NULL), 0);
	assert_int_equal(m.n_entries, 2);
	assert_string_equal(m.entries[0].path, "/etc/hosts");
	assert_string_equal(m.entries[1].image_id, "roothash:00ff");
	assert_int_equal(m.entries[1].n_records, 6);
	const struct manifest_record *r = manifest_find_record(&m.entries[1], "/etc/ssh/a b");
	assert_non_null(r);
	assert_int_equal(r->type, MANIFEST_FILE);
	assert_int_equal(r->mode, 0600);
	assert_int_equal(r->uid, 7);
	assert_int_equal(r->gid, 8);
	assert_int_equal(r->size, 123);
	assert_int_equal(r->hash[0], 0x01);
	assert_int_equal(r->hash[31], 0xef);
	assert_null(manifest_find_record(&m.entries[1], "/etc/ssh/nope"));
	assert_non_null(manifest_find_entry(&m, "/etc/ssh"));
	assert_null(manifest_find_entry(&m, "/etc"));
	_cleanup_free_ char *out = write_to_string(&m);
	assert_string_equal(out, valid);
	manifest_done(&m);
}

static void test_path_order_puts_descendants_first(void **state)
{
	(void)state;
	assert_true(manifest_path_cmp("/a", "/a/b") < 0);
	assert_true(manifest_path_cmp("/a/b", "/a b") < 0); /* '/' before ' ' */
	assert_true(manifest_path_cmp("/a/z", "/a-b") < 0);
	assert_true(manifest_path_cmp("/a", "/a") == 0);
	assert_true(manifest_path_cmp("/b", "/a/c") > 0);
}

static void test_escapes_roundtrip(void **state)
{
	(void)state;
	static const char text[] =
	    HDR "E tree:x /etc/a\\\\b\n"
		"R d 0755 0 0 0 - /etc/a\\\\b\n"
		"R f 0644 0 0 1 " H64 " /etc/a\\\\b/new\\x0aline\\x09tab\\x7f\n";
	struct manifest m = {};
	assert_int_equal(manifest_parse(text, strlen(text), &m, NULL, NULL), 0);
	assert_string_equal(m.entries[0].path, "/etc/a\\b");
	assert_string_equal(m.entries[0].records[1].path, "/etc/a\\b/new\nline\ttab\x7f");
	_cleanup_free_ char *out = write_to_string(&m);
	assert_string_equal(out, text);
	manifest_done(&m);
}

static void expect_bad(const char *text, size_t size, unsigned want_line, const char *want_why)
{
	struct manifest m = {};
	unsigned line = 99;
	const char *why = NULL;
	assert_int_equal(manifest_parse(text, size, &m, &line, &why), -EBADMSG);
	assert_int_equal(line, want_line);
	assert_non_null(why);
	if (!strstr(why, want_why))
		fail_msg("why '%s' does not contain '%s' for:\n%s", why, want_why, text);
	assert_int_equal(m.n_entries, 0);
	assert_null(m.entries);
}

#define BAD(text, line, why) expect_bad(text, strlen(text), line, why)

static void test_header_and_framing(void **state)
{
	(void)state;
	BAD("", 1, "first line");
	BAD("sealroot-manifest 2\n", 1, "first line");
	BAD(HDR "E tree:x /a", 1, "not terminated");
	expect_bad(HDR "E tree:x /a\0\n", strlen(HDR) + 13, 1, "NUL");
	BAD(HDR "X tree:x /a\n", 2, "neither");
	BAD(HDR "R d 0755 0 0 0 - /a\n", 2, "before any entry");
}

static void test_entries(void **state)
{
	(void)state;
	BAD(HDR "E  /a\n", 2, "image identity");
	BAD(HDR "E tree/x /a\n", 2, "outside");
	BAD(HDR "E tree:x a\n", 2, "absolute");
	BAD(HDR "E tree:x /b\nE tree:x /a\n", 3, "increasing");
	BAD(HDR "E tree:x /a\nE tree:x /a\n", 3, "increasing");
	BAD(HDR "E tree:x /\n", 2, "'/'");
}

static void test_records(void **state)
{
	(void)state;
	BAD(HDR "E t /a\nR x 0755 0 0 0 - /a\n", 3, "type");
	BAD(HDR "E t /a\nR d 0855 0 0 0 - /a\n", 3, "octal");
	BAD(HDR "E t /a\nR d 07555 0 0 0 - /a\n", 3, "octal");
	BAD(HDR "E t /a\nR d 0755 01 0 0 - /a\n", 3, "leading zero");
	BAD(HDR "E t /a\nR d 0755 4294967295 0 0 - /a\n", 3, "too large");
	BAD(HDR "E t /a\nR d 0755 -1 0 0 - /a\n", 3, "number");
	BAD(HDR "E t /a\nR d 0755 0 0 5 - /a\n", 3, "size 0");
	BAD(HDR "E t /a\nR d 0755 0 0 0 " H64 " /a\n", 3, "'-'");
	BAD(HDR "E t /a\nR f 0644 0 0 1 - /a\n", 3, "SHA-256");
	BAD(HDR "E t /a\nR f 0644 0 0 1 "
		"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef /a\n",
	    3, "SHA-256");
	BAD(HDR "E t /a\nR l 0777 0 0 0 " H64 " /a\n", 3, "symbolic link");
	BAD(HDR "E t /a\nR d 0755 0 0 0 - /b\n", 3, "below its entry");
	BAD(HDR "E t /a\nR d 0755 0 0 0 - /ab\n", 3, "below its entry");
	BAD(HDR "E t /a\nR d 0755 0 0 0 - /a/c\nR d 0755 0 0 0 - /a/b\n", 4, "increasing");
	BAD(HDR "E t /a\nR d 0755 0 0 0 - /a/b\nR d 0755 0 0 0 - /a/b\n", 4, "increasing");
	/* Nested entries must not both record a path. */
	BAD(HDR "E t /a\nR d 0755 0 0 0 - /a/b\nE t /a/b\nR d 0755 0 0 0 - /a/b\n", 0,
	    "two entries");
}

static void test_paths(void **state)
{
	(void)state;
	BAD(HDR "E t /a/\n", 2, "trailing");
	BAD(HDR "E t /a//b\n", 2, "empty component");
	BAD(HDR "E t /a/./b\n", 2, "'.'");
	BAD(HDR "E t /a/..\n", 2, "'..'");
	BAD(HDR "E t /a\tb\n", 2, "not escaped");
	BAD(HDR "E t /a\\x41\n", 2, "not needed");
	BAD(HDR "E t /a\\x00\n", 2, "not needed");
	BAD(HDR "E t /a\\x5c\n", 2, "not needed"); /* "\" is written "\\" */
	BAD(HDR "E t /a\\q\n", 2, "invalid escape");
	BAD(HDR "E t /a\\x4\n", 2, "invalid escape");
	BAD(HDR "E t /a\\\n", 2, "invalid escape");

	char name[300], text[400];
	memset(name, 'n', 256);
	name[256] = '\0';
	(void)snprintf(text, sizeof(text), HDR "E t /%s\n", name);
	BAD(text, 2, "255 bytes");
}

static void test_set_entry_keeps_order_and_replaces(void **state)
{
	(void)state;
	struct manifest m = {};
	const char *paths[] = { "/var/lib", "/etc/ssh", "/etc", "/etc/ssh" };
	for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
		struct manifest_entry e = { .path = strdup(paths[i]) };
		assert_int_equal(asprintf(&e.image_id, "id%zu", i), 3);
		assert_int_equal(manifest_set_entry(&m, &e), 0);
		assert_null(e.path);
	}
	assert_int_equal(m.n_entries, 3);
	assert_string_equal(m.entries[0].path, "/etc");
	assert_string_equal(m.entries[1].path, "/etc/ssh");
	assert_string_equal(m.entries[1].image_id, "id3");
	assert_string_equal(m.entries[2].path, "/var/lib");
	manifest_done(&m);
}

static void test_save_and_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/sealroot-manifest-test.XXXXXX";
	struct manifest m = {}, back = {};
	assert_non_null(mkdtemp(dir));
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);

	assert_int_equal(manifest_load(dfd, &back, NULL, NULL), -ENOENT);
	assert_int_equal(manifest_parse(valid, strlen(valid), &m, NULL, NULL), 0);
	assert_int_equal(manifest_save(dfd, &m), 0);
	assert_int_equal(faccessat(dfd, MANIFEST_NAME ".tmp", F_OK, 0), -1);
	assert_int_equal(manifest_load(dfd, &back, NULL, NULL), 0);
	_cleanup_free_ char *a = write_to_string(&m), *b = write_to_string(&back);
	assert_string_equal(a, b);
	manifest_done(&back);

	/* A symlink is not followed; a directory is not a manifest. */
	assert_int_equal(unlinkat(dfd, MANIFEST_NAME, 0), 0);
	assert_int_equal(symlinkat("/etc/passwd", dfd, MANIFEST_NAME), 0);
	const char *why = NULL;
	assert_int_equal(manifest_load(dfd, &back, NULL, &why), -EBADMSG);
	assert_string_equal(why, "a symbolic link");
	assert_int_equal(unlinkat(dfd, MANIFEST_NAME, 0), 0);
	assert_int_equal(mkdirat(dfd, MANIFEST_NAME, 0700), 0);
	assert_int_equal(manifest_load(dfd, &back, NULL, &why), -EBADMSG);
	assert_int_equal(unlinkat(dfd, MANIFEST_NAME, AT_REMOVEDIR), 0);
	assert_int_equal(rmdir(dir), 0);
	manifest_done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_roundtrip),
		cmocka_unit_test(test_path_order_puts_descendants_first),
		cmocka_unit_test(test_escapes_roundtrip),
		cmocka_unit_test(test_header_and_framing),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_set_entry_keeps_order_and_replaces),
		cmocka_unit_test(test_save_and_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
