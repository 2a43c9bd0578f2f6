/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * options.h — the one way a subcommand declares and parses its options.
 *
 * A command is two tables: its verbs (`persist open`, `layout check`; a
 * command without verbs, like `sealroot lock`, has one unnamed verb) and its
 * options, each naming the verbs that take it.  The getopt_long() parser and
 * the option list of --help both come from these tables, so they cannot
 * disagree.  The rules are the same for every command:
 *
 *   - a verb takes only its own options, written in full: the abbreviations
 *     getopt_long() would accept (--cert for --cert-dir) are refused;
 *   - -h and --help print the help on stdout, wherever they stand;
 *   - a usage error is logged once, as "'sealroot CMD VERB': …" with a
 *     pointer to its --help; the command then exits EXIT_USAGE (commands.h).
 */
#pragma once

#include <stdio.h>

#include "util.h"

struct opt_verb {
	unsigned verb;	      /* its bit in opt_def.verbs */
	const char *name;     /* NULL: the command has no verbs */
	const char *synopsis; /* after "Usage: sealroot CMD VERB" */
	const char *help;     /* between the usage line and the options */
	const char *footer;   /* after the options (exit status …); may be NULL */
};

struct opt_def {
	const char *name; /* long name, without "--"; "help" shows the help */
	int id;		  /* handed to the command's opt_set_fn; > 0.  A lower-case
			     letter is also the short option: 'r' makes -r */
	const char *arg;  /* the argument's name in --help; NULL: no argument */
	unsigned verbs;	  /* verbs taking it (opt_verb.verb bits); 0: every verb */
	const char *help; /* a '\n' in it starts an indented continuation line */
};

struct opt_command {
	const char *name;    /* "layout" */
	const char *summary; /* `sealroot NAME --help` of a command with verbs;
				NULL: the usage of every verb in turn */
	const struct opt_verb *verbs;
	size_t n_verbs;
	const struct opt_def *options;
	size_t n_options;
};

/* The table fields of a struct opt_command:
 *   { .name = "lock", OPT_TABLES(verbs, options) } */
#define OPT_TABLES(v, o)                                                                           \
	.verbs = (v), .n_verbs = ELEMENTSOF(v), .options = (o), .n_options = ELEMENTSOF(o)

/* What opts_parse() found. */
struct opts {
	const struct opt_command *cmd;
	const struct opt_verb *verb;
	char **args; /* the positional arguments */
	int n_args;
};

/* Store the option ID with its argument ARG (NULL if it takes none); 0, or
 * a negative errno after logging what is wrong with ARG. */
typedef int (*opt_set_fn)(void *userdata, int id, const char *arg);

/* Parse ARGV as main() hands it to the command (ARGV[0] is the command's
 * name; for a command with verbs ARGV[1] is the verb).  Calls SET for each
 * option in order.  Returns 0 with *RET filled, 1 when the help was printed
 * (exit 0), or -EINVAL after a logged usage error (also SET's own error). */
int opts_parse(const struct opt_command *cmd, int argc, char **argv, opt_set_fn set, void *userdata,
	       struct opts *ret);

/* The help of VERB of CMD (NULL: of the whole command). */
void opts_help(FILE *out, const struct opt_command *cmd, const struct opt_verb *verb);

/* Log "'sealroot CMD VERB': MESSAGE; see 'sealroot CMD VERB --help'" for a
 * usage error found after parsing (positional arguments, option values);
 * returns -EINVAL. */
_printf_(2, 3) int opts_usage_error(const struct opts *o, const char *fmt, ...);
