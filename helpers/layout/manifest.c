// SPDX-License-Identifier: GPL-2.0-or-later
/* manifest.c — the base of the image-update merge on disk, see manifest.h. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "fault.h"
#include "fileio.h"
#include "manifest.h"
#include "util.h"

#define MANIFEST_TEMP MANIFEST_NAME ".tmp"
#define ID_MAX_UID 4294967294ULL /* (uid_t)-1 means "no change" to chown */

int manifest_path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = *a == '/' ? 1 : *a == '\0' ? 0 : (unsigned char)*a + 1;
		int y = *b == '/' ? 1 : *b == '\0' ? 0 : (unsigned char)*b + 1;
		if (x != y)
			return x < y ? -1 : 1;
		if (x == 0)
			return 0;
	}
}

void manifest_records_free(struct manifest_record *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].path);
	free(r);
}

void manifest_entry_done(struct manifest_entry *e)
{
	if (!e)
		return;
	free(e->path);
	free(e->image_id);
	manifest_records_free(e->records, e->n_records);
	*e = (struct manifest_entry){};
}

void manifest_done(struct manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_entries; i++)
		manifest_entry_done(&m->entries[i]);
	free(m->entries);
	*m = (struct manifest){};
}

bool manifest_record_equal(const struct manifest_record *a, const struct manifest_record *b)
{
	return a->type == b->type && a->mode == b->mode && a->uid == b->uid && a->gid == b->gid &&
	       a->size == b->size && memcmp(a->hash, b->hash, MANIFEST_HASH_SIZE) == 0;
}

/* --- parsing ------------------------------------------------------------ */

struct parser {
	const char *why;
};

static int bad(struct parser *p, const char *why)
{
	p->why = why;
	return -EBADMSG;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '\\';
}

/* A decimal number without sign or leading zeros, at most MAX; advances *S
 * to the byte after it, which must be a space. */
static int parse_u64(struct parser *p, const char **s, unsigned long long max,
		     unsigned long long *ret)
{
	const char *c = *s;
	unsigned long long v = 0;

	if (*c < '0' || *c > '9')
		return bad(p, "a number was expected");
	if (*c == '0' && c[1] >= '0' && c[1] <= '9')
		return bad(p, "a number has a leading zero");
	for (; *c >= '0' && *c <= '9'; c++) {
		unsigned d = (unsigned)(*c - '0');
		if (v > (max - d) / 10)
			return bad(p, "a number is too large");
		v = v * 10 + d;
	}
	if (*c != ' ')
		return bad(p, "a space was expected after a number");
	*s = c + 1;
	*ret = v;
	return 0;
}

/* Unescape and validate the path that runs from S to END (exclusive). */
static int parse_path(struct parser *p, const char *s, const char *end, char **ret)
{
	char out[PATH_MAX];
	size_t n = 0, comp = 0;

	if (s == end || *s != '/')
		return bad(p, "a path must be absolute");
	for (const char *c = s; c < end; c++) {
		unsigned char b = (unsigned char)*c;
		if (b == '\\') {
			if (c + 1 < end && c[1] == '\\') {
				b = '\\';
				c++;
			} else if (c + 3 < end && c[1] == 'x' && hexval(c[2]) >= 0 &&
				   hexval(c[3]) >= 0) {
				b = (unsigned char)(hexval(c[2]) * 16 + hexval(c[3]));
				if (b == 0 || b == '\\' || !needs_escape(b))
					return bad(p, "a path has an escape that is not needed");
				c += 3;
			} else
				return bad(p, "a path has an invalid escape");
		} else if (needs_escape(b))
			return bad(p, "a path has a control character that is not escaped");
		if (n >= PATH_MAX - 1)
			return bad(p, "a path is too long");
		out[n++] = (char)b;
	}
	out[n] = '\0';
	for (size_t i = 1; i <= n; i++) {
		if (i < n && out[i] != '/') {
			comp++;
			continue;
		}
		const char *start = out + i - comp;
		if (comp == 0)
			return bad(p, n == 1 ? "the path '/' cannot be recorded"
					     : "a path has an empty component or a trailing '/'");
		if ((comp == 1 && start[0] == '.') ||
		    (comp == 2 && start[0] == '.' && start[1] == '.'))
			return bad(p, "a path has a '.' or '..' component");
		if (comp > NAME_MAX)
			return bad(p, "a path component is longer than 255 bytes");
		comp = 0;
	}
	*ret = strdup(out);
	return *ret ? 0 : -ENOMEM;
}

static bool path_at_or_below(const char *path, const char *top)
{
	size_t n = strlen(top);
	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int parse_entry(struct parser *p, const char *s, const char *end, struct manifest *m,
		       size_t *cap)
{
	const char *sp = memchr(s, ' ', (size_t)(end - s));
	if (!sp || sp == s || sp - s > MANIFEST_ID_MAX)
		return bad(p, "an image identity of 1 to 200 characters was expected");
	for (const char *c = s; c < sp; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == ':' || *c == '.' || *c == '_' || *c == '-'))
			return bad(p, "an image identity has a character outside [A-Za-z0-9:._-]");
	_cleanup_free_ char *path = NULL;
	int r = parse_path(p, sp + 1, end, &path);
	if (r < 0)
		return r;
	if (m->n_entries > 0 && manifest_path_cmp(m->entries[m->n_entries - 1].path, path) >= 0)
		return bad(p, "entries are not in increasing order (or one is listed twice)");
	if (m->n_entries >= MANIFEST_MAX_ENTRIES)
		return bad(p, "too many entries");
	if (array_reserve(m->entries, cap, m->n_entries, 16) < 0)
		return -ENOMEM;
	struct manifest_entry *e = &m->entries[m->n_entries++];
	*e = (struct manifest_entry){ .path = TAKE_PTR(path) };
	e->image_id = strndup(s, (size_t)(sp - s));
	return e->image_id ? 0 : -ENOMEM;
}

static int parse_record(struct parser *p, const char *s, const char *end, struct manifest *m,
			size_t *cap, size_t *total)
{
	struct manifest_record rec = {};
	unsigned long long v;
	int r;

	if (m->n_entries == 0)
		return bad(p, "a record comes before any entry");
	if (*total >= MANIFEST_MAX_RECORDS)
		return bad(p, "too many records");
	struct manifest_entry *e = &m->entries[m->n_entries - 1];
	if (end - s < 2 || !strchr("dflp", s[0]) || s[1] != ' ')
		return bad(p, "a type d, f, l or p was expected");
	rec.type = s[0];
	s += 2;
	if (end - s < 5 || s[4] != ' ')
		return bad(p, "a mode of four octal digits was expected");
	rec.mode = 0;
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '7')
			return bad(p, "a mode of four octal digits was expected");
		rec.mode = rec.mode * 8 + (mode_t)(s[i] - '0');
	}
	s += 5;
	if ((r = parse_u64(p, &s, ID_MAX_UID, &v)) < 0)
		return r;
	rec.uid = (uid_t)v;
	if ((r = parse_u64(p, &s, ID_MAX_UID, &v)) < 0)
		return r;
	rec.gid = (gid_t)v;
	if ((r = parse_u64(p, &s, INT64_MAX, &v)) < 0)
		return r;
	rec.size = v;
	bool content = rec.type == MANIFEST_FILE || rec.type == MANIFEST_SYMLINK;
	if (content) {
		if (end - s < 2 * MANIFEST_HASH_SIZE + 1 || s[2 * MANIFEST_HASH_SIZE] != ' ')
			return bad(p, "a SHA-256 of 64 lowercase hex digits was expected");
		for (size_t i = 0; i < MANIFEST_HASH_SIZE; i++) {
			int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return bad(p, "a SHA-256 of 64 lowercase hex digits was expected");
			rec.hash[i] = (uint8_t)(hi * 16 + lo);
		}
		s += 2 * MANIFEST_HASH_SIZE + 1;
	} else {
		if (end - s < 2 || s[0] != '-' || s[1] != ' ')
			return bad(p, "'-' was expected for a directory or FIFO");
		if (rec.size != 0)
			return bad(p, "a directory or FIFO must have size 0");
		s += 2;
	}
	if (rec.type == MANIFEST_SYMLINK && (rec.size == 0 || rec.size >= PATH_MAX))
		return bad(p, "a symbolic link target must be 1 to 4095 bytes");
	r = parse_path(p, s, end, &rec.path);
	if (r < 0)
		return r;
	if (!path_at_or_below(rec.path, e->path)) {
		free(rec.path);
		return bad(p, "a record is not at or below its entry's path");
	}
	if (e->n_records > 0 &&
	    manifest_path_cmp(e->records[e->n_records - 1].path, rec.path) >= 0) {
		free(rec.path);
		return bad(p, "records are not in increasing order (or one is listed twice)");
	}
	if (array_reserve(e->records, cap, e->n_records, 16) < 0) {
		free(rec.path);
		return -ENOMEM;
	}
	e->records[e->n_records++] = rec;
	(*total)++;
	return 0;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return manifest_path_cmp(*(char *const *)a, *(char *const *)b);
}

/* Nested entries may not record the same path twice.  Entries are sorted
 * so that a path's descendants follow it: without an entry directly
 * followed by one below it, none is nested and no path can repeat. */
static int check_no_duplicates(struct parser *p, const struct manifest *m, size_t total)
{
	bool nested = false;
	for (size_t i = 1; i < m->n_entries && !nested; i++)
		nested = path_at_or_below(m->entries[i].path, m->entries[i - 1].path);
	if (total < 2 || !nested)
		return 0;
	_cleanup_free_ const char **all = calloc(total, sizeof(*all));
	size_t n = 0;
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_entries; i++)
		for (size_t j = 0; j < m->entries[i].n_records; j++)
			all[n++] = m->entries[i].records[j].path;
	qsort(all, n, sizeof(*all), cmp_str_ptr);
	for (size_t i = 1; i < n; i++)
		if (streq(all[i - 1], all[i]))
			return bad(p, "a path is recorded by two entries");
	return 0;
}

int manifest_parse(const char *buf, size_t size, struct manifest *ret, unsigned *ret_line,
		   const char **ret_why)
{
	struct parser p = {};
	struct manifest m = {};
	const char *end = buf + size, *s = buf;
	unsigned line = 1;
	size_t cap = 0, entries_cap = 0, total = 0;
	int r = 0;

	*ret = (struct manifest){};
	if (size > MANIFEST_MAX_BYTES)
		r = bad(&p, "the file is too large");
	else if (memchr(buf, '\0', size))
		r = bad(&p, "the file holds a NUL byte");
	else if (size < strlen(MANIFEST_HEADER) ||
		 memcmp(buf, MANIFEST_HEADER, strlen(MANIFEST_HEADER)) != 0)
		r = bad(&p, "the first line is not '" MANIFEST_HEADER "'");
	else if (buf[size - 1] != '\n')
		r = bad(&p, "the last line is not terminated");
	if (r == 0)
		s += strlen(MANIFEST_HEADER);
	while (r == 0 && s < end) {
		line++;
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (end - s >= 2 && s[0] == 'E' && s[1] == ' ') {
			r = parse_entry(&p, s + 2, nl, &m, &entries_cap);
			cap = 0;
		} else if (end - s >= 2 && s[0] == 'R' && s[1] == ' ')
			r = parse_record(&p, s + 2, nl, &m, &cap, &total);
		else
			r = bad(&p, "a line starts with neither 'E ' nor 'R '");
		s = nl + 1;
	}
	if (r == 0) {
		r = check_no_duplicates(&p, &m, total);
		if (r == -EBADMSG)
			line = 0;
	}
	if (r < 0) {
		manifest_done(&m);
		if (ret_line)
			*ret_line = r == -EBADMSG ? line : 0;
		if (ret_why)
			*ret_why = r == -EBADMSG ? p.why : "out of memory";
		return r;
	}
	*ret = m;
	return 0;
}

/* --- writing ------------------------------------------------------------ */

static void put_path(const char *path, FILE *f)
{
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if (*c == '\\')
			fputs("\\\\", f);
		else if (needs_escape(*c))
			fprintf(f, "\\x%02x", *c);
		else
			fputc(*c, f);
	}
	fputc('\n', f);
}

int manifest_write(const struct manifest *m, FILE *f)
{
	fputs(MANIFEST_HEADER, f);
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct manifest_entry *e = &m->entries[i];
		fprintf(f, "E %s ", e->image_id);
		put_path(e->path, f);
		for (size_t j = 0; j < e->n_records; j++) {
			const struct manifest_record *rec = &e->records[j];
			fprintf(f, "R %c %04o %u %u %llu ", rec->type,
				(unsigned)(rec->mode & 07777), (unsigned)rec->uid,
				(unsigned)rec->gid, (unsigned long long)rec->size);
			if (rec->type == MANIFEST_FILE || rec->type == MANIFEST_SYMLINK)
				for (size_t k = 0; k < MANIFEST_HASH_SIZE; k++)
					fprintf(f, "%02x", rec->hash[k]);
			else
				fputc('-', f);
			fputc(' ', f);
			put_path(rec->path, f);
		}
	}
	return ferror(f) ? -EIO : 0;
}

int manifest_load(int dir_fd, struct manifest *ret, unsigned *ret_line, const char **ret_why)
{
	_cleanup_close_ int fd =
	    openat(dir_fd, MANIFEST_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	struct stat st;
	int r;

	*ret = (struct manifest){};
	if (ret_line)
		*ret_line = 0;
	if (ret_why)
		*ret_why = NULL;
	if (fd < 0 && errno == ELOOP) {
		if (ret_why)
			*ret_why = "a symbolic link";
		return -EBADMSG;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		if (ret_why)
			*ret_why = "not a regular file";
		return -EBADMSG;
	}
	r = read_fd_bounded(fd, MANIFEST_MAX_BYTES, &buf, &size);
	if (r == -EFBIG) {
		if (ret_why)
			*ret_why = "the file is too large";
		return -EBADMSG;
	}
	if (r < 0)
		return r;
	return manifest_parse(buf, size, ret, ret_line, ret_why);
}

int manifest_save(int dir_fd, const struct manifest *m)
{
	if (unlinkat(dir_fd, MANIFEST_TEMP, 0) < 0 && errno != ENOENT)
		return -errno;
	int fd = openat(dir_fd, MANIFEST_TEMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0600);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int r = -errno;
		close(fd);
		(void)unlinkat(dir_fd, MANIFEST_TEMP, 0);
		return r;
	}
	int r = manifest_write(m, f);
	if (r == 0 && fflush(f) != 0)
		r = -errno;
	if (r == 0 && fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0) {
		fault_point("merge-manifest-temp-written");
		if (renameat(dir_fd, MANIFEST_TEMP, dir_fd, MANIFEST_NAME) < 0)
			r = -errno;
	}
	if (r < 0) {
		(void)unlinkat(dir_fd, MANIFEST_TEMP, 0);
		return r;
	}
	if (fsync(dir_fd) < 0)
		return -errno;
	fault_point("merge-manifest-written");
	return 0;
}

/* --- lookups ------------------------------------------------------------ */

struct manifest_entry *manifest_find_entry(const struct manifest *m, const char *path)
{
	size_t lo = 0, hi = m->n_entries;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = manifest_path_cmp(m->entries[mid].path, path);
		if (c == 0)
			return &m->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct manifest_record *manifest_find_record(const struct manifest_entry *e, const char *path)
{
	size_t lo = 0, hi = e->n_records;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = manifest_path_cmp(e->records[mid].path, path);
		if (c == 0)
			return &e->records[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int manifest_set_entry(struct manifest *m, struct manifest_entry *e)
{
	size_t i = 0;
	while (i < m->n_entries && manifest_path_cmp(m->entries[i].path, e->path) < 0)
		i++;
	if (i < m->n_entries && streq(m->entries[i].path, e->path)) {
		manifest_entry_done(&m->entries[i]);
		m->entries[i] = *e;
		*e = (struct manifest_entry){};
		return 0;
	}
	struct manifest_entry *t = reallocarray(m->entries, m->n_entries + 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	m->entries = t;
	memmove(&t[i + 1], &t[i], (m->n_entries - i) * sizeof(*t));
	t[i] = *e;
	m->n_entries++;
	*e = (struct manifest_entry){};
	return 0;
}
