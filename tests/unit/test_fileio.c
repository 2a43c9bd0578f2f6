// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for fileio.c: bounded whole-file reads, whole writes, mkdir -p. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

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

static void test_write_all_writes_every_byte_through_a_pipe(void **state)
{
	(void)state;
	/* More than a pipe holds at once (64 KiB): a reader drains it meanwhile. */
	enum { SIZE = 200 * 1024 };
	_cleanup_free_ char *data = malloc(SIZE), *got = NULL;
	size_t got_size = 0;
	int p[2];
	assert_non_null(data);
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (char)('a' + i % 26);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write_all(p[1], data, SIZE) == 0 ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(read_fd_bounded(p[0], SIZE, &got, &got_size), 0);
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got_size, SIZE);
	assert_memory_equal(got, data, SIZE);
}

static void test_write_all_reports_errors(void **state)
{
	(void)state;
	assert_int_equal(write_all(-1, "x", 1), -EBADF);
}

static void test_mkdir_p_creates_parents_and_accepts_existing(void **state)
{
	(void)state;
	char dir[] = "/tmp/sealroot-fileio.XXXXXX";
	_cleanup_free_ char *deep = NULL, *file = NULL, *under_file = NULL;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&deep, "%s/a/b//c/", dir) > 0);
	assert_int_equal(mkdir_p(deep), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755 & ~umask(022));
	/* Again: everything exists. */
	assert_int_equal(mkdir_p(deep), 0);
	assert_int_equal(mkdir_p("/"), 0);
	assert_int_equal(mkdir_p(""), -ENOENT);

	/* A file in the way. */
	assert_true(asprintf(&file, "%s/f", dir) > 0);
	assert_true(asprintf(&under_file, "%s/f/g", dir) > 0);
	_cleanup_close_ int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(mkdir_p(under_file), -ENOTDIR);

	char *cmd = NULL;
	assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_fd_bounded_empty_file_gives_empty_string),
		cmocka_unit_test(test_read_fd_bounded_accepts_exactly_max),
		cmocka_unit_test(test_read_fd_bounded_refuses_one_byte_more),
		cmocka_unit_test(test_read_fd_bounded_reports_read_errors),
		cmocka_unit_test(test_write_all_writes_every_byte_through_a_pipe),
		cmocka_unit_test(test_write_all_reports_errors),
		cmocka_unit_test(test_mkdir_p_creates_parents_and_accepts_existing),
	};
	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
