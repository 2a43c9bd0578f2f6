// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for svn.c: the minimum as a thermometer of bits (raising ORs
 * bits in and can never lower it), strict parsing of sealroot.svn=, and
 * telling a trial boot (LoaderBootCountPath set) from a blessed one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svn.h"

static void test_svn_thermometer(void **state)
{
	assert_int_equal(svn_bits_for_minimum(0), 0);
	assert_int_equal(svn_bits_for_minimum(1), 1);
	assert_int_equal(svn_bits_for_minimum(3), 7);
	assert_true(svn_bits_for_minimum(63) == UINT64_MAX >> 1);
	assert_true(svn_bits_for_minimum(SVN_RETIRE_ALL) == UINT64_MAX);
	for (unsigned m = 0; m <= SVN_RETIRE_ALL; m++)
		assert_int_equal(svn_minimum_from_bits(svn_bits_for_minimum(m)), m);
	/* OR-ing a lower minimum's bits into a higher one changes nothing. */
	assert_int_equal(svn_minimum_from_bits(svn_bits_for_minimum(5) | svn_bits_for_minimum(2)),
			 5);
	/* A hole below the highest bit does not lower it. */
	assert_int_equal(svn_minimum_from_bits(UINT64_C(0x10)), 5);
	(void)state;
}

static void test_svn_allowed(void **state)
{
	assert_true(svn_allowed(1, 0));
	assert_true(svn_allowed(1, 1));
	assert_false(svn_allowed(1, 2));
	assert_true(svn_allowed(63, 63));
	assert_false(svn_allowed(63, SVN_RETIRE_ALL));
	(void)state;
}

static void test_svn_parse(void **state)
{
	static const char *const bad[] = { "", "64", "-1", "01", "1x", "x", "100", " 1", "+1" };
	unsigned v = 99;

	assert_int_equal(svn_parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(svn_parse("7", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(svn_parse("63", &v), 0);
	assert_int_equal(v, 63);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(svn_parse(bad[i], &v), -EINVAL);
	assert_int_equal(svn_parse(NULL, &v), -EINVAL);
	(void)state;
}

static void test_svn_trial_boot(void **state)
{
	char dir[] = "/tmp/svn-efivars.XXXXXX", path[256];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(svn_boot_is_trial(dir), 0);
	snprintf(path, sizeof(path), "%s/LoaderEntrySelected-" SVN_LOADER_GUID, dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(svn_boot_is_trial(dir), 0);
	snprintf(path, sizeof(path), "%s/LoaderBootCountPath-" SVN_LOADER_GUID, dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(svn_boot_is_trial(dir), 1);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/LoaderEntrySelected-" SVN_LOADER_GUID, dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	/* Unreadable variables: not known, never "blessed". */
	assert_int_equal(svn_boot_is_trial(dir), -ENOENT);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svn_thermometer),
		cmocka_unit_test(test_svn_allowed),
		cmocka_unit_test(test_svn_parse),
		cmocka_unit_test(test_svn_trial_boot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
