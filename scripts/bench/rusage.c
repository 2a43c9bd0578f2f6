// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-rusage — the boot benchmark's helper in its initramfs variants
 * (scripts/bench/run-boot-bench).
 *
 *   bench-rusage --mark NAME      write "bench: stage NAME" to the kernel log
 *   bench-rusage NAME CMD [ARG…]  run CMD, then write "bench: rss NAME KIB rc=N"
 *                                 (peak RSS of CMD and every descendant it
 *                                 waited for, getrusage ru_maxrss) and exit
 *                                 with CMD's status
 *
 * A tiny C program so a marker costs one exec, not a shell. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void kmsg(const char *fmt, const char *name, long kib, int rc)
{
	char line[256];
	int n = snprintf(line, sizeof(line), fmt, name, kib, rc);
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (n <= 0)
		return;
	if (fd < 0) {
		(void)!write(STDERR_FILENO, line + 3, strlen(line + 3));
		return;
	}
	(void)!write(fd, line, strlen(line));
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--mark") == 0) {
		kmsg("<5>bench: stage %s\n", argv[2], 0, 0);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr,
			"usage: bench-rusage --mark NAME | bench-rusage NAME CMD [ARG...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("bench-rusage: fork");
		return 1;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		fprintf(stderr, "bench-rusage: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("bench-rusage: wait4");
			return 1;
		}
	}
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	kmsg("<5>bench: rss %s %ld rc=%d\n", argv[1], ru.ru_maxrss, rc);
	return rc;
}
