/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layout_merge.h — bring an image update into the persistent copies: a
 * three-way merge of each persistent bind between the image that seeded it
 * (the base, recorded in the manifest, manifest.h), the persistent copy (the
 * user's), and the image being booted.
 *
 * The image is read through a detached clone of the root's mount
 * (mount_clone_tree()), so what is mounted on the root during the layout
 * (overlays, binds, the persistent partition) never stands in for it.  An
 * entry's image identity is IMAGE_ID (e.g. "roothash:HEX", from the kernel
 * command line) or, without one, "tree:HEX", the SHA-256 of the entry's
 * records; an entry whose recorded identity equals the current one is left
 * alone (a second boot of the same image does nothing).
 *
 * Per path of the new image (N), against the base (B) and the copy (P):
 *  - never seen (no B) and P missing: copied from the image (added);
 *  - B, P missing (the user deleted it or its directory): stays deleted
 *    (kept, when N differs from B);
 *  - N equal to B (the image did not change it): nothing;
 *  - P equal to N: nothing (the same change, or a finished earlier attempt);
 *  - P equal to B (the user did not change it): replaced by N (updated);
 *    a directory gets N's owner and mode;
 *  - otherwise (the user changed it, or there is no B and P differs): the
 *    user's version is kept and the path listed as a conflict; also when
 *    the image turned a directory into a file or back.
 * Paths of B the new image no longer has stay in the copy (kept when P has
 * them).  Binds below LAYOUT_PERSISTENT_MOUNT are never merged: the image
 * does not count there.  Nothing is ever deleted.  Equal means same type, mode, owner, size
 * and SHA-256 of the content (or symlink target).
 *
 * Crash safety: each change is one atomic step (a copy built under a
 * temporary name, then renamed; chmod/chown), the manifest is replaced
 * atomically after all of them (manifest_save()).  A power cut leaves the
 * old manifest, so the next boot merges again: what was done is then "equal
 * to N" and skipped, what was not is done.  An entry where a step failed
 * keeps its old records, so the next boot retries it.
 *
 * The manifest is untrusted input: a corrupt one is logged as an error,
 * renamed to .sealroot-manifest.corrupt and treated as absent ("unknown
 * base": never overwrite, add only what the copy lacks, list differences as
 * conflicts).  Nothing here fails the layout step: merge problems are
 * logged, counted and reported ("merge" list and merge_* fields of the
 * layout stage), and the boot goes on with the user's data as it is.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "report.h"

struct layout_merge;

/* Start: ROOT_FD is the root being set up, PFD an O_RDONLY|O_DIRECTORY fd of
 * ROOT/PERSISTENT_BIND_TARGET (PBT its path, for messages), IMAGE_ID NULL or
 * the identity of the booted image.  Loads the manifest.  Returns 0 or
 * -ENOMEM; *RET is then used by the calls below (which accept NULL). */
int layout_merge_begin(int root_fd, int pfd, const char *pbt, const char *image_id,
		       const struct layout_plan *plan, struct report_stage *stage,
		       struct layout_merge **ret);

/* OP's persistent copy was just seeded (or created empty): record what the
 * image has there as its base. */
void layout_merge_seeded(struct layout_merge *m, const struct layout_op *op);

/* OP's persistent copy exists and is about to be bound: merge the image's
 * version into it when the image changed since its base was recorded.
 * Returns true when something in the copy was added or replaced (the copy
 * of a file bind may then be a new inode). */
bool layout_merge_entry(struct layout_merge *m, const struct layout_op *op);

/* Save the manifest when it changed, record the totals in the stage, free M. */
void layout_merge_end(struct layout_merge *m);

/* The image identity for IMAGE_ID from a verity root hash: "roothash:" +
 * lowercase hex.  Returns 0 or -ENOMEM. */
int layout_merge_image_id(const uint8_t *root_hash, size_t size, char **ret);
