// SPDX-License-Identifier: GPL-2.0-or-later
/* process.c — fork, exec and wait; see process.h. */
#include <sys/wait.h>

#include "process.h"
#include "util.h"

int process_spawn(char *const argv[], int stdout_fd, pid_t *ret_pid)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	*ret_pid = pid;
	return 0;
}

int process_wait(pid_t pid)
{
	int status;

	if (RETRY_ON_EINTR(waitpid(pid, &status, 0)) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -EINTR;
	return WEXITSTATUS(status);
}

int process_run(char *const argv[])
{
	pid_t pid = -1;
	int r = process_spawn(argv, -1, &pid);

	if (r < 0)
		return r;
	return process_wait(pid);
}
