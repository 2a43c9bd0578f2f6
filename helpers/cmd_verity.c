// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_verity.c — placeholder until the 'verity' command lands; always fails. */
#include "commands.h"
#include "log.h"

int cmd_verity(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_error("'verity' is not implemented in this build");
	return 1;
}
