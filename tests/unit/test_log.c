// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for log.c: the errno contract every module relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "log.h"

static void test_log_error_errno_returns_negative_errno(void **state)
{
	(void)state;
	log_set_max_level(LOG_LEVEL_ERR);
	assert_int_equal(log_error_errno(-ENOENT, "x %s", "y"), -ENOENT);
	/* A positive errno is normalised to negative. */
	assert_int_equal(log_error_errno(EACCES, "x"), -EACCES);
}

static void test_log_preserves_errno(void **state)
{
	(void)state;
	errno = EBUSY;
	(void)log_error_errno(-EPERM, "message %m");
	assert_int_equal(errno, EBUSY);
}

static void test_log_below_level_is_silent_but_returns(void **state)
{
	(void)state;
	log_set_max_level(LOG_LEVEL_ERR);
	assert_int_equal(log_debug_errno(-EIO, "hidden"), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_error_errno_returns_negative_errno),
		cmocka_unit_test(test_log_preserves_errno),
		cmocka_unit_test(test_log_below_level_is_silent_but_returns),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
