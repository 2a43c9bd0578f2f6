// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for layout_decide.c: the boot-time policy, one row per case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>

#include "layout_decide.h"
#include "util.h"

#define B LAYOUT_PERSISTENT_BIND
#define O LAYOUT_TMPFS_OVERLAY
#define MISS LAYOUT_NODE_MISSING
#define DIR_ LAYOUT_NODE_DIR
#define FILE_ LAYOUT_NODE_FILE
#define SPEC LAYOUT_NODE_SPECIAL
#define LINK LAYOUT_NODE_SYMLINK
#define NDIR LAYOUT_NODE_NOTDIR
#define WR LAYOUT_PARENT_WRITABLE
#define RO LAYOUT_PARENT_READONLY
#define PMISS LAYOUT_PARENT_MISSING

/* What an APPLY of a bind must do, as bits. */
#define AS_FILE 1u
#define SEED 2u
#define NEW_COPY 4u
#define NEW_POINT 8u

struct row {
	struct layout_facts f;
	enum layout_action action;
	enum layout_why why;
	unsigned todo;
};

static void test_decide_policy_table(void **state)
{
	(void)state;
	/* kind, required, file, mount point, its parent, persistent copy → outcome */
#define R(k, req, file, t, p, c, act, why, todo)                                                   \
	{                                                                                          \
		{ k, req, file, t, p, c, 0 }, LAYOUT_##act, LAYOUT_WHY_##why, todo                 \
	}
	static const struct row rows[] = {
		/* overlays */
		R(O, false, false, DIR_, RO, MISS, APPLY, NONE, 0),
		R(O, false, false, MISS, RO, MISS, SKIP, OVERLAY_MISSING, 0),
		R(O, false, false, FILE_, RO, MISS, SKIP, OVERLAY_NOT_DIR, 0),
		R(O, false, false, NDIR, RO, MISS, SKIP, NOTDIR_PARENT, 0),
		R(O, true, false, MISS, RO, MISS, FAIL, OVERLAY_MISSING, 0),
		R(O, false, false, LINK, RO, MISS, FAIL, TARGET_SYMLINK, 0),
		/* inside two nested overlays: the kernel would refuse a third */
		{ { O, false, false, DIR_, RO, MISS, 1 }, LAYOUT_APPLY, LAYOUT_WHY_NONE, 0 },
		{ { O, false, false, DIR_, RO, MISS, 2 },
		  LAYOUT_SKIP,
		  LAYOUT_WHY_OVERLAY_TOO_DEEP,
		  0 },
		{ { O, true, false, DIR_, RO, MISS, 2 },
		  LAYOUT_FAIL,
		  LAYOUT_WHY_OVERLAY_TOO_DEEP,
		  0 },
		/* binds: first boot */
		R(B, false, false, DIR_, RO, MISS, APPLY, NONE, SEED),
		R(B, false, false, FILE_, RO, MISS, APPLY, NONE, AS_FILE | SEED),
		R(B, false, false, MISS, WR, MISS, APPLY, NONE, NEW_COPY | NEW_POINT),
		R(B, false, true, MISS, WR, MISS, APPLY, NONE, AS_FILE | NEW_COPY | NEW_POINT),
		R(B, false, false, MISS, RO, MISS, SKIP, PARENT_READONLY, 0),
		R(B, false, false, MISS, PMISS, MISS, SKIP, PARENT_MISSING, 0),
		R(B, false, false, MISS, LAYOUT_PARENT_PERSISTENT, MISS, SKIP, PARENT_PERSISTENT,
		  0),
		R(B, false, false, SPEC, RO, MISS, SKIP, BIND_SPECIAL, 0),
		R(B, true, false, MISS, PMISS, MISS, FAIL, PARENT_MISSING, 0),
		R(B, false, true, DIR_, RO, MISS, CONFLICT, DECLARED_VS_IMAGE, 0),
		/* binds: later boots */
		R(B, false, false, DIR_, RO, DIR_, APPLY, NONE, 0),
		R(B, false, false, MISS, WR, FILE_, APPLY, NONE, AS_FILE | NEW_POINT),
		R(B, false, false, FILE_, RO, DIR_, CONFLICT, IMAGE_VS_COPY, 0),
		R(B, false, false, DIR_, RO, FILE_, CONFLICT, IMAGE_VS_COPY, 0),
		R(B, false, true, MISS, WR, DIR_, CONFLICT, DECLARED_VS_COPY, 0),
		R(B, true, false, FILE_, RO, DIR_, FAIL, IMAGE_VS_COPY, 0),
		/* the persistent copy fails closed, but only for entries the image takes */
		R(B, false, false, DIR_, RO, LINK, FAIL, COPY_SYMLINK, 0),
		R(B, false, false, DIR_, RO, SPEC, FAIL, COPY_SPECIAL, 0),
		R(B, false, false, NDIR, RO, LINK, SKIP, NOTDIR_PARENT, 0),
		R(B, false, false, LINK, RO, MISS, FAIL, TARGET_SYMLINK, 0),
	};
#undef R
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		const struct row *w = &rows[i];
		struct layout_decision d;
		layout_decide(&w->f, &d);
		if (d.action != w->action || d.why != w->why) {
			fprintf(stderr, "row %zu: got %s/%d, want %s/%d\n", i,
				layout_action_to_string(d.action), d.why,
				layout_action_to_string(w->action), w->why);
			fail();
		}
		assert_int_equal(d.action == LAYOUT_APPLY, d.error == 0);
		assert_int_equal(d.by_required, w->f.required && d.action == LAYOUT_FAIL &&
						    d.why >= LAYOUT_WHY_NOTDIR_PARENT);
		if (d.action == LAYOUT_APPLY && w->f.kind == B) {
			assert_int_equal(d.as_file, !!(w->todo & AS_FILE));
			assert_int_equal(d.seed, !!(w->todo & SEED));
			assert_int_equal(d.create_copy, !!(w->todo & NEW_COPY));
			assert_int_equal(d.create_point, !!(w->todo & NEW_POINT));
		}
		if (d.action != LAYOUT_APPLY)
			assert_true(strlen(layout_why_to_string(d.why)) > 20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_policy_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
