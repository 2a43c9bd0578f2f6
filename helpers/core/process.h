/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * process.h — run another program (mkfs.ext4, e2fsck, systemd-ask-password)
 * and wait for it.  The one place sealroot forks.
 *
 * The child inherits the environment and every descriptor without
 * O_CLOEXEC; sealroot opens its own with O_CLOEXEC.  Nothing here logs: the
 * caller knows which program failed on what.
 */
#pragma once

#include <sys/types.h>

/* Start ARGV[0] (looked up in PATH) with ARGV.  With STDOUT_FD >= 0 the
 * child's standard output is that descriptor.  *RET_PID: the child.
 * Returns 0 or a negative errno (fork failed; a failed exec shows as exit
 * status 127 from process_wait()). */
int process_spawn(char *const argv[], int stdout_fd, pid_t *ret_pid);

/* Wait for PID to end (interrupted waits are retried).  Returns its exit
 * status 0..255, -EINTR when a signal killed it, or the negative errno of
 * waitpid(). */
int process_wait(pid_t pid);

/* process_spawn() without redirection, then process_wait(). */
int process_run(char *const argv[]);
