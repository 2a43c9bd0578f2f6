// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for process.c: run a program, its exit status, its output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>

#include "fileio.h"
#include "process.h"
#include "util.h"

static void test_process_run_returns_exit_status(void **state)
{
	(void)state;
	char *ok[] = { "true", NULL };
	char *bad[] = { "sh", "-c", "exit 7", NULL };
	assert_int_equal(process_run(ok), 0);
	assert_int_equal(process_run(bad), 7);
}

static void test_process_run_missing_program_is_127(void **state)
{
	(void)state;
	char *argv[] = { "sealroot-no-such-program", NULL };
	assert_int_equal(process_run(argv), 127);
}

static void test_process_wait_killed_child_is_eintr(void **state)
{
	(void)state;
	char *argv[] = { "sleep", "30", NULL };
	pid_t pid = -1;
	assert_int_equal(process_spawn(argv, -1, &pid), 0);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(process_wait(pid), -EINTR);
}

static void test_process_wait_no_such_child(void **state)
{
	(void)state;
	assert_int_equal(process_wait(getpid()), -ECHILD);
}

static void test_process_spawn_sends_stdout_to_fd(void **state)
{
	(void)state;
	char *argv[] = { "echo", "hello", NULL };
	_cleanup_free_ char *out = NULL;
	size_t size = 0;
	pid_t pid = -1;
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(process_spawn(argv, p[1], &pid), 0);
	close(p[1]);
	assert_int_equal(read_fd_bounded(p[0], 64, &out, &size), 0);
	close(p[0]);
	assert_int_equal(process_wait(pid), 0);
	assert_string_equal(out, "hello\n");
}

/* A signal that interrupts the parent's wait must not end it early. */
static void on_alarm(int sig)
{
	(void)sig;
}

static void test_process_wait_retries_when_interrupted(void **state)
{
	(void)state;
	char *argv[] = { "sh", "-c", "sleep 0.3; exit 3", NULL };
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	pid_t pid = -1;

	/* No SA_RESTART: waitpid() fails with EINTR when the alarm fires. */
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(process_spawn(argv, -1, &pid), 0);
	ualarm(100 * 1000, 0);
	assert_int_equal(process_wait(pid), 3);
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_run_returns_exit_status),
		cmocka_unit_test(test_process_run_missing_program_is_127),
		cmocka_unit_test(test_process_wait_killed_child_is_eintr),
		cmocka_unit_test(test_process_wait_no_such_child),
		cmocka_unit_test(test_process_spawn_sends_stdout_to_fd),
		cmocka_unit_test(test_process_wait_retries_when_interrupted),
	};
	return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}
