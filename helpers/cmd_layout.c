// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_layout.c — `sealroot layout check|plan|apply`: read a layout.env,
 * report every problem in it, show the mount plan, or perform it under a
 * root directory.
 */
#include <fcntl.h>
#include <getopt.h>

#include "cmdline.h"
#include "commands.h"
#include "layout.h"
#include "layout_apply.h"
#include "layout_merge.h"
#include "log.h"
#include "report.h"
#include "safe_path.h"

static void usage_layout(FILE *out)
{
	fprintf(out, "Usage: sealroot layout COMMAND [OPTIONS] FILE\n\n"
		     "Read a layout.env (tmpfs overlays and persistent bind mounts).\n\n"
		     "Commands:\n"
		     "  check [--root DIR] FILE          report every problem in FILE\n"
		     "  plan [--root DIR] [--json] FILE  print the ordered mount operations\n"
		     "  apply --root DIR FILE            perform them beneath DIR\n\n"
		     "Run 'sealroot layout COMMAND --help' for details.\n"
		     "Exit status: 0 success, 1 invalid layout or failure, 2 usage error.\n");
}

static void usage_check(FILE *out)
{
	fprintf(out, "Usage: sealroot layout check [--root DIR] FILE\n\n"
		     "Parse and validate FILE (never executing it).  Every problem is printed\n"
		     "as FILE:LINE:COL: error: MESSAGE on stderr; a clean file prints a\n"
		     "one-line summary on stdout.\n\n"
		     "Options:\n"
		     "  -r, --root DIR  also predict the first boot on the unpacked root DIR:\n"
		     "                  an entry the boot would skip, or not mount because of a\n"
		     "                  conflict, is a warning (FILE:LINE:COL: warning: …); a\n"
		     "                  symlink or a required entry that cannot be applied is\n"
		     "                  an error\n"
		     "  -h, --help      show this help\n\n"
		     "Exit status: 0 valid (warnings allowed), 1 errors found or FILE unreadable,\n"
		     "2 usage error.\n");
}

static void usage_plan(FILE *out)
{
	fprintf(out,
		"Usage: sealroot layout plan [--root DIR] [--json] FILE\n\n"
		"Print the mount operations FILE describes, in the order they are done:\n"
		"the tmpfs first, then parents before children, ties in file order.\n\n"
		"Options:\n"
		"  -r, --root DIR  also check the mount points in DIR, as 'check' does\n"
		"  -j, --json      print a JSON array of {op, target, source|upper/work, line,\n"
		"                  required, file}\n"
		"  -h, --help      show this help\n\n"
		"Exit status: 0 printed, 1 invalid layout, 2 usage error.\n");
}

static void usage_apply(FILE *out)
{
	fprintf(out, "Usage: sealroot layout apply --root DIR [--cmdline S] [FILE]\n\n"
		     "Parse FILE and perform its mounts beneath DIR (in the initramfs: the\n"
		     "verified root, e.g. /sysroot).  Nothing is mounted when FILE is invalid.\n"
		     "Without FILE, the layout is DIR + sealroot.layout= from the kernel command\n"
		     "line (default /etc/sealroot/layout.env), read without following symlinks.\n"
		     "The result is recorded as the 'layout' stage of the boot report.\n\n"
		     "Options:\n"
		     "  -r, --root DIR     the root to apply the layout to (required)\n"
		     "      --cmdline S    read sealroot.layout= from S, not /proc/cmdline\n"
		     "  -h, --help         show this help\n\n"
		     "Entries the image cannot take are skipped with a warning, and a\n"
		     "persistent copy whose type disagrees with the image is kept and not\n"
		     "mounted (a conflict), unless the entry is in REQUIRED_PATHS.  Before a\n"
		     "persistent copy is bound, an image update is merged into it (see\n"
		     "layout.env(5), IMAGE UPDATES; roothash= of the command line names the\n"
		     "image).\n\n"
		     "Exit status: 0 applied (skips and conflicts allowed), 1 invalid layout\n"
		     "or an entry failed, 2 usage error.\n");
}

struct layout_args {
	const char *root;
	const char *file;
	const char *cmdline; /* apply: --cmdline S instead of /proc/cmdline */
	bool json;
	bool file_optional; /* apply: FILE defaults to sealroot.layout= beneath --root */
};

/* Returns 0, 1 for --help (already printed), or EXIT_USAGE after a message. */
static int parse_args(int argc, char **argv, bool allow_json, void (*usage)(FILE *),
		      struct layout_args *a)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:jc:h", options, NULL)) >= 0) {
		switch (c) {
		case 'r':
			a->root = optarg;
			break;
		case 'c':
			if (!a->file_optional)
				goto unknown;
			a->cmdline = optarg;
			break;
		case 'j':
			if (!allow_json)
				goto unknown;
			a->json = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			log_error("option '%s' needs an argument", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		default:
			goto unknown;
		}
	}
	if (optind >= argc && a->file_optional)
		return 0;
	if (optind >= argc) {
		log_error("missing the layout FILE to read");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		log_error("unexpected argument '%s': give exactly one layout FILE",
			  argv[optind + 1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	a->file = argv[optind];
	if (a->root && !*a->root) {
		log_error("--root needs a directory, not an empty string");
		return EXIT_USAGE;
	}
	return 0;

unknown:
	log_error("unknown option '%s' for 'sealroot layout %s'", argv[optind - 1], argv[0]);
	usage(stderr);
	return EXIT_USAGE;
}

/* Load and validate; diagnostics are printed here.  Returns 0, -EINVAL when the
 * file has problems (printed), or another negative errno (logged). */
static int load(const struct layout_args *a, struct layout *l)
{
	struct layout_diags d = {};
	int r = layout_load_file(a->file, l, &d);

	if (r == 0 && a->root) {
		r = layout_check_root(l, a->root, &d);
		if (r < 0 && r != -EINVAL) {
			layout_diags_done(&d);
			return log_error_errno(r, "Failed to open root directory %s: %m", a->root);
		}
	}
	if (d.n > 0 || d.n_dropped > 0)
		layout_diags_print(&d, a->file, stderr);
	size_t n_errors = d.n_errors;
	layout_diags_done(&d);
	if (n_errors > 0)
		return -EINVAL;

	switch (r) {
	case 0:
		return 0;
	case -ELOOP:
		return log_error_errno(r,
				       "Layout file %s is a symbolic link; it is opened without "
				       "following links: give the path of the file itself",
				       a->file);
	case -EISDIR:
		return log_error_errno(r, "Layout file %s is a directory: give the layout.env file",
				       a->file);
	case -EBADFD:
		return log_error_errno(r, "Layout file %s is not a regular file", a->file);
	case -EFBIG:
		return log_error_errno(r,
				       "Layout file %s is larger than %d bytes: layout.env is a "
				       "short text file",
				       a->file, LAYOUT_FILE_MAX);
	default:
		return log_error_errno(r, "Failed to read layout file %s: %m", a->file);
	}
}

static int count_kind(const struct layout *l, enum layout_kind k)
{
	int n = 0;
	for (size_t i = 0; i < l->n_entries; i++)
		if (l->entries[i].kind == k)
			n++;
	return n;
}

static int layout_check(int argc, char **argv)
{
	struct layout_args a = {};
	struct layout l = {};
	int r = parse_args(argc, argv, false, usage_check, &a);

	if (r != 0)
		return r == 1 ? 0 : r;
	r = load(&a, &l);
	if (r == 0)
		printf("%s: ok, %d overlays, %d persistent binds\n", a.file,
		       count_kind(&l, LAYOUT_TMPFS_OVERLAY),
		       count_kind(&l, LAYOUT_PERSISTENT_BIND));
	layout_done(&l);
	return r < 0 ? 1 : 0;
}

static int layout_plan(int argc, char **argv)
{
	struct layout_args a = {};
	struct layout l = {};
	struct layout_plan plan = {};
	int r = parse_args(argc, argv, true, usage_plan, &a);

	if (r != 0)
		return r == 1 ? 0 : r;
	r = load(&a, &l);
	if (r < 0)
		goto out;
	r = layout_plan_build(&l, &plan);
	if (r < 0) {
		log_error_errno(r, "Failed to build the mount plan for %s: %m", a.file);
		goto out;
	}
	if (a.json) {
		r = layout_plan_print_json(&plan, stdout);
		if (r < 0)
			log_error_errno(r, "Failed to print the plan as JSON: %m");
	} else
		layout_plan_print(&plan, stdout);
out:
	layout_plan_done(&plan);
	layout_done(&l);
	return r < 0 ? 1 : 0;
}

/* The layout named by sealroot.layout= (default SEALROOT_DEFAULT_LAYOUT_PATH),
 * beneath ROOT.  Every component below ROOT is checked to be no symlink. */
static int layout_file_from_cmdline(const char *root, const char *cmdline, char **ret)
{
	_cleanup_(sealroot_config_done) struct sealroot_config c = {};
	_cleanup_free_ char *symlink = NULL;
	int r = cmdline_load_config(cmdline, &c);
	if (r < 0)
		return log_error_errno(r, "Failed to read the kernel command line: %m");

	_cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return log_error_errno(-errno, "Failed to open root directory %s: %m", root);
	_cleanup_close_ int fd = safe_open(root_fd, c.layout_path, O_PATH, &symlink);
	if (fd == -ELOOP)
		return log_error_errno(fd,
				       "layout file %s beneath %s: %s is a symbolic link; refusing "
				       "to follow it",
				       c.layout_path, root, symlink ? symlink : c.layout_path);
	if (fd < 0)
		return log_error_errno(fd,
				       "Failed to open the layout file %s beneath %s: %m (set "
				       "sealroot.layout= or ship the file in the image)",
				       c.layout_path, root);
	/* layout_path is absolute ("/etc/…"); drop ROOT's trailing slashes. */
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (asprintf(ret, "%.*s%s", (int)n, root,
		     streq(root, "/") ? c.layout_path + 1 : c.layout_path) < 0)
		return log_error_errno(-ENOMEM, "Out of memory");
	return 0;
}

/* "roothash:HEX" when the command line names the verity root hash: the
 * identity of the booted image for the merge of image updates; NULL
 * otherwise (the merge then compares what the image ships). */
static char *booted_image_id(const char *cmdline)
{
	_cleanup_(sealroot_config_done) struct sealroot_config c = {};
	char *id = NULL;
	int r = cmdline_load_config(cmdline, &c);
	if (r < 0) {
		log_debug("layout: kernel command line not usable for the image identity (%s); "
			  "images are told apart by their content",
			  strerror(-r));
		return NULL;
	}
	if (c.verity.root_hash_size == 0)
		return NULL;
	if (layout_merge_image_id(c.verity.root_hash, c.verity.root_hash_size, &id) < 0)
		log_warning("layout: out of memory; images are told apart by their content");
	return id;
}

static int layout_apply_run(int argc, char **argv, struct layout_args *args)
{
	struct layout_args a = {};
	struct layout l = {};
	struct layout_plan plan = {};
	struct report_stage *stage;
	_cleanup_free_ char *default_file = NULL, *image_id = NULL;
	a.file_optional = true;
	int r = parse_args(argc, argv, false, usage_apply, &a);

	*args = a;
	if (r != 0)
		return r == 1 ? 0 : r;
	if (!a.root) {
		log_error(
		    "'sealroot layout apply' needs --root DIR, the root to apply the layout to");
		usage_apply(stderr);
		return EXIT_USAGE;
	}
	if (!a.file) {
		r = layout_file_from_cmdline(a.root, a.cmdline, &default_file);
		if (r < 0)
			return 1;
		a.file = default_file;
	}

	stage = report_stage_begin("layout");
	report_stage_set(stage, "file", a.file);
	report_stage_set(stage, "root", a.root);

	/* No root check here: layout_apply reports each mount point it cannot use
	 * and still performs the others. */
	struct layout_args parse_only = { .file = a.file };
	r = load(&parse_only, &l);
	if (r < 0) {
		report_stage_set(stage, "message",
				 r == -EINVAL ? "the layout file is invalid; nothing was mounted "
						"(run 'sealroot layout check FILE')"
					      : "the layout file could not be read; nothing was "
						"mounted");
		report_stage_end(stage, r);
		goto out;
	}
	r = layout_plan_build(&l, &plan);
	if (r < 0) {
		log_error_errno(r, "Failed to build the mount plan for %s: %m", a.file);
		report_stage_end(stage, r);
		goto out;
	}
	report_stage_set_u64(stage, "operations", plan.n_ops);

	image_id = booted_image_id(a.cmdline);
	r = layout_apply_image(&plan, a.root, image_id, stage);
	if (r < 0)
		log_error_errno(r,
				"Layout %s was not fully applied beneath %s: see the messages "
				"above and 'sealroot status'",
				a.file, a.root);
	report_stage_end(stage, r);
out:
	layout_plan_done(&plan);
	layout_done(&l);
	return r < 0 ? 1 : 0;
}

/* A failed layout in the initramfs ends the boot: lock first. */
static int layout_apply_cmd(int argc, char **argv)
{
	struct layout_args a = {};
	int rc = layout_apply_run(argc, argv, &a);

	if (rc != 0)
		(void)cmd_lock_after_failure("layout", a.cmdline, NULL);
	return rc;
}

int cmd_layout(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} verbs[] = {
		{ "check", layout_check },
		{ "plan", layout_plan },
		{ "apply", layout_apply_cmd },
	};

	if (argc < 2) {
		log_error("'sealroot layout' needs a command: check, plan or apply");
		usage_layout(stderr);
		return EXIT_USAGE;
	}
	if (streq(argv[1], "-h") || streq(argv[1], "--help") || streq(argv[1], "help")) {
		usage_layout(stdout);
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (streq(argv[1], verbs[i].name))
			return verbs[i].run(argc - 1, argv + 1);

	log_error("unknown layout command '%s': use check, plan or apply", argv[1]);
	usage_layout(stderr);
	return EXIT_USAGE;
}
