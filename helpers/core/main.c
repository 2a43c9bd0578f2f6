// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c — the sealroot binary: global options and subcommand dispatch.
 * Each step of the boot lives in its own cmd_*.c.
 */
#include <getopt.h>

#include "commands.h"
#include "log.h"

#ifndef SEALROOT_VERSION
#define SEALROOT_VERSION "0.0.0"
#endif

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "layout", cmd_layout,
	  "check, plan or apply a layout.env (tmpfs overlays, persistent binds)" },
	{ "verity", cmd_verity,
	  "open the dm-verity protected root named by the kernel command line" },
	{ "persist", cmd_persist,
	  "provision, unlock, check or reseal the TPM2-sealed LUKS2 partition" },
	{ "status", cmd_status,
	  "show what sealroot did during this boot (/run/sealroot/report.json)" },
	{ "lock", cmd_lock,
	  "end this boot's access to the persistent partition (extend PCR 15, close it)" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: sealroot [OPTIONS] COMMAND [ARGS…]\n\n"
		     "Set up a verified, partly writable root inside the initramfs.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
		fprintf(out, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\nOptions:\n"
		     "  -v, --verbose   print debug messages\n"
		     "      --kmsg      also write messages to the kernel log (/dev/kmsg)\n"
		     "  -h, --help      show this help\n"
		     "      --version   show the version\n\n"
		     "Run 'sealroot COMMAND --help' for a command's options.\n"
		     "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	enum { OPT_KMSG = 0x100, OPT_VERSION };
	static const struct option options[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "kmsg", no_argument, NULL, OPT_KMSG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{},
	};
	int c;

	/* Stop at the first non-option: the subcommand parses the rest. */
	while ((c = getopt_long(argc, argv, "+vh", options, NULL)) >= 0) {
		switch (c) {
		case 'v':
			log_set_max_level(LOG_LEVEL_DEBUG);
			break;
		case OPT_KMSG:
			log_set_kmsg(true);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("sealroot %s\n", SEALROOT_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	const char *name = argv[optind];
	for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
		if (streq(name, subcommands[i].name)) {
			/* Reset getopt for the subcommand's own parsing. */
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 0;
			return subcommands[i].run(sub_argc, sub_argv);
		}

	log_error("unknown command '%s' (run 'sealroot --help' for the list)", name);
	return EXIT_USAGE;
}
