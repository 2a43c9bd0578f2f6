// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_status.c — `sealroot status`: show the report that the boot steps wrote
 * (report.c), as a table or as the raw JSON.
 *
 * Exit status: 0 the report exists and every stage succeeded; 1 no report
 * (sealroot did not run this boot), an unreadable report, or a failed stage;
 * 2 usage error.
 */
#include <inttypes.h>
#include <json-c/json.h>

#include "commands.h"
#include "config.h"
#include "log.h"
#include "options.h"

enum {
	OPT_HELP = 'h',
	OPT_JSON = 0x100,
	OPT_FILE,
};

static const struct opt_verb status_verb[] = {
	{ .synopsis = " [--json] [--file FILE]",
	  .help = "Show what sealroot did during this boot: each stage (verity, persist, layout)\n"
		  "with its result and duration, then the layout entries, the migration\n"
		  "of an EMT-era persistent store and the merge of an image update into the\n"
		  "persistent copies, if they happened.\n",
	  .footer = "Exit status: 0 all stages ok, 1 no report, unreadable report or a failed "
		    "stage,\n"
		    "2 usage error.\n" },
};

static const struct opt_def options[] = {
	{ "json", OPT_JSON, NULL, 0, "print the report as JSON" },
	{ "file", OPT_FILE, "FILE", 0,
	  "read FILE instead of $SEALROOT_REPORT or " SEALROOT_REPORT_PATH },
	{ "help", OPT_HELP, NULL, 0, "show this help" },
};

static const struct opt_command status_command = {
	.name = "status",
	OPT_TABLES(status_verb, options),
};

struct status_args {
	const char *path;
	bool json;
};

static int set_option(void *userdata, int id, const char *arg)
{
	struct status_args *a = userdata;

	if (id == OPT_JSON)
		a->json = true;
	else if (id == OPT_FILE)
		a->path = arg;
	return 0;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool is_stage_key(const char *key)
{
	static const char *const keys[] = { "name",   "start_us", "end_us", "duration_us",
					    "result", "error",	  "errno",  "entries" };
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (streq(key, keys[i]))
			return true;
	return false;
}

/* "key=value key=value" of the stage's own fields; long values are shortened,
 * except "steps" (steps.h): its every time is the point of it. */
static void print_fields(json_object *stage, FILE *out)
{
	bool first = true;
	json_object_object_foreach(stage, key, val)
	{
		if (is_stage_key(key) || json_object_is_type(val, json_type_array) ||
		    startswith(key, "merge_"))
			continue; /* lists ("migration") and the merge get their own table */
		const char *text = val ? json_object_get_string(val) : "null";
		size_t len = strlen(text);
		if (len > 40 && !streq(key, "steps"))
			fprintf(out, "%s%s=%.16s…%s", first ? "" : " ", key, text, text + len - 8);
		else
			fprintf(out, "%s%s=%s", first ? "" : " ", key, text);
		first = false;
	}
	const char *err = get_str(stage, "error");
	if (err)
		fprintf(out, "%serror=\"%s\"", first ? "" : " ", err);
}

/* The "migration" list of the layout stage (layout_migrate.h): one line each. */
static void print_migration(json_object *stages, FILE *out)
{
	bool header = false;
	for (size_t i = 0; i < json_object_array_length(stages); i++) {
		json_object *items;
		if (!json_object_object_get_ex(json_object_array_get_idx(stages, i), "migration",
					       &items) ||
		    !json_object_is_type(items, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(items); j++) {
			json_object *m = json_object_array_get_idx(items, j);
			const char *from = get_str(m, "from"), *to = get_str(m, "to"),
				   *res = get_str(m, "result"), *msg = get_str(m, "message");
			if (!header)
				fprintf(out, "\n%-10s %-40s %-40s %s\n", "MIGRATION", "FROM (EMT)",
					"TO", "MESSAGE");
			header = true;
			fprintf(out, "%-10s %-40s %-40s %s\n", res ? res : "?", from ? from : "?",
				to ? to : "?", msg ? msg : "");
		}
	}
}

/* The image-update merge of the layout stage (layout_merge.h): the counts,
 * then one line per conflict or failed path. */
static void print_merge(json_object *stages, FILE *out)
{
	for (size_t i = 0; i < json_object_array_length(stages); i++) {
		json_object *s = json_object_array_get_idx(stages, i), *v, *items = NULL;
		const char *err = get_str(s, "merge_error");
		bool counts = json_object_object_get_ex(s, "merge_added", &v);
		if (!counts && !err)
			continue;
		fprintf(out, "\nMERGE of the image update into the persistent copies:");
		if (counts) {
			static const char *const keys[] = { "added", "updated", "kept", "conflicts",
							    "failed" };
			for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
				char key[32];
				(void)snprintf(key, sizeof(key), "merge_%s", keys[k]);
				if (json_object_object_get_ex(s, key, &v))
					fprintf(out, " %s %" PRIu64, keys[k],
						(uint64_t)json_object_get_uint64(v));
			}
		} else
			fprintf(out, " not done");
		fputc('\n', out);
		if (err)
			fprintf(out, "%-10s %s\n", "error", err);
		if (!json_object_object_get_ex(s, "merge", &items) ||
		    !json_object_is_type(items, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(items); j++) {
			json_object *m = json_object_array_get_idx(items, j);
			const char *path = get_str(m, "path"), *res = get_str(m, "result"),
				   *msg = get_str(m, "message");
			fprintf(out, "%-10s %-40s %s\n", res ? res : "?", path ? path : "?",
				msg ? msg : "");
		}
	}
}

static int print_table(json_object *root, FILE *out)
{
	json_object *stages, *v;
	bool failed = false;
	if (!json_object_object_get_ex(root, "stages", &stages) ||
	    !json_object_is_type(stages, json_type_array))
		return -EBADMSG;

	char boot_id[64] = "";
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f && fgets(boot_id, sizeof(boot_id), f))
		boot_id[strcspn(boot_id, "\n")] = 0;
	const char *rid = get_str(root, "boot_id");
	fprintf(out, "sealroot report, boot %s%s\n\n", rid ? rid : "(unknown)",
		rid && boot_id[0] && !streq(rid, boot_id) ? " (NOT this boot)" : "");

	fprintf(out, "%-10s %-7s %10s  %s\n", "STAGE", "RESULT", "DURATION", "DETAILS");
	size_t n = json_object_array_length(stages), n_entries = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(stages, i);
		const char *name = get_str(s, "name"), *result = get_str(s, "result");
		uint64_t dur =
		    json_object_object_get_ex(s, "duration_us", &v) ? json_object_get_uint64(v) : 0;
		if (!result || !streq(result, "ok"))
			failed = true;
		fprintf(out, "%-10s %-7s %7.1f ms  ", name ? name : "?", result ? result : "?",
			(double)dur / 1000.0);
		print_fields(s, out);
		fputc('\n', out);
		if (json_object_object_get_ex(s, "entries", &v) &&
		    json_object_is_type(v, json_type_array))
			n_entries += json_object_array_length(v);
	}
	if (n == 0)
		fprintf(out, "(no stages recorded)\n");

	if (n_entries > 0) {
		fprintf(out, "\n%-10s %-32s %-14s %-8s %s\n", "STAGE", "PATH", "KIND", "RESULT",
			"MESSAGE");
		for (size_t i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(stages, i), *entries;
			if (!json_object_object_get_ex(s, "entries", &entries) ||
			    !json_object_is_type(entries, json_type_array))
				continue;
			const char *name = get_str(s, "name");
			for (size_t j = 0; j < json_object_array_length(entries); j++) {
				json_object *e = json_object_array_get_idx(entries, j);
				const char *path = get_str(e, "path"), *kind = get_str(e, "kind"),
					   *res = get_str(e, "result"),
					   *msg = get_str(e, "message");
				fprintf(out, "%-10s %-32s %-14s %-8s %s\n", name ? name : "?",
					path ? path : "?", kind ? kind : "?", res ? res : "?",
					msg ? msg : "");
			}
		}
	}
	print_migration(stages, out);
	print_merge(stages, out);
	return failed ? 1 : 0;
}

int cmd_status(int argc, char **argv)
{
	struct status_args a = { .path = getenv("SEALROOT_REPORT") };
	struct opts o;

	if (!a.path || !*a.path)
		a.path = SEALROOT_REPORT_PATH;
	int r = opts_parse(&status_command, argc, argv, set_option, &a, &o);
	if (r != 0)
		return r > 0 ? 0 : EXIT_USAGE;
	if (o.n_args != 0) {
		opts_usage_error(&o, "unexpected argument '%s'", o.args[0]);
		return EXIT_USAGE;
	}
	const char *path = a.path;
	bool json = a.json;

	if (access(path, F_OK) < 0) {
		if (errno == ENOENT) {
			log_error("no report at %s: sealroot did not run during this boot (or /run "
				  "was not carried into the root). Check the kernel log: dmesg | "
				  "grep sealroot",
				  path);
			return 1;
		}
		log_error_errno(-errno, "Cannot access report %s: %m", path);
		return 1;
	}

	json_object *root = json_object_from_file(path);
	if (!root || !json_object_is_type(root, json_type_object)) {
		const char *why = json_util_get_last_err();
		log_error("%s is not a valid sealroot report (%.*s); run 'cat %s' to inspect it",
			  path, why ? (int)strcspn(why, "\n") : 17, why ?: "not a JSON object",
			  path);
		json_object_put(root);
		return 1;
	}

	if (json) {
		json_object *stages;
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		r = 0;
		if (json_object_object_get_ex(root, "stages", &stages) &&
		    json_object_is_type(stages, json_type_array))
			for (size_t i = 0; i < json_object_array_length(stages); i++) {
				const char *res =
				    get_str(json_object_array_get_idx(stages, i), "result");
				if (!res || !streq(res, "ok"))
					r = 1;
			}
	} else {
		r = print_table(root, stdout);
		if (r < 0) {
			log_error("%s has no \"stages\" list; it was not written by sealroot",
				  path);
			r = 1;
		}
	}
	json_object_put(root);
	return r;
}
