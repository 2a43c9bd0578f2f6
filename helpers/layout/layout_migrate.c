// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * layout_migrate.c — adopt an EMT-era persistent store, see layout_migrate.h.
 *
 * Per bind entry, the state of the store says what is left to do:
 *   EMT copy, no sealroot copy        → move it (MOVE)
 *   EMT copy and sealroot copy        → conflict, both kept
 *   no EMT copy, sealroot copy, entry listed in the intent
 *                                     → it moved before a power cut (migrated)
 *   file form: empty EMT directory left, sealroot copy, entry in the intent
 *                                     → remove the empty directory (DONE)
 * The intent file lists the entries of a migration in progress, so a boot
 * that resumes one still reports every entry; it is never needed to decide
 * what to move, and its paths are only used when the plan has the same bind.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "fault.h"
#include "fileio.h"
#include "layout_migrate.h"
#include "log.h"
#include "safe_path.h"

#define INTENT_NAME ".sealroot-migrate-emt"
#define INTENT_TEMP ".sealroot-migrate-emt.tmp"
#define INTENT_HEADER "sealroot-migrate-emt 1\n"
#define INTENT_MAX (2 * LAYOUT_FILE_MAX)
#define EMT_SUFFIX ".bind"

enum form { FORM_NONE, FORM_DIR, FORM_FILE };

enum result {
	R_NONE,	    /* no EMT copy: nothing to report */
	R_MOVE,	    /* to be moved */
	R_DONE,	    /* moved earlier; only the empty EMT directory is left */
	R_MIGRATED, /* the rest are final */
	R_CONFLICT,
	R_AMBIGUOUS,
	R_SKIPPED,
	R_REFUSED,
	R_FAILED,
};

static const char *const result_names[] = {
	[R_MIGRATED] = "migrated", [R_CONFLICT] = "conflict", [R_AMBIGUOUS] = "ambiguous",
	[R_SKIPPED] = "skipped",   [R_REFUSED] = "refused",   [R_FAILED] = "failed",
};

struct item {
	const char *target; /* "/etc/ssh", owned by the plan */
	char *emt;	    /* "etc-ssh.bind"; NULL when EMT could not have made one */
	char *base;	    /* "ssh" */
	enum form form;
	bool in_intent;
	enum result result;
	int error;     /* R_REFUSED / R_FAILED: negative errno */
	char *from;    /* the EMT copy beneath the root, for the report */
	char *message; /* what happened, for the log and the report */
};

struct migrate {
	int root_fd;
	int pfd; /* ROOT/PERSISTENT_BIND_TARGET, O_RDONLY|O_DIRECTORY */
	const char *pbt;
	struct item *items;
	size_t n;
};

int layout_migrate_emt_name(const char *path, char **ret)
{
	/* EMT drops one leading "/" and turns every other "/" into "-". */
	const char *p = path[0] == '/' ? path + 1 : path;
	size_t n = strlen(p);

	if (n == 0)
		return -EINVAL;
	if (n + strlen(EMT_SUFFIX) > NAME_MAX)
		return -ENAMETOOLONG;
	char *s = malloc(n + strlen(EMT_SUFFIX) + 1);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		s[i] = p[i] == '/' ? '-' : p[i];
	strcpy(s + n, EMT_SUFFIX);
	*ret = s;
	return 0;
}

/* Set the final RESULT of IT with a message; ERROR for refused/failed. */
_printf_(4, 5) static void set_result(struct item *it, enum result result, int error,
				      const char *fmt, ...)
{
	va_list ap;

	it->result = result;
	it->error = error;
	free(it->message);
	it->message = NULL;
	va_start(ap, fmt);
	if (vasprintf(&it->message, fmt, ap) < 0)
		it->message = NULL;
	va_end(ap);
}

static int set_from(struct migrate *m, struct item *it, bool with_base)
{
	free(it->from);
	it->from = NULL;
	if (asprintf(&it->from, "%s/%s%s%s", m->pbt, it->emt, with_base ? "/" : "",
		     with_base ? it->base : "") < 0) {
		it->from = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Two binds with one EMT name, or an EMT name that is the first component
 * of a sealroot copy: the EMT copy cannot be attributed safely. */
static bool is_ambiguous(const struct migrate *m, const struct item *it)
{
	size_t len = strlen(it->emt);
	for (size_t j = 0; j < m->n; j++) {
		const struct item *o = &m->items[j];
		if (o == it)
			continue;
		if (o->emt && streq(o->emt, it->emt))
			return true;
		const char *t = o->target + 1;
		if (strncmp(t, it->emt, len) == 0 && (t[len] == '/' || t[len] == '\0'))
			return true;
	}
	return false;
}

/* The image decides, as in EMT: a regular file at the path means file form.
 * Without the path in the image, a store directory holding exactly one
 * regular file named like the path is taken as file form. */
static enum form image_form(struct migrate *m, struct item *it)
{
	_cleanup_close_ int fd = safe_open(m->root_fd, it->target, O_PATH, NULL);
	struct stat st;

	if (fd >= 0)
		return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? FORM_FILE : FORM_DIR;
	if (fd != -ENOENT)
		return FORM_NONE;

	_cleanup_close_ int dfd = safe_open(m->pfd, it->emt, O_RDONLY | O_DIRECTORY, NULL);
	if (dfd < 0)
		return FORM_NONE;
	DIR *d = fdopendir(dfd);
	if (!d)
		return FORM_NONE;
	dfd = -1; /* owned by d */
	unsigned n = 0;
	bool only_base = true;
	for (struct dirent *de; (de = readdir(d));) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		n++;
		only_base = only_base && streq(de->d_name, it->base);
	}
	bool file = n == 1 && only_base &&
		    fstatat(dirfd(d), it->base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode);
	(void)closedir(d);
	return file ? FORM_FILE : FORM_DIR;
}

/* Where the sealroot copy stands: 1 exists, 0 missing, negative errno
 * (-ELOOP: a symlink on the way, *RET_SYMLINK names it). */
static int sealroot_copy_exists(struct migrate *m, const struct item *it, char **ret_symlink)
{
	_cleanup_close_ int fd = safe_open(m->pfd, it->target, O_PATH, ret_symlink);
	if (fd >= 0)
		return 1;
	return fd == -ENOENT ? 0 : fd;
}

static void refuse_symlink(struct item *it, const char *real)
{
	set_result(it, R_REFUSED, -ELOOP,
		   "the EMT copy is a symbolic link; refusing to follow it (the store is not "
		   "trusted); the path gets the image's copy instead: remove the link (a real "
		   "%s left there is reported as a conflict)",
		   real);
}

/* Decide what to do with IT from the state of the store. */
static void classify(struct migrate *m, struct item *it)
{
	_cleanup_free_ char *sym = NULL;
	struct stat st;
	int r;

	if (fstatat(m->pfd, it->emt, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) {
			r = -errno;
			(void)set_from(m, it, false);
			set_result(it, R_FAILED, r, "cannot inspect the EMT copy");
			return;
		}
		if (!it->in_intent)
			return; /* never an EMT copy: nothing to do */
		(void)set_from(m, it, it->form == FORM_FILE);
		r = sealroot_copy_exists(m, it, NULL);
		if (r > 0)
			set_result(it, R_MIGRATED, 0, "moved by a boot that was interrupted");
		else
			set_result(it, R_FAILED, r < 0 ? r : -ENOENT,
				   "an interrupted migration listed it, but neither copy exists "
				   "now; the path is seeded from the image");
		return;
	}
	if (set_from(m, it, false) < 0) {
		set_result(it, R_FAILED, -ENOMEM, "out of memory");
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		refuse_symlink(it, "directory");
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_result(it, R_SKIPPED, 0, "not a directory, so not an EMT copy; left in place");
		return;
	}
	if (is_ambiguous(m, it)) {
		set_result(it, R_AMBIGUOUS, 0,
			   "another entry of the layout has the same EMT name (EMT writes '/' as "
			   "'-'); left in place: merge it into %s%s by hand",
			   m->pbt, it->target);
		return;
	}
	if (!it->in_intent)
		it->form = image_form(m, it);
	if (it->form == FORM_NONE) {
		set_result(it, R_SKIPPED, 0,
			   "the image's %s cannot be inspected (a symbolic link?); left in place",
			   it->target);
		return;
	}

	if (it->form == FORM_FILE) {
		(void)set_from(m, it, true);
		_cleanup_close_ int dfd = safe_open(m->pfd, it->emt, O_PATH | O_DIRECTORY, NULL);
		if (dfd < 0) {
			set_result(it, R_FAILED, dfd, "cannot open the EMT directory");
			return;
		}
		if (fstatat(dfd, it->base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			if (r != -ENOENT) {
				set_result(it, R_FAILED, r, "cannot inspect the EMT copy");
				return;
			}
			if (it->in_intent && sealroot_copy_exists(m, it, NULL) > 0) {
				it->result = R_DONE;
				return;
			}
			set_result(
			    it, R_SKIPPED, 0,
			    "the image has a file there but the EMT directory holds no '%s'; "
			    "left in place",
			    it->base);
			return;
		}
		if (S_ISLNK(st.st_mode)) {
			refuse_symlink(it, "file");
			return;
		}
		if (!S_ISREG(st.st_mode)) {
			set_result(it, R_SKIPPED, 0,
				   "the image has a file there but the EMT copy is not a regular "
				   "file; left in place");
			return;
		}
	}

	r = sealroot_copy_exists(m, it, &sym);
	if (r > 0)
		set_result(it, R_CONFLICT, 0,
			   "both the EMT copy and the sealroot copy %s%s exist; both kept, the "
			   "sealroot copy is used: merge them by hand and remove %s",
			   m->pbt, it->target, it->from);
	else if (r == 0)
		it->result = R_MOVE;
	else if (r == -ELOOP)
		set_result(it, R_REFUSED, r,
			   "%s%s is a symbolic link; refusing to follow it or move anything there",
			   m->pbt, sym ? sym : it->target);
	else
		set_result(it, R_FAILED, r, "cannot inspect the sealroot copy %s%s", m->pbt,
			   it->target);
}

/* Read the intent of an interrupted migration: mark its entries.  Returns 1
 * when an intent file exists (valid or not), 0 when none, negative errno. */
static int intent_read(struct migrate *m)
{
	_cleanup_close_ int fd =
	    openat(m->pfd, INTENT_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    read_fd_bounded(fd, INTENT_MAX, &buf, &size) < 0 || !startswith(buf, INTENT_HEADER) ||
	    strlen(buf) != size) {
		log_warning("layout: %s/%s is not a valid migration intent; ignoring it (the "
			    "EMT store is examined afresh)",
			    m->pbt, INTENT_NAME);
		return 1;
	}
	log_notice("layout: resuming the migration of the EMT store that an earlier boot "
		   "began (%s/%s)",
		   m->pbt, INTENT_NAME);
	char *save = NULL;
	for (char *line = strtok_r(buf + strlen(INTENT_HEADER), "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		enum form form = FORM_NONE;
		if (tab) {
			*tab = '\0';
			form = streq(line, "dir")    ? FORM_DIR
			       : streq(line, "file") ? FORM_FILE
						     : FORM_NONE;
		}
		bool found = false;
		for (size_t i = 0; form != FORM_NONE && i < m->n && !found; i++)
			if (m->items[i].emt && streq(m->items[i].target, tab + 1)) {
				m->items[i].in_intent = true;
				m->items[i].form = form;
				found = true;
			}
		if (!found)
			log_warning("layout: %s/%s: ignoring '%s%s%s', not a bind of this layout",
				    m->pbt, INTENT_NAME, line, tab ? " " : "", tab ? tab + 1 : "");
	}
	return 1;
}

/* Write the list of entries about to move (and those of an interrupted run)
 * durably before anything moves. */
static int intent_write(struct migrate *m)
{
	if (unlinkat(m->pfd, INTENT_TEMP, 0) < 0 && errno != ENOENT)
		return -errno;
	_cleanup_close_ int fd =
	    openat(m->pfd, INTENT_TEMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f)
		return -errno;
	fd = -1; /* owned by f */
	fputs(INTENT_HEADER, f);
	for (size_t i = 0; i < m->n; i++) {
		const struct item *it = &m->items[i];
		if (it->result == R_MOVE || it->in_intent)
			fprintf(f, "%s\t%s\n", it->form == FORM_FILE ? "file" : "dir", it->target);
	}
	int r = fflush(f) != 0 || ferror(f) ? -EIO : 0;
	if (r == 0 && fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0)
		return r;
	fault_point("migrate-intent-temp-written");
	if (renameat(m->pfd, INTENT_TEMP, m->pfd, INTENT_NAME) < 0)
		return -errno;
	if (fsync(m->pfd) < 0)
		return -errno;
	fault_point("migrate-intent-written");
	return 0;
}

/* Everything moved is on disk (syncfs also covers the parent directories
 * created on the way), then the intent goes. */
static int intent_remove(struct migrate *m)
{
	if (syncfs(m->pfd) < 0)
		return -errno;
	if (unlinkat(m->pfd, INTENT_NAME, 0) < 0 && errno != ENOENT)
		return -errno;
	if (fsync(m->pfd) < 0)
		return -errno;
	fault_point("migrate-intent-removed");
	return 0;
}

/* safe_mkdir_p callback: a new parent directory of a sealroot copy takes the
 * owner and mode of the image's directory at that place (root 0755 when the
 * image has none), as seeding does. */
static int parent_like_image(int dir_fd, const char *relpath, void *userdata)
{
	const struct migrate *m = userdata;
	_cleanup_close_ int img = safe_open(m->root_fd, relpath, O_PATH | O_DIRECTORY, NULL);
	struct stat st = { .st_mode = 0755 };

	if (img >= 0 && fstat(img, &st) < 0)
		st = (struct stat){ .st_mode = 0755 };
	if (fchown(dir_fd, st.st_uid, st.st_gid) < 0 || fchmod(dir_fd, st.st_mode & 07777) < 0)
		return -errno;
	return 0;
}

/* File form, after the move: remove the then empty EMT directory. */
static void remove_emt_dir(struct migrate *m, struct item *it)
{
	if (unlinkat(m->pfd, it->emt, AT_REMOVEDIR) < 0) {
		if (errno == ENOTEMPTY || errno == EEXIST) {
			set_result(it, R_MIGRATED, 0,
				   "moved; %s/%s holds other entries and is left in place", m->pbt,
				   it->emt);
			return;
		}
		set_result(it, R_FAILED, -errno,
			   "moved, but the empty EMT directory %s/%s cannot be removed", m->pbt,
			   it->emt);
		return;
	}
	if (fsync(m->pfd) < 0) {
		set_result(it, R_FAILED, -errno, "moved, but cannot sync %s", m->pbt);
		return;
	}
	fault_point("migrate-emt-dir-removed");
	if (it->result == R_DONE)
		set_result(it, R_MIGRATED, 0, "moved by a boot that was interrupted");
	else
		set_result(it, R_MIGRATED, 0, "moved");
}

static void move_one(struct migrate *m, struct item *it)
{
	_cleanup_free_ char *parent = NULL, *name = NULL, *sym = NULL;
	int r = path_split(it->target, &parent, &name);
	if (r < 0) {
		set_result(it, R_FAILED, r, "invalid path");
		return;
	}
	_cleanup_close_ int dst =
	    safe_mkdir_p(m->pfd, parent, 0755, O_RDONLY, parent_like_image, m, &sym);
	if (dst == -ELOOP) {
		set_result(it, R_REFUSED, dst,
			   "%s%s is a symbolic link; refusing to follow it or move anything there",
			   m->pbt, sym ? sym : parent);
		return;
	}
	if (dst < 0) {
		set_result(it, R_FAILED, dst, "cannot create %s%s", m->pbt, parent);
		return;
	}
	fault_point("migrate-parents-made");

	_cleanup_close_ int emt_dir = -1;
	int src = m->pfd;
	const char *src_name = it->emt;
	if (it->form == FORM_FILE) {
		emt_dir = safe_open(m->pfd, it->emt, O_RDONLY | O_DIRECTORY, NULL);
		if (emt_dir < 0) {
			set_result(it, R_FAILED, emt_dir, "cannot open the EMT directory");
			return;
		}
		src = emt_dir;
		src_name = it->base;
	}
	if (renameat2(src, src_name, dst, name, RENAME_NOREPLACE) < 0) {
		r = -errno;
		if (r == -EEXIST || r == -ENOTEMPTY)
			set_result(it, R_CONFLICT, 0,
				   "the sealroot copy %s%s appeared; both kept, it is used", m->pbt,
				   it->target);
		else if (r == -EXDEV)
			set_result(it, R_FAILED, r,
				   "the EMT copy is on another file system than %s%s; it is never "
				   "copied: move it by hand",
				   m->pbt, parent);
		else
			set_result(it, R_FAILED, r, "cannot move it to %s%s", m->pbt, it->target);
		return;
	}
	fault_point("migrate-renamed");
	if (fsync(dst) < 0 || fsync(src) < 0) {
		set_result(it, R_FAILED, -errno, "moved, but cannot sync the directories");
		return;
	}
	fault_point("migrate-synced");
	if (it->form == FORM_FILE)
		remove_emt_dir(m, it);
	else
		set_result(it, R_MIGRATED, 0, "moved");
}

static void report_item(struct migrate *m, const struct item *it, struct report_stage *stage)
{
	_cleanup_free_ char *to = NULL, *text = NULL;
	const char *res = result_names[it->result];
	const char *msg = it->message ? it->message : "";

	if (asprintf(&to, "%s%s", m->pbt, it->target) < 0)
		to = NULL;
	if (it->error < 0 && asprintf(&text, "%s: %s", msg, strerror(-it->error)) >= 0)
		msg = text;
	switch (it->result) {
	case R_MIGRATED:
		log_notice("layout: %s: EMT copy %s adopted as %s (%s)", it->target, it->from,
			   to ? to : "", msg);
		break;
	case R_REFUSED:
	case R_FAILED:
		log_error("layout: %s: EMT copy %s not migrated: %s", it->target, it->from, msg);
		break;
	default:
		log_warning("layout: %s: EMT copy %s %s: %s", it->target, it->from, res, msg);
	}
	report_stage_append(stage, "migration", "from", it->from, "to", to, "result", res,
			    "message", msg, (char *)NULL);
}

static void items_done(struct migrate *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].emt);
		free(m->items[i].base);
		free(m->items[i].from);
		free(m->items[i].message);
	}
	free(m->items);
}

static int items_build(struct migrate *m, const struct layout_plan *plan)
{
	m->items = calloc(plan->n_ops ? plan->n_ops : 1, sizeof(*m->items));
	if (!m->items)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n_ops; i++) {
		const struct layout_op *op = &plan->ops[i];
		if (op->kind != LAYOUT_OP_BIND)
			continue;
		struct item *it = &m->items[m->n++];
		_cleanup_free_ char *parent = NULL;
		it->target = op->target;
		int r = layout_migrate_emt_name(op->target, &it->emt);
		if (r == -ENAMETOOLONG || r == -EINVAL)
			continue; /* EMT could not have stored it either */
		if (r < 0)
			return r;
		r = path_split(op->target, &parent, &it->base);
		if (r < 0)
			return r;
	}
	return 0;
}

int layout_migrate_emt(const struct layout_plan *plan, int root_fd, struct report_stage *stage)
{
	struct migrate m = { .root_fd = root_fd, .pfd = -1 };
	int r, first_error = 0;
	bool moving = false, intent = false;

	m.pbt = plan->layout ? plan->layout->persistent_bind_target : NULL;
	if (!m.pbt)
		return 0;
	/* A missing or unusable persistent tree is reported by the binds. */
	m.pfd = safe_open(root_fd, m.pbt, O_RDONLY | O_DIRECTORY, NULL);
	if (m.pfd < 0)
		return 0;

	r = items_build(&m, plan);
	if (r < 0) {
		log_error_errno(r, "layout: cannot look for an EMT store in %s: %m", m.pbt);
		goto out;
	}
	r = intent_read(&m);
	if (r < 0)
		goto out;
	intent = r > 0;

	for (size_t i = 0; i < m.n; i++)
		if (m.items[i].emt) {
			classify(&m, &m.items[i]);
			moving |= m.items[i].result == R_MOVE && !m.items[i].in_intent;
		}

	if (moving) {
		r = intent_write(&m);
		if (r < 0) {
			(void)unlinkat(m.pfd, INTENT_TEMP, 0);
			log_error_errno(r,
					"layout: cannot write the migration intent %s/%s: %m; the "
					"EMT store is left as it is",
					m.pbt, INTENT_NAME);
			for (size_t i = 0; i < m.n; i++)
				if (m.items[i].result == R_MOVE)
					set_result(&m.items[i], R_FAILED, r,
						   "not moved: the intent cannot be written");
			goto report;
		}
		intent = true;
	}
	for (size_t i = 0; i < m.n; i++) {
		if (m.items[i].result == R_MOVE)
			move_one(&m, &m.items[i]);
		else if (m.items[i].result == R_DONE)
			remove_emt_dir(&m, &m.items[i]);
	}
	if (intent) {
		r = intent_remove(&m);
		if (r < 0)
			log_warning_errno(r,
					  "layout: cannot remove the migration intent %s/%s: %m; "
					  "the next boot finds nothing left to do",
					  m.pbt, INTENT_NAME);
	}

report:
	for (size_t i = 0; i < m.n; i++) {
		const struct item *it = &m.items[i];
		if (it->result < R_MIGRATED)
			continue;
		report_item(&m, it, stage);
		if (it->error < 0 && (it->result == R_REFUSED || it->result == R_FAILED) &&
		    first_error == 0)
			first_error = it->error;
	}
	r = first_error;
out:
	items_done(&m);
	closep(&m.pfd);
	return r;
}
