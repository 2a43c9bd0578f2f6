/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layout_apply.h — perform a layout plan under a root directory.
 *
 * Every path is resolved beneath ROOT without following symlinks (safe_path.h).
 * An operation that fails is logged with its path and reason, recorded in the
 * report stage (may be NULL) and skipped; the others are still performed.
 * Applying the same plan twice does not stack mounts.
 */
#pragma once

#include "layout.h"
#include "report.h"

/* Returns 0 when every operation succeeded, otherwise the first negative
 * errno seen (after attempting all operations). */
int layout_apply(const struct layout_plan *plan, const char *root, struct report_stage *stage);

/* The same, naming the booted image for the merge of image updates into
 * the persistent copies (layout_merge.h): IMAGE_ID "roothash:HEX", or NULL
 * to tell images apart by what they ship at each bind. */
int layout_apply_image(const struct layout_plan *plan, const char *root, const char *image_id,
		       struct report_stage *stage);
