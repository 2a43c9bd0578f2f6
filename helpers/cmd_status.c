// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_status.c — placeholder until the 'status' command lands; always fails. */
#include "commands.h"
#include "log.h"

int cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_error("'status' is not implemented in this build");
	return 1;
}
