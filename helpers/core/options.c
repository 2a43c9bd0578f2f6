// SPDX-License-Identifier: GPL-2.0-or-later
/* options.c — subcommand options from one table; see options.h. */
#include <getopt.h>
#include <stdarg.h>

#include "log.h"
#include "options.h"

#define OPTS_MAX 32
/* getopt_long() returns this plus the table index for a long option. */
#define LONG_BASE 0x10000

/* The short option of O ("-r"), or 0. */
static char short_name(const struct opt_def *o)
{
	return o->id >= 'a' && o->id <= 'z' ? (char)o->id : 0;
}

static bool takes(const struct opt_def *o, const struct opt_verb *v)
{
	return o->verbs == 0 || (o->verbs & v->verb);
}

/* "sealroot CMD VERB" into BUF. */
static const char *command_line(const struct opt_command *c, const struct opt_verb *v, char *buf,
				size_t size)
{
	(void)snprintf(buf, size, "sealroot %s%s%s", c->name, v && v->name ? " " : "",
		       v && v->name ? v->name : "");
	return buf;
}

/* "-X, --name ARG", or "    --name ARG" when PAD and there is no -X. */
static void left_column(const struct opt_def *o, bool pad, char *buf, size_t size)
{
	char s[5] = "";

	if (short_name(o))
		(void)snprintf(s, sizeof(s), "-%c, ", short_name(o));
	else if (pad)
		strcpy(s, "    ");
	(void)snprintf(buf, size, "%s--%s%s%s", s, o->name, o->arg ? " " : "",
		       o->arg ? o->arg : "");
}

static void print_options(FILE *out, const struct opt_command *c, const struct opt_verb *v)
{
	bool pad = false;
	int width = 0;
	char left[64];

	for (size_t i = 0; i < c->n_options; i++)
		if (takes(&c->options[i], v) && short_name(&c->options[i]))
			pad = true;
	for (size_t i = 0; i < c->n_options; i++) {
		if (!takes(&c->options[i], v))
			continue;
		left_column(&c->options[i], pad, left, sizeof(left));
		if ((int)strlen(left) > width)
			width = (int)strlen(left);
	}
	fputs("Options:\n", out);
	for (size_t i = 0; i < c->n_options; i++) {
		const struct opt_def *o = &c->options[i];
		if (!takes(o, v))
			continue;
		left_column(o, pad, left, sizeof(left));
		fprintf(out, "  %-*s  ", width, left);
		for (const char *h = o->help; *h; h++) {
			fputc(*h, out);
			if (*h == '\n')
				fprintf(out, "  %-*s  ", width, "");
		}
		fputc('\n', out);
	}
}

static void print_verb(FILE *out, const struct opt_command *c, const struct opt_verb *v)
{
	char cmd[64];

	fprintf(out, "Usage: %s%s\n\n", command_line(c, v, cmd, sizeof(cmd)), v->synopsis);
	if (v->help)
		fprintf(out, "%s\n", v->help);
	print_options(out, c, v);
	if (v->footer)
		fprintf(out, "\n%s", v->footer);
}

void opts_help(FILE *out, const struct opt_command *c, const struct opt_verb *v)
{
	if (v || !c->verbs[0].name) {
		print_verb(out, c, v ? v : &c->verbs[0]);
		return;
	}
	if (c->summary) {
		fputs(c->summary, out);
		return;
	}
	fprintf(out, "Usage: sealroot %s {", c->name);
	for (size_t i = 0; i < c->n_verbs; i++)
		fprintf(out, "%s%s", i ? "|" : "", c->verbs[i].name);
	fprintf(out, "} ... [--help]\n\n");
	for (size_t i = 0; i < c->n_verbs; i++) {
		if (i)
			fputc('\n', out);
		print_verb(out, c, &c->verbs[i]);
	}
}

int opts_usage_error(const struct opts *o, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	char cmd[64];
	va_list ap;

	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	command_line(o->cmd, o->verb, cmd, sizeof(cmd));
	log_error("'%s': %s; see '%s --help'", cmd, n >= 0 ? msg : fmt, cmd);
	return -EINVAL;
}

/* "a, b or c": the verbs of C. */
static void verb_list(const struct opt_command *c, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->n_verbs && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s",
				      i == 0		    ? ""
				      : i + 1 == c->n_verbs ? " or "
							    : ", ",
				      c->verbs[i].name);
}

static int pick_verb(const struct opt_command *c, int argc, char **argv,
		     const struct opt_verb **ret)
{
	char verbs[128];

	if (!c->verbs[0].name) {
		*ret = &c->verbs[0];
		return 0;
	}
	verb_list(c, verbs, sizeof(verbs));
	if (argc < 2) {
		log_error("'sealroot %s' needs a command: %s; see 'sealroot %s --help'", c->name,
			  verbs, c->name);
		return -EINVAL;
	}
	if (streq(argv[1], "-h") || streq(argv[1], "--help")) {
		opts_help(stdout, c, NULL);
		return 1;
	}
	for (size_t i = 0; i < c->n_verbs; i++)
		if (streq(argv[1], c->verbs[i].name)) {
			*ret = &c->verbs[i];
			return 0;
		}
	log_error("unknown %s command '%s': use %s (see 'sealroot %s --help')", c->name, argv[1],
		  verbs, c->name);
	return -EINVAL;
}

/* getopt_long() also takes unambiguous abbreviations (--cert for
 * --cert-dir); refuse them.  Called right after it matched O. */
static bool long_option_exact(int argc, char **argv, const struct option *o)
{
	int at = optind - 1;

	/* "--name VALUE": optarg is the element after the option. */
	if (o->has_arg == required_argument && at >= 1 && at < argc && optarg == argv[at])
		at--;
	if (at < 0 || at >= argc || !startswith(argv[at], "--"))
		return false;
	const char *text = argv[at] + 2;
	size_t len = strcspn(text, "=");
	return len == strlen(o->name) && strncmp(text, o->name, len) == 0;
}

int opts_parse(const struct opt_command *c, int argc, char **argv, opt_set_fn set, void *userdata,
	       struct opts *ret)
{
	struct option longopts[OPTS_MAX + 1];
	char shortopts[3 * OPTS_MAX + 4] = ":";
	const struct opt_verb *v = NULL;
	size_t n = 0, ns = 1;
	char cmd[64];
	int r, ch;

	*ret = (struct opts){ .cmd = c };
	if (c->n_options > OPTS_MAX) {
		log_error("'sealroot %s': more than %d options in its table", c->name, OPTS_MAX);
		return -EINVAL;
	}
	r = pick_verb(c, argc, argv, &v);
	if (r != 0)
		return r;
	ret->verb = v;
	command_line(c, v, cmd, sizeof(cmd));
	if (v->name) {
		argc--;
		argv++;
	}

	/* Only this verb's options reach getopt_long(), so the others are refused. */
	for (size_t i = 0; i < c->n_options; i++) {
		const struct opt_def *o = &c->options[i];
		if (!takes(o, v))
			continue;
		longopts[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						 NULL, LONG_BASE + (int)i };
		if (short_name(o)) {
			shortopts[ns++] = short_name(o);
			if (o->arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[n] = (struct option){};
	if (!strchr(shortopts, 'h'))
		shortopts[ns++] = 'h';
	shortopts[ns] = '\0';

	/* optind = 0 makes getopt start afresh; argv[0] is the verb (or command). */
	optind = 0;
	opterr = 0;
	int li = -1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, &li)) >= 0) {
		const struct opt_def *o = NULL;

		if (li >= 0 && !long_option_exact(argc, argv, &longopts[li])) {
			log_error("'%s': write option --%s in full", cmd, longopts[li].name);
			return -EINVAL;
		}
		li = -1;
		if (ch == ':') {
			log_error("'%s': option %s needs an argument", cmd, argv[optind - 1]);
			return -EINVAL;
		}
		if (ch >= LONG_BASE)
			o = &c->options[ch - LONG_BASE];
		else
			for (size_t i = 0; i < c->n_options && !o; i++)
				if (takes(&c->options[i], v) &&
				    (short_name(&c->options[i]) == ch ||
				     (ch == 'h' && streq(c->options[i].name, "help"))))
					o = &c->options[i];
		if (!o) {
			log_error("'%s' does not accept option %s; see '%s --help'", cmd,
				  argv[optind - 1], cmd);
			return -EINVAL;
		}
		if (streq(o->name, "help")) {
			opts_help(stdout, c, v);
			return 1;
		}
		r = set(userdata, o->id, o->arg ? optarg : NULL);
		if (r < 0)
			return -EINVAL;
	}
	ret->args = argv + optind;
	ret->n_args = argc - optind;
	return 0;
}
