/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * commands.h — entry points of the subcommands.  Each takes the arguments
 * after its own name (argv[0] is the subcommand name) and returns the process
 * exit status: 0 success, 1 the operation failed, 2 usage error.
 */
#pragma once

#define EXIT_USAGE 2

int cmd_layout(int argc, char **argv);
int cmd_verity(int argc, char **argv);
int cmd_persist(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_lock(int argc, char **argv);

/* `sealroot persist mount --cmdline CMDLINE --mount-point MOUNT_POINT` (both
 * may be NULL: /proc/cmdline, <sysroot>/opt), for `layout apply
 * --mount-persist`: the same step, report stage and lock on failure, in the
 * calling process.  Returns the exit status as cmd_persist() does. */
int cmd_persist_mount(const char *cmdline, const char *mount_point);

/* A stage command (verity open, persist open, layout apply) failed: inside
 * the initramfs, lock as `sealroot lock --reason REASON` does (CMDLINE and
 * TPM2_DEVICE: the command's own overrides, may be NULL); elsewhere (a
 * booted system, the host) do nothing.  0 or the lock's negative errno. */
int cmd_lock_after_failure(const char *reason, const char *cmdline, const char *tpm2_device);
