// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_persist.c — placeholder until the 'persist' command lands; always fails. */
#include "commands.h"
#include "log.h"

int cmd_persist(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_error("'persist' is not implemented in this build");
	return 1;
}
