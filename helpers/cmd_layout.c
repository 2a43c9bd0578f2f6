// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_layout.c — placeholder until the 'layout' command lands; always fails. */
#include "commands.h"
#include "log.h"

int cmd_layout(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_error("'layout' is not implemented in this build");
	return 1;
}
