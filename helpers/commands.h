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
