// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for layout_migrate.c: EMT's store names of layout paths.  The
 * moves themselves are tested on real trees by
 * tests/host/test_layout_migrate_*.sh. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "layout_migrate.h"
#include "util.h"

static void expect_name(const char *path, const char *want)
{
	_cleanup_free_ char *got = NULL;
	assert_int_equal(layout_migrate_emt_name(path, &got), 0);
	assert_string_equal(got, want);
}

static void test_emt_name_flattens_slashes(void **state)
{
	(void)state;
	expect_name("/etc/ssh", "etc-ssh.bind");
	expect_name("/etc/machine-id", "etc-machine-id.bind");
	expect_name("/var/lib/rancher", "var-lib-rancher.bind");
	expect_name("/home", "home.bind");
	expect_name("/var/log/inbm-update-status.log", "var-log-inbm-update-status.log.bind");
}

static void test_emt_name_does_not_escape_dashes(void **state)
{
	(void)state;
	/* EMT writes "/" as "-" and leaves "-" as it is: these collide. */
	expect_name("/etc/a-b", "etc-a-b.bind");
	expect_name("/etc/a/b", "etc-a-b.bind");
}

static void test_emt_name_length_limit(void **state)
{
	(void)state;
	char path[NAME_MAX + 8];
	char *got = NULL;

	path[0] = '/';
	memset(path + 1, 'x', NAME_MAX - 5);
	path[NAME_MAX - 4] = '\0'; /* 250 bytes + ".bind" = NAME_MAX */
	assert_int_equal(layout_migrate_emt_name(path, &got), 0);
	assert_int_equal(strlen(got), NAME_MAX);
	free(got);
	got = NULL;
	strcat(path, "y");
	assert_int_equal(layout_migrate_emt_name(path, &got), -ENAMETOOLONG);
	assert_null(got);
	assert_int_equal(layout_migrate_emt_name("/", &got), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emt_name_flattens_slashes),
		cmocka_unit_test(test_emt_name_does_not_escape_dashes),
		cmocka_unit_test(test_emt_name_length_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
