/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manifest.h — what the image shipped, per seeded persistent bind: the base
 * of the three-way merge of an image update (layout_merge.h).
 *
 * The manifest lives on the persistent partition, at
 * PERSISTENT_BIND_TARGET/.sealroot-manifest.  Text, one item per line:
 *
 *   sealroot-manifest 1
 *   E IMAGE-ID PATH                       a bind entry, and which image its records describe
 *   R TYPE MODE UID GID SIZE HASH PATH    one file of that entry as that image shipped it
 *
 * TYPE is d (directory), f (regular file), l (symbolic link) or p (FIFO);
 * MODE four octal digits (permission bits); SIZE the file's size or the
 * link target's length (0 for d and p); HASH the SHA-256 of the content or
 * of the link target in 64 lowercase hex digits ("-" for d and p).  PATH
 * runs to the end of the line: absolute, normalised (no "." or "..", no
 * empty component, no trailing "/"), with "\" written "\\" and bytes below
 * 0x20 and 0x7f written "\xHH" (lowercase).  IMAGE-ID is 1 to 200
 * characters of [A-Za-z0-9:._-].  Entries are in strictly increasing order
 * (manifest_path_cmp), each followed by its records, in strictly increasing
 * order, each the entry's path or below it; no path is recorded twice.
 *
 * The file is on a partition anyone with the disk can write: it is parsed
 * strictly, and any deviation is an error with its line number; it is never
 * trusted for more than "what did the image ship here": a lie can make the
 * merge keep a file, list a conflict, or replace a file with the image's
 * own version of it, never with anything else.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MANIFEST_NAME ".sealroot-manifest"
#define MANIFEST_HEADER "sealroot-manifest 1\n"
#define MANIFEST_MAX_BYTES (64u * 1024 * 1024)
#define MANIFEST_MAX_RECORDS 1000000u
#define MANIFEST_MAX_ENTRIES 65536u
#define MANIFEST_ID_MAX 200
#define MANIFEST_HASH_SIZE 32

enum manifest_type {
	MANIFEST_DIR = 'd',
	MANIFEST_FILE = 'f',
	MANIFEST_SYMLINK = 'l',
	MANIFEST_FIFO = 'p',
};

struct manifest_record {
	char *path;  /* absolute, as in the layout: "/etc/ssh/sshd_config" */
	char type;   /* enum manifest_type */
	mode_t mode; /* permission bits only (07777) */
	uid_t uid;
	gid_t gid;
	uint64_t size;
	uint8_t hash[MANIFEST_HASH_SIZE]; /* all zero for d and p */
};

struct manifest_entry {
	char *path;			 /* the bind's path, "/etc/ssh" */
	char *image_id;			 /* which image the records describe */
	struct manifest_record *records; /* sorted by manifest_path_cmp */
	size_t n_records;
};

struct manifest {
	struct manifest_entry *entries; /* sorted by path */
	size_t n_entries;
};

/* Order of paths in a manifest: byte-wise, with "/" before every other byte,
 * so that a directory's descendants directly follow it. */
int manifest_path_cmp(const char *a, const char *b);

/* Parse BUF (SIZE bytes, may hold NULs: an error).  Returns 0, -EBADMSG with
 * *RET_LINE (1-based) and *RET_WHY (a static string) describing the first
 * problem, or -ENOMEM.  On error *RET is empty.  RET_LINE/RET_WHY may be NULL. */
int manifest_parse(const char *buf, size_t size, struct manifest *ret, unsigned *ret_line,
		   const char **ret_why);

/* Write M in the format above to F.  Returns 0 or -EIO. */
int manifest_write(const struct manifest *m, FILE *f);

/* Read DIR_FD/MANIFEST_NAME (regular file, O_NOFOLLOW, at most
 * MANIFEST_MAX_BYTES) and parse it.  Returns 0, -ENOENT when there is none,
 * -EBADMSG as manifest_parse(), or another negative errno. */
int manifest_load(int dir_fd, struct manifest *ret, unsigned *ret_line, const char **ret_why);

/* Replace DIR_FD/MANIFEST_NAME with M atomically: a temporary file
 * (MANIFEST_NAME.tmp), fsync, rename, fsync of DIR_FD.  Returns 0 or a
 * negative errno (the old manifest is then still in place). */
int manifest_save(int dir_fd, const struct manifest *m);

/* The entry of PATH, or NULL. */
struct manifest_entry *manifest_find_entry(const struct manifest *m, const char *path);
/* The record of PATH in E, or NULL. */
const struct manifest_record *manifest_find_record(const struct manifest_entry *e,
						   const char *path);

/* Same type, mode, owner, size and hash. */
bool manifest_record_equal(const struct manifest_record *a, const struct manifest_record *b);

void manifest_records_free(struct manifest_record *r, size_t n);
void manifest_entry_done(struct manifest_entry *e);
void manifest_done(struct manifest *m);

/* Put E (taken over, *E emptied) into M in order, replacing an entry of the
 * same path.  Returns 0 or -ENOMEM (E then untouched). */
int manifest_set_entry(struct manifest *m, struct manifest_entry *e);
