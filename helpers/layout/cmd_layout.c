// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_layout.c — `sealroot layout check|plan|apply`: read a layout.env,
 * report every problem in it, show the mount plan, or perform it under a
 * root directory.
 */
#include <fcntl.h>

#include "kcmdline.h"
#include "commands.h"
#include "layout.h"
#include "layout_apply.h"
#include "layout_merge.h"
#include "log.h"
#include "options.h"
#include "report.h"
#include "safe_path.h"

enum { VERB_CHECK = 1 << 0, VERB_PLAN = 1 << 1, VERB_APPLY = 1 << 2 };

static const struct opt_verb verbs[] = {
	{ VERB_CHECK, "check", " [--root DIR] FILE",
	  "Parse and validate FILE (never executing it).  Every problem is printed\n"
	  "as FILE:LINE:COL: error: MESSAGE on stderr; a clean file prints a\n"
	  "one-line summary on stdout.\n",
	  "Exit status: 0 valid (warnings allowed), 1 errors found or FILE unreadable,\n"
	  "2 usage error.\n" },
	{ VERB_PLAN, "plan", " [--root DIR] [--json] FILE",
	  "Print the mount operations FILE describes, in the order they are done:\n"
	  "the tmpfs first, then parents before children, ties in file order.\n",
	  "Exit status: 0 printed, 1 invalid layout, 2 usage error.\n" },
	{ VERB_APPLY, "apply", " --root DIR [--cmdline S] [--mount-persist] [FILE]",
	  "Parse FILE and perform its mounts beneath DIR (in the initramfs: the\n"
	  "verified root, e.g. /sysroot).  Nothing is mounted when FILE is invalid.\n"
	  "Without FILE, the layout is DIR + sealroot.layout= from the kernel command\n"
	  "line (default /etc/sealroot/layout.env), read without following symlinks.\n"
	  "The result is recorded as the 'layout' stage of the boot report.\n"
	  "With --mount-persist, first mount the persistent partition at DIR/opt as\n"
	  "'sealroot persist mount' does (its own 'persist-mount' stage); when that\n"
	  "fails, nothing of the layout is applied.\n",
	  "Entries the image cannot take are skipped with a warning, and a\n"
	  "persistent copy whose type disagrees with the image is kept and not\n"
	  "mounted (a conflict), unless the entry is in REQUIRED_PATHS.  Before a\n"
	  "persistent copy is bound, an image update is merged into it (see\n"
	  "layout.env(5), IMAGE UPDATES; roothash= of the command line names the\n"
	  "image).\n\n"
	  "Exit status: 0 applied (skips and conflicts allowed), 1 invalid layout\n"
	  "or an entry failed, 2 usage error.\n" },
};

enum { OPT_ROOT = 'r', OPT_JSON = 'j', OPT_HELP = 'h', OPT_CMDLINE = 0x100, OPT_MOUNT_PERSIST };

static const struct opt_def options[] = {
	{ "root", OPT_ROOT, "DIR", VERB_CHECK,
	  "also predict the first boot on the unpacked root DIR:\n"
	  "an entry the boot would skip, or not mount because of a\n"
	  "conflict, is a warning (FILE:LINE:COL: warning: …); a\n"
	  "symlink or a required entry that cannot be applied is\n"
	  "an error" },
	{ "root", OPT_ROOT, "DIR", VERB_PLAN,
	  "also check the mount points in DIR, as 'check' does" },
	{ "root", OPT_ROOT, "DIR", VERB_APPLY, "the root to apply the layout to (required)" },
	{ "json", OPT_JSON, NULL, VERB_PLAN,
	  "print a JSON array of {op, target, source|upper/work, line,\n"
	  "required, file}" },
	{ "cmdline", OPT_CMDLINE, "S", VERB_APPLY,
	  "read sealroot.layout= (and, with --mount-persist, the\n"
	  "persistent partition's settings) from S, not /proc/cmdline" },
	{ "mount-persist", OPT_MOUNT_PERSIST, NULL, VERB_APPLY,
	  "first mount what 'sealroot persist unlock' opened at DIR/opt\n"
	  "(the systemd initramfs: one process, no unit in between)" },
	{ "help", OPT_HELP, NULL, 0, "show this help" },
};

static const struct opt_command layout_command = {
	.name = "layout",
	.summary = "Usage: sealroot layout COMMAND [OPTIONS] FILE\n\n"
		   "Read a layout.env (tmpfs overlays and persistent bind mounts).\n\n"
		   "Commands:\n"
		   "  check [--root DIR] FILE          report every problem in FILE\n"
		   "  plan [--root DIR] [--json] FILE  print the ordered mount operations\n"
		   "  apply --root DIR FILE            perform them beneath DIR\n\n"
		   "Run 'sealroot layout COMMAND --help' for details.\n"
		   "Exit status: 0 success, 1 invalid layout or failure, 2 usage error.\n",
	OPT_TABLES(verbs, options),
};

struct layout_args {
	const char *root;
	const char *file;
	const char *cmdline; /* apply: --cmdline S instead of /proc/cmdline */
	bool json;
	bool mount_persist; /* apply: 'persist mount' first, in this process */
};

static int set_option(void *userdata, int id, const char *arg)
{
	struct layout_args *a = userdata;

	switch (id) {
	case OPT_ROOT:
		if (!*arg) {
			log_error("--root needs a directory, not an empty string");
			return -EINVAL;
		}
		a->root = arg;
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_CMDLINE:
		a->cmdline = arg;
		break;
	case OPT_MOUNT_PERSIST:
		a->mount_persist = true;
		break;
	}
	return 0;
}

/* Returns 0, 1 for --help (already printed), or -EINVAL after a message.
 * FILE is required except for 'apply' (sealroot.layout= beneath --root). */
static int parse_args(int argc, char **argv, struct layout_args *a, struct opts *o)
{
	int r = opts_parse(&layout_command, argc, argv, set_option, a, o);

	if (r != 0)
		return r;
	if (o->n_args > 1)
		return opts_usage_error(o, "unexpected argument '%s': give exactly one layout FILE",
					o->args[1]);
	if (o->n_args == 1)
		a->file = o->args[0];
	else if (o->verb->verb != VERB_APPLY)
		return opts_usage_error(o, "missing the layout FILE to read");
	if (o->verb->verb == VERB_APPLY && !a->root)
		return opts_usage_error(o, "needs --root DIR, the root to apply the layout to");
	return 0;
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

static int layout_check(const struct layout_args *a)
{
	struct layout l = {};
	int r = load(a, &l);

	if (r == 0)
		printf("%s: ok, %d overlays, %d persistent binds\n", a->file,
		       count_kind(&l, LAYOUT_TMPFS_OVERLAY),
		       count_kind(&l, LAYOUT_PERSISTENT_BIND));
	layout_done(&l);
	return r < 0 ? 1 : 0;
}

static int layout_plan(const struct layout_args *a)
{
	struct layout l = {};
	struct layout_plan plan = {};
	int r = load(a, &l);

	if (r < 0)
		goto out;
	r = layout_plan_build(&l, &plan);
	if (r < 0) {
		log_error_errno(r, "Failed to build the mount plan for %s: %m", a->file);
		goto out;
	}
	if (a->json) {
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

static int layout_apply_run(const struct layout_args *args)
{
	struct layout_args a = *args;
	struct layout l = {};
	struct layout_plan plan = {};
	struct report_stage *stage;
	_cleanup_free_ char *default_file = NULL, *image_id = NULL;
	int r;

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

int cmd_layout(int argc, char **argv)
{
	struct layout_args a = {};
	struct opts o;
	int r = parse_args(argc, argv, &a, &o);

	if (r > 0)
		return 0;
	if (r == 0 && o.verb->verb == VERB_CHECK)
		return layout_check(&a);
	if (r == 0 && o.verb->verb == VERB_PLAN)
		return layout_plan(&a);
	if (r == 0 && a.mount_persist) {
		_cleanup_free_ char *mount_point = NULL;
		int rc;

		if (asprintf(&mount_point, "%s/opt", a.root) < 0) {
			log_error("Out of memory for the persistent partition's mount point.");
			rc = 1;
		} else
			rc = cmd_persist_mount(a.cmdline, mount_point);
		if (rc != 0)
			return rc; /* it locked, as 'persist mount' does */
	}
	int rc = r < 0 ? EXIT_USAGE : layout_apply_run(&a);
	/* A failed layout in the initramfs ends the boot: lock first. */
	if (rc != 0 && o.verb && o.verb->verb == VERB_APPLY)
		(void)cmd_lock_after_failure("layout", a.cmdline, NULL);
	return rc;
}
