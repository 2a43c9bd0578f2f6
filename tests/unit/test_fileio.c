// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for fileio.c: bounded whole-file reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/mman.h>

#include "fileio.h"
#include "util.h"

static int memfd_with(size_t size, char fill)
{
	int fd = memfd_create("fileio-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	for (size_t k = 0; k < size; k++)
		assert_int_equal(write(fd, &fill, 1), 1);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void test_read_fd_bounded_empty_file_gives_empty_string(void **state)
{
	(void)state;
	_cleanup_close_ int fd = memfd_with(0, 'x');
	_cleanup_free_ char *buf = NULL;
	size_t size = 99;
	assert_int_equal(read_fd_bounded(fd, 10, &buf, &size), 0);
	assert_int_equal(size, 0);
	assert_string_equal(buf, "");
}

static void test_read_fd_bounded_accepts_exactly_max(void **state)
{
	(void)state;
	/* Larger than the first 4096-byte allocation, so the buffer must grow. */
	_cleanup_close_ int fd = memfd_with(10000, 'a');
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	assert_int_equal(read_fd_bounded(fd, 10000, &buf, &size), 0);
	assert_int_equal(size, 10000);
	assert_int_equal(buf[9999], 'a');
	assert_int_equal(buf[10000], '\0');
}

static void test_read_fd_bounded_refuses_one_byte_more(void **state)
{
	(void)state;
	_cleanup_close_ int fd = memfd_with(4097, 'b');
	char *buf = NULL;
	size_t size = 0;
	assert_int_equal(read_fd_bounded(fd, 4096, &buf, &size), -EFBIG);
	assert_null(buf);
}

static void test_read_fd_bounded_reports_read_errors(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t size = 0;
	assert_int_equal(read_fd_bounded(-1, 16, &buf, &size), -EBADF);
	assert_null(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_fd_bounded_empty_file_gives_empty_string),
		cmocka_unit_test(test_read_fd_bounded_accepts_exactly_max),
		cmocka_unit_test(test_read_fd_bounded_refuses_one_byte_more),
		cmocka_unit_test(test_read_fd_bounded_reports_read_errors),
	};
	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
