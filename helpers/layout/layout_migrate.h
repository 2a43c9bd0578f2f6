/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layout_migrate.h — adopt the persistent copies of an EMT-era store.
 *
 * EMT's 91persistent-mount keeps the copy of a bind PATH flattened in
 * PERSISTENT_BIND_TARGET: the leading "/" dropped, every other "/" turned
 * into "-", ".bind" appended ("/etc/ssh" → "etc-ssh.bind").  A directory's
 * copy is that directory; a file's copy is the file of the same base name
 * inside it ("etc-machine-id.bind/machine-id").  Whether a path is a file is
 * decided, as EMT does, by the image at that path.  sealroot mirrors the
 * tree instead ("etc/ssh", "etc/machine-id").
 *
 * layout_migrate_emt() runs once at the start of layout_apply(), before any
 * copy is seeded.  For every bind of the plan whose EMT copy exists and whose
 * sealroot copy does not, the EMT copy is renamed (never copied) to the
 * sealroot location.  Crash safety: the list of entries about to move is
 * written first to PERSISTENT_BIND_TARGET/.sealroot-migrate-emt (temporary
 * file, fsync, rename, fsync of the directory); each move is one
 * renameat2(RENAME_NOREPLACE) followed by an fsync of both directories; the
 * intent is removed after a syncfs once every entry is done.  A boot that
 * finds the intent finishes the work: each entry is either still in EMT form
 * (moved now) or already moved (reported as migrated); nothing is copied, so
 * no state of the store ever shows a partial copy, loses one or holds two.
 *
 * Never overwritten: when both copies exist the entry is a "conflict" (both
 * kept, the sealroot copy is used, a warning names both paths).  The store is
 * untrusted input: every path is opened with safe_path.h, an EMT copy (or
 * the parent of a sealroot copy) that is a symbolic link is refused, not
 * followed, and two entries that map to the same EMT name ("/etc/a-b" and
 * "/etc/a/b", EMT does not escape "-") are left alone ("ambiguous").
 *
 * Each entry found is logged once and appended to the stage's "migration"
 * list as {from, to, result, message}; result is one of migrated, conflict,
 * ambiguous, skipped, refused, failed.
 */
#pragma once

#include "layout.h"
#include "report.h"

/* Migrate the EMT copies of PLAN's binds beneath ROOT_FD (the root being set
 * up).  Returns 0 when nothing was refused or failed (conflicts included),
 * otherwise the first negative errno, after attempting every entry. */
int layout_migrate_emt(const struct layout_plan *plan, int root_fd, struct report_stage *stage);

/* EMT's store name of PATH ("/etc/ssh" → "etc-ssh.bind"), allocated.
 * -ENAMETOOLONG when longer than a file name may be. */
int layout_migrate_emt_name(const char *path, char **ret);
