// SPDX-License-Identifier: GPL-2.0-or-later
/* layout_merge.c — the image-update merge of persistent binds, see layout_merge.h. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "fault.h"
#include "layout_merge.h"
#include "log.h"
#include "manifest.h"
#include "mount_api.h"
#include "safe_path.h"
#include "seed.h"

#define MANIFEST_CORRUPT MANIFEST_NAME ".corrupt"
#define SCAN_MAX_DEPTH 256
#define READ_BUF_SIZE (64 * 1024)

struct merge_counts {
	unsigned added, updated, kept, conflicts, failed;
};

struct layout_merge {
	int root_fd; /* not owned */
	int img_fd;  /* detached clone of the root's mount; -1 when unavailable */
	int img_error;
	int pfd; /* PERSISTENT_BIND_TARGET, not owned */
	const char *pbt;
	const char *image_id; /* NULL: "tree:" digests */
	const struct layout_plan *plan;
	struct report_stage *stage;
	struct manifest manifest;
	bool changed; /* the manifest must be saved */
	bool merged;  /* some entry was merged: report the totals */
	char *error;  /* the manifest could not be read or saved */
	struct merge_counts total;
	uint8_t buf[READ_BUF_SIZE]; /* for reading files to hash */
};

/* --- reading the image -------------------------------------------------- */

struct scan {
	const struct layout_op *op;
	const struct layout_plan *plan;
	struct manifest_record *recs;
	size_t n, cap;
	uint8_t *buf; /* READ_BUF_SIZE bytes */
};

/* SHA-256, fetched once; OpenSSL's configuration file is not read (it
 * cannot change SHA-256, and reading it costs milliseconds at boot). */
static const EVP_MD *sha256(void)
{
	static EVP_MD *md;
	if (!md) {
		(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	}
	return md;
}

static int sha256_fd(int fd, uint8_t *buf, size_t bufsize, uint8_t out[MANIFEST_HASH_SIZE],
		     uint64_t *ret_size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t total = 0;
	int r = 0;

	if (!ctx || !sha256() || EVP_DigestInit_ex(ctx, sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			r = -EIO;
			break;
		}
	}
	if (r == 0 && EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		r = -EIO;
	EVP_MD_CTX_free(ctx);
	*ret_size = total;
	return r;
}

/* Describe NAME in DIR_FD (lstat'ed as *ST) as a record; hashes the content
 * of a file or the target of a symlink.  -EMEDIUMTYPE for a device node or
 * socket (never seeded, never merged). */
static int node_record(int dir_fd, const char *name, const struct stat *st, uint8_t *buf,
		       size_t bufsize, struct manifest_record *rec)
{
	*rec = (struct manifest_record){
		.mode = st->st_mode & 07777,
		.uid = st->st_uid,
		.gid = st->st_gid,
	};
	if (S_ISDIR(st->st_mode))
		rec->type = MANIFEST_DIR;
	else if (S_ISFIFO(st->st_mode))
		rec->type = MANIFEST_FIFO;
	else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dir_fd, name, target, sizeof(target));
		if (n < 0)
			return -errno;
		if ((size_t)n >= sizeof(target) || n == 0)
			return -ENAMETOOLONG;
		rec->type = MANIFEST_SYMLINK;
		rec->size = (uint64_t)n;
		if (!sha256() ||
		    EVP_Digest(target, (size_t)n, rec->hash, NULL, sha256(), NULL) != 1)
			return -EIO;
	} else if (S_ISREG(st->st_mode)) {
		_cleanup_close_ int fd =
		    openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat st2;
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st2) < 0)
			return -errno;
		if (st2.st_ino != st->st_ino || st2.st_dev != st->st_dev)
			return -EAGAIN;
		rec->type = MANIFEST_FILE;
		return sha256_fd(fd, buf, bufsize, rec->hash, &rec->size);
	} else
		return -EMEDIUMTYPE;
	return 0;
}

/* Another bind of the plan strictly below OP: its copy is merged on its own. */
static bool is_nested_bind(const struct scan *sc, const char *path)
{
	for (size_t i = 0; i < sc->plan->n_ops; i++) {
		const struct layout_op *o = &sc->plan->ops[i];
		if (o != sc->op && o->kind == LAYOUT_OP_BIND && streq(o->target, path))
			return true;
	}
	return false;
}

static int scan_add(struct scan *sc, struct manifest_record *rec)
{
	if (sc->n >= MANIFEST_MAX_RECORDS)
		return -E2BIG;
	if (array_reserve(sc->recs, &sc->cap, sc->n, 64) < 0)
		return -ENOMEM;
	sc->recs[sc->n++] = *rec;
	*rec = (struct manifest_record){};
	return 0;
}

static int scan_node(struct scan *sc, int dir_fd, const char *name, const char *path,
		     unsigned depth)
{
	struct manifest_record rec;
	struct stat st;
	int r;

	if (depth > SCAN_MAX_DEPTH)
		return -ELOOP;
	if (depth > 0 && is_nested_bind(sc, path))
		return 0;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT && depth == 0 ? 0 : -errno;
	r = node_record(dir_fd, name, &st, sc->buf, READ_BUF_SIZE, &rec);
	if (r == -EMEDIUMTYPE)
		return 0;
	if (r < 0)
		return r;
	rec.path = strdup(path);
	if (!rec.path)
		return -ENOMEM;
	r = scan_add(sc, &rec);
	if (r < 0) {
		free(rec.path);
		return r;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;

	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	r = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			r = errno ? -errno : 0;
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		_cleanup_free_ char *child = NULL;
		if (asprintf(&child, "%s/%s", path, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		r = scan_node(sc, dirfd(d), de->d_name, child, depth + 1);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

static int cmp_record(const void *a, const void *b)
{
	return manifest_path_cmp(((const struct manifest_record *)a)->path,
				 ((const struct manifest_record *)b)->path);
}

static int tree_id(const struct manifest_entry *e, char **ret)
{
	uint8_t md[MANIFEST_HASH_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && sha256() && EVP_DigestInit_ex(ctx, sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < e->n_records; i++) {
		const struct manifest_record *r = &e->records[i];
		char meta[96];
		int n =
		    snprintf(meta, sizeof(meta), "%c %o %u %u %llu ", r->type, (unsigned)r->mode,
			     (unsigned)r->uid, (unsigned)r->gid, (unsigned long long)r->size);
		ok = n > 0 && EVP_DigestUpdate(ctx, meta, (size_t)n) == 1 &&
		     EVP_DigestUpdate(ctx, r->hash, sizeof(r->hash)) == 1 &&
		     EVP_DigestUpdate(ctx, r->path, strlen(r->path) + 1) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -ENOMEM;
	char *s = malloc(strlen("tree:") + 2 * sizeof(md) + 1);
	if (!s)
		return -ENOMEM;
	strcpy(s, "tree:");
	for (size_t i = 0; i < sizeof(md); i++)
		sprintf(s + 5 + 2 * i, "%02x", md[i]);
	*ret = s;
	return 0;
}

/* What the image has at OP->target, as a manifest entry with its identity. */
static int scan_image(struct layout_merge *m, const struct layout_op *op,
		      struct manifest_entry *ret)
{
	_cleanup_free_ char *parent = NULL, *name = NULL;
	struct scan scan = { .op = op, .plan = m->plan, .buf = m->buf }, *sc = &scan;
	int r;

	*ret = (struct manifest_entry){};
	r = path_split(op->target, &parent, &name);
	if (r < 0)
		return r;
	_cleanup_close_ int dir = safe_open(m->img_fd, parent, O_RDONLY | O_DIRECTORY, NULL);
	if (dir >= 0)
		r = scan_node(sc, dir, name, op->target, 0);
	else if (dir != -ENOENT && dir != -ENOTDIR)
		r = dir;
	if (r < 0) {
		manifest_records_free(sc->recs, sc->n);
		return r;
	}
	if (sc->n > 1)
		qsort(sc->recs, sc->n, sizeof(*sc->recs), cmp_record);
	ret->records = sc->recs;
	ret->n_records = sc->n;
	ret->path = strdup(op->target);
	r = ret->path ? 0 : -ENOMEM;
	if (r == 0)
		r = m->image_id ? ((ret->image_id = strdup(m->image_id)) ? 0 : -ENOMEM)
				: tree_id(ret, &ret->image_id);
	if (r < 0)
		manifest_entry_done(ret);
	return r;
}

/* --- merging one entry ---------------------------------------------------- */

struct entry_merge {
	struct layout_merge *m;
	const struct layout_op *op;
	const struct manifest_entry *base; /* NULL: unknown base */
	struct merge_counts c;
	char *parent;	   /* the parent directory both fds below are open on */
	int pdir;	   /* in the persistent copy; negative errno when it is not there */
	int idir;	   /* in the image */
	const char *added; /* a directory added whole: its descendants came with it */
};

static bool within(const char *path, const char *top)
{
	size_t n = strlen(top);
	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Open (or keep) the parent directory of a path in the copy and the image. */
static int open_parent(struct entry_merge *em, const char *parent)
{
	if (em->parent && streq(em->parent, parent))
		return 0;
	free(em->parent);
	closep(&em->pdir);
	closep(&em->idir);
	em->parent = strdup(parent);
	if (!em->parent)
		return -ENOMEM;
	em->pdir = safe_open(em->m->pfd, parent, O_RDONLY | O_DIRECTORY, NULL);
	em->idir = safe_open(em->m->img_fd, parent, O_RDONLY | O_DIRECTORY, NULL);
	if (em->idir < 0)
		return em->idir;
	return 0;
}

_printf_(4, 5) static void item(struct entry_merge *em, const char *path, const char *result,
				const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (streq(result, "conflict"))
		log_warning("layout: %s: merge of the image update: %s", path, msg ? msg : "");
	else
		log_error("layout: %s: merge of the image update: %s", path, msg ? msg : "");
	report_stage_append(em->m->stage, "merge", "path", path, "result", result, "message", msg,
			    (char *)NULL);
}

static int fail(struct entry_merge *em, const char *path, int r, const char *what)
{
	item(em, path, "failed",
	     "%s: %s; the persistent copy is left as it was, the next boot "
	     "tries again",
	     what, strerror(-r));
	em->c.failed++;
	return r;
}

static void conflict(struct entry_merge *em, const char *path, const char *why)
{
	item(em, path, "conflict",
	     "%s; the device's version is kept: compare it with the new image's %s and merge "
	     "by hand",
	     why, path);
	em->c.conflicts++;
}

/* The persistent copy's NAME as a record; hashes only when needed. */
struct pnode {
	struct manifest_record rec;
	bool hashed;
};

static bool pnode_equal(struct entry_merge *em, const char *name, struct pnode *p,
			const struct manifest_record *x, int *error)
{
	if (p->rec.type != x->type || p->rec.mode != x->mode || p->rec.uid != x->uid ||
	    p->rec.gid != x->gid)
		return false;
	if (x->type != MANIFEST_FILE && x->type != MANIFEST_SYMLINK)
		return true;
	if (!p->hashed) {
		struct stat st;
		if (fstatat(em->pdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			*error = -errno;
			return false;
		}
		if ((uint64_t)st.st_size != x->size && x->type == MANIFEST_FILE)
			return false;
		int r = node_record(em->pdir, name, &st, em->m->buf, READ_BUF_SIZE, &p->rec);
		if (r < 0) {
			*error = r;
			return false;
		}
		p->hashed = true;
	}
	return p->rec.size == x->size && memcmp(p->rec.hash, x->hash, MANIFEST_HASH_SIZE) == 0;
}

static int clean_temps(struct entry_merge *em, const char *path, const char *name)
{
	int r = seed_clean_temps(em->pdir, name);
	if (r < 0)
		return fail(em, path, r,
			    "cannot remove a partial copy left by an interrupted boot");
	return 0;
}

static void left_out(const char *rel, const char *what, void *userdata)
{
	const char *path = userdata;
	log_warning("layout: %s%s%s is %s; not copied to the persistent partition (device nodes "
		    "and sockets never are)",
		    path, *rel ? "/" : "", rel, what);
}

static int add_node(struct entry_merge *em, const struct manifest_record *n, const char *name)
{
	struct seed_failure f = {};
	int r = clean_temps(em, n->path, name);
	if (r < 0)
		return r;
	r = seed_copy(em->idir, name, em->pdir, name, left_out, (void *)n->path, &f);
	seed_failure_done(&f);
	if (r < 0)
		return fail(em, n->path, r, "cannot copy it from the image");
	log_info("layout: %s: new in the image, added to the persistent copy", n->path);
	em->c.added++;
	if (n->type == MANIFEST_DIR)
		em->added = n->path;
	fault_point("merge-added");
	return 0;
}

static int update_node(struct entry_merge *em, const struct manifest_record *n, const char *name,
		       const struct pnode *p)
{
	int r;

	if ((n->type == MANIFEST_DIR) != (p->rec.type == MANIFEST_DIR)) {
		conflict(em, n->path,
			 n->type == MANIFEST_DIR
			     ? "the new image has a directory where the device has a file"
			     : "the new image has a file where the device has a directory");
		return 0;
	}
	if (n->type == MANIFEST_DIR) {
		_cleanup_close_ int fd =
		    openat(em->pdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fchown(fd, n->uid, n->gid) < 0 || fchmod(fd, n->mode) < 0)
			return fail(em, n->path, -errno, "cannot set owner and mode");
		if (fsync(fd) < 0)
			return fail(em, n->path, -errno, "cannot sync");
	} else {
		struct seed_failure f = {};
		r = clean_temps(em, n->path, name);
		if (r < 0)
			return r;
		r = seed_replace(em->idir, name, em->pdir, name, &f);
		seed_failure_done(&f);
		if (r < 0)
			return fail(em, n->path, r, "cannot replace it with the image's version");
	}
	log_info("layout: %s: unchanged on this device, updated to the new image's version",
		 n->path);
	em->c.updated++;
	fault_point("merge-updated");
	return 0;
}

static int merge_node(struct entry_merge *em, const struct manifest_record *n)
{
	_cleanup_free_ char *parent = NULL, *name = NULL;
	const struct manifest_record *b = em->base ? manifest_find_record(em->base, n->path) : NULL;
	int r;

	if (em->added && within(n->path, em->added)) {
		em->c.added++; /* came with its directory */
		return 0;
	}
	em->added = NULL;
	r = path_split(n->path, &parent, &name);
	if (r < 0)
		return fail(em, n->path, r, "invalid path");
	r = open_parent(em, parent);
	if (r < 0)
		return fail(em, n->path, r, "cannot open its directory in the image");

	struct pnode p = {};
	struct stat st;
	bool present = false;
	if (em->pdir >= 0) {
		if (fstatat(em->pdir, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			present = true;
		else if (errno != ENOENT)
			return fail(em, n->path, -errno, "cannot inspect the persistent copy");
	} else if (em->pdir != -ENOENT && em->pdir != -ENOTDIR && em->pdir != -ELOOP)
		return fail(em, n->path, em->pdir, "cannot open its directory in the copy");

	if (!present) {
		if (!b && em->pdir >= 0)
			return add_node(em, n, name);
		if (em->base && (!b || !manifest_record_equal(b, n))) {
			log_info("layout: %s: deleted on this device; stays deleted although the "
				 "new image changed it",
				 n->path);
			em->c.kept++;
		}
		return 0;
	}
	if (b && manifest_record_equal(b, n))
		return 0; /* the image did not change it */

	p.rec.type = S_ISDIR(st.st_mode)    ? MANIFEST_DIR
		     : S_ISREG(st.st_mode)  ? MANIFEST_FILE
		     : S_ISLNK(st.st_mode)  ? MANIFEST_SYMLINK
		     : S_ISFIFO(st.st_mode) ? MANIFEST_FIFO
					    : '?';
	p.rec.mode = st.st_mode & 07777;
	p.rec.uid = st.st_uid;
	p.rec.gid = st.st_gid;
	if (p.rec.type == MANIFEST_DIR || p.rec.type == MANIFEST_FIFO)
		p.hashed = true; /* nothing to hash */
	int error = 0;
	if (pnode_equal(em, name, &p, n, &error))
		return 0; /* already the image's version */
	if (error == 0 && b && pnode_equal(em, name, &p, b, &error))
		return update_node(em, n, name, &p);
	if (error < 0)
		return fail(em, n->path, error, "cannot read the persistent copy");
	conflict(em, n->path,
		 b ? "changed on this device and in the new image"
		   : "the device has its own version of a path new in the image");
	return 0;
}

/* Paths of the base the new image dropped: the copy keeps them. */
static void count_dropped(struct entry_merge *em, const struct manifest_entry *n)
{
	if (!em->base)
		return;
	for (size_t i = 0; i < em->base->n_records; i++) {
		const struct manifest_record *b = &em->base->records[i];
		_cleanup_close_ int fd = -1;
		if (manifest_find_record(n, b->path))
			continue;
		fd = safe_open(em->m->pfd, b->path, O_PATH, NULL);
		if (fd < 0)
			continue;
		log_info("layout: %s: no longer in the image; the persistent copy keeps it",
			 b->path);
		em->c.kept++;
	}
}

/* --- the public side -------------------------------------------------------- */

static void add_counts(struct merge_counts *t, const struct merge_counts *c)
{
	t->added += c->added;
	t->updated += c->updated;
	t->kept += c->kept;
	t->conflicts += c->conflicts;
	t->failed += c->failed;
}

/* Below the persistent partition's mount point the image does not count
 * (layout.env(5), BOOT-TIME POLICY): nothing there is recorded or merged. */
static bool below_persistent_mount(const struct layout_op *op)
{
	return within(op->target, LAYOUT_PERSISTENT_MOUNT);
}

static bool image_ready(struct layout_merge *m)
{
	if (m->img_fd >= 0)
		return true;
	if (m->img_error == 0) {
		m->img_fd = mount_clone_tree(m->root_fd);
		if (m->img_fd >= 0)
			return true;
		m->img_error = m->img_fd;
		log_warning_errno(m->img_error,
				  "layout: cannot open a view of the image without the layout's "
				  "mounts (open_tree: %m); image updates are not merged into the "
				  "persistent copies this boot");
	}
	return false;
}

static void load_manifest(struct layout_merge *m)
{
	unsigned line = 0;
	const char *why = NULL;
	int r = manifest_load(m->pfd, &m->manifest, &line, &why);

	if (r == 0 || r == -ENOENT)
		return;
	if (r == -EBADMSG) {
		if (line)
			log_error("layout: %s/%s:%u: %s; the manifest is not used: the image's "
				  "earlier versions are unknown, so no persistent file is "
				  "overwritten by an update (files missing from the copies are "
				  "added, differing ones listed as conflicts); it is kept as %s/%s",
				  m->pbt, MANIFEST_NAME, line, why, m->pbt, MANIFEST_CORRUPT);
		else
			log_error("layout: %s/%s: %s; the manifest is not used: the image's "
				  "earlier versions are unknown, so no persistent file is "
				  "overwritten by an update (files missing from the copies are "
				  "added, differing ones listed as conflicts); it is kept as %s/%s",
				  m->pbt, MANIFEST_NAME, why, m->pbt, MANIFEST_CORRUPT);
		if (asprintf(&m->error, "%s/%s%s%.0u: %s; treated as unknown (kept as %s)", m->pbt,
			     MANIFEST_NAME, line ? ":" : "", line, why, MANIFEST_CORRUPT) < 0)
			m->error = NULL;
		if (renameat(m->pfd, MANIFEST_NAME, m->pfd, MANIFEST_CORRUPT) < 0)
			log_warning_errno(-errno, "layout: cannot rename %s/%s to %s: %m", m->pbt,
					  MANIFEST_NAME, MANIFEST_CORRUPT);
		m->changed = true; /* a valid one replaces it */
		return;
	}
	log_error_errno(r,
			"layout: cannot read %s/%s: %m; the image's earlier versions are unknown "
			"this boot, no persistent file is overwritten",
			m->pbt, MANIFEST_NAME);
	if (asprintf(&m->error, "cannot read %s/%s: %s", m->pbt, MANIFEST_NAME, strerror(-r)) < 0)
		m->error = NULL;
	/* Not saved over: it may be readable on the next boot. */
	m->img_error = -EIO;
}

int layout_merge_begin(int root_fd, int pfd, const char *pbt, const char *image_id,
		       const struct layout_plan *plan, struct report_stage *stage,
		       struct layout_merge **ret)
{
	struct layout_merge *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	*m = (struct layout_merge){
		.root_fd = root_fd,
		.img_fd = -1,
		.pfd = pfd,
		.pbt = pbt,
		.image_id = image_id,
		.plan = plan,
		.stage = stage,
	};
	load_manifest(m);
	*ret = m;
	return 0;
}

void layout_merge_seeded(struct layout_merge *m, const struct layout_op *op)
{
	struct manifest_entry e = {};
	if (!m || below_persistent_mount(op) || !image_ready(m))
		return;
	int r = scan_image(m, op, &e);
	if (r < 0) {
		log_warning_errno(r,
				  "layout: %s: cannot record what the image has there (%m); the "
				  "next image update treats the copy as the user's own",
				  op->target);
		return;
	}
	r = manifest_set_entry(&m->manifest, &e);
	manifest_entry_done(&e);
	if (r < 0)
		log_warning_errno(r, "layout: %s: cannot record it in the manifest: %m",
				  op->target);
	else
		m->changed = true;
}

bool layout_merge_entry(struct layout_merge *m, const struct layout_op *op)
{
	if (!m || below_persistent_mount(op))
		return false;
	const struct manifest_entry *old = manifest_find_entry(&m->manifest, op->target);
	if (old && m->image_id && streq(old->image_id, m->image_id))
		return false; /* this image was merged before */
	if (!image_ready(m))
		return false;

	struct manifest_entry n = {};
	int r = scan_image(m, op, &n);
	if (r < 0) {
		log_error_errno(r,
				"layout: %s: cannot read the image's version (%m); the image "
				"update is not merged into this persistent copy",
				op->target);
		report_stage_append(m->stage, "merge", "path", op->target, "result", "failed",
				    "message", "cannot read the image's version", (char *)NULL);
		m->total.failed++;
		m->merged = true;
		return false;
	}
	if (old && streq(old->image_id, n.image_id)) {
		manifest_entry_done(&n);
		return false;
	}

	struct entry_merge state = { .m = m, .op = op, .base = old, .pdir = -1, .idir = -1 };
	struct entry_merge *em = &state;
	log_info("layout: %s: the image changed since the persistent copy's base was recorded "
		 "(%s); merging",
		 op->target, old ? "a new image" : "no base recorded");
	for (size_t i = 0; i < n.n_records; i++)
		(void)merge_node(em, &n.records[i]);
	count_dropped(em, &n);
	free(em->parent);
	closep(&em->pdir);
	closep(&em->idir);

	log_notice("layout: %s: image update merged: %u added, %u updated, %u kept, %u "
		   "conflicts%s",
		   op->target, em->c.added, em->c.updated, em->c.kept, em->c.conflicts,
		   em->c.failed ? ", some failed (retried at the next boot)" : "");
	add_counts(&m->total, &em->c);
	m->merged = true;
	if (em->c.failed == 0) {
		r = manifest_set_entry(&m->manifest, &n);
		if (r == 0)
			m->changed = true;
	}
	manifest_entry_done(&n);
	return em->c.added || em->c.updated;
}

void layout_merge_end(struct layout_merge *m)
{
	if (!m)
		return;
	if (m->changed) {
		int r = manifest_save(m->pfd, &m->manifest);
		if (r < 0) {
			log_error_errno(r,
					"layout: cannot save %s/%s: %m; the next boot merges the "
					"image update again (nothing is lost)",
					m->pbt, MANIFEST_NAME);
			if (!m->error && asprintf(&m->error, "cannot save %s/%s: %s", m->pbt,
						  MANIFEST_NAME, strerror(-r)) < 0)
				m->error = NULL;
		}
	}
	const struct merge_counts *t = &m->total;
	/* A merge that found nothing to do (a nested bind's copy made by its
	 * parent's seed, an update that left the entry alone) is not reported. */
	if (m->merged && (t->added || t->updated || t->kept || t->conflicts || t->failed)) {
		report_stage_set_u64(m->stage, "merge_added", m->total.added);
		report_stage_set_u64(m->stage, "merge_updated", m->total.updated);
		report_stage_set_u64(m->stage, "merge_kept", m->total.kept);
		report_stage_set_u64(m->stage, "merge_conflicts", m->total.conflicts);
		if (m->total.failed)
			report_stage_set_u64(m->stage, "merge_failed", m->total.failed);
	}
	if (m->error)
		report_stage_set(m->stage, "merge_error", m->error);
	manifest_done(&m->manifest);
	closep(&m->img_fd);
	free(m->error);
	free(m);
}

int layout_merge_image_id(const uint8_t *root_hash, size_t size, char **ret)
{
	char *s = malloc(strlen("roothash:") + 2 * size + 1);
	if (!s)
		return -ENOMEM;
	strcpy(s, "roothash:");
	for (size_t i = 0; i < size; i++)
		sprintf(s + 9 + 2 * i, "%02x", root_hash[i]);
	*ret = s;
	return 0;
}
