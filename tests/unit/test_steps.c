// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for steps.c: the text of a stage's step marks ("name@ms,…"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "steps.h"

static int reset(void **state)
{
	(void)state;
	steps_reset();
	return 0;
}

static const char *format_all(char *buf, size_t size, usec_t start_us)
{
	const struct step_mark *marks;
	size_t dropped, n = steps_get(&marks, &dropped);
	(void)steps_format(marks, n, dropped, start_us, buf, size);
	return buf;
}

static void test_steps_milliseconds_since_start_one_decimal(void **state)
{
	char buf[STEPS_TEXT_MAX];
	(void)state;
	step_mark_at("device", 1812345);     /* 812.345 ms after the start */
	step_mark_at("classified", 1830060); /* 830.06 */
	step_mark_at("tpm", 1000000);	     /* at the start */
	step_mark_at("unsealed", 4000000);   /* 3 s */
	assert_string_equal(format_all(buf, sizeof(buf), 1000000),
			    "device@812.3,classified@830.1,tpm@0.0,unsealed@3000.0");
}

static void test_steps_keep_the_order_and_repeats(void **state)
{
	const struct step_mark *marks;
	size_t dropped;
	char buf[STEPS_TEXT_MAX];
	(void)state;
	/* A retry: the second token unsealed after the first one's keyslot refused it. */
	step_mark_at("unsealed", 2000);
	step_mark_at("unsealed", 3000);
	step_mark_at("keyslot", 4000);
	step_mark_at("measured", 3500); /* not sorted: listed as marked */
	assert_int_equal(steps_get(&marks, &dropped), 4);
	assert_int_equal(dropped, 0);
	assert_string_equal(marks[1].name, "unsealed");
	assert_string_equal(format_all(buf, sizeof(buf), 1000),
			    "unsealed@1.0,unsealed@2.0,keyslot@3.0,measured@2.5");
}

static void test_steps_before_the_start_count_as_zero(void **state)
{
	char buf[64];
	(void)state;
	step_mark_at("device", 500);
	assert_string_equal(format_all(buf, sizeof(buf), 1000), "device@0.0");
}

static void test_steps_none_is_empty(void **state)
{
	char buf[8] = "junk";
	(void)state;
	assert_int_equal(steps_format(NULL, 0, 0, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_steps_beyond_the_bound_are_dropped(void **state)
{
	const struct step_mark *marks;
	size_t dropped;
	char buf[STEPS_TEXT_MAX];
	(void)state;
	for (int i = 0; i < STEPS_MAX + 5; i++)
		step_mark_at("x", 1000 * (usec_t)i);
	assert_int_equal(steps_get(&marks, &dropped), STEPS_MAX);
	assert_int_equal(dropped, 5);
	assert_int_equal(steps_format(marks, STEPS_MAX, dropped, 0, buf, sizeof(buf)), -ENOBUFS);
	/* Every kept mark, then the ellipsis. */
	char want[32];
	snprintf(want, sizeof(want), "x@%d.0,…", STEPS_MAX - 1);
	assert_true(strlen(buf) > strlen(want));
	assert_string_equal(buf + strlen(buf) - strlen(want), want);
	assert_int_equal(strncmp(buf, "x@0.0,x@1.0,", 12), 0);
	steps_reset();
	assert_int_equal(steps_get(&marks, &dropped), 0);
	assert_int_equal(dropped, 0);
}

static void test_steps_small_buffer_keeps_whole_items(void **state)
{
	const struct step_mark *marks;
	size_t dropped, n;
	char buf[24];
	(void)state;
	step_mark_at("device", 1000);	  /* "device@1.0" 10 */
	step_mark_at("classified", 2000); /* ",classified@2.0" 15 */
	step_mark_at("tpm", 3000);
	n = steps_get(&marks, &dropped);
	/* 10 + ",…" (4 bytes) + NUL fit; the second item does not. */
	assert_int_equal(steps_format(marks, n, dropped, 0, buf, sizeof(buf)), -ENOBUFS);
	assert_string_equal(buf, "device@1.0,…");
	/* Room for two items but not for two and the ellipsis: one and "…", never a
	 * cut list that looks whole. */
	char two[sizeof("device@1.0,classified@2.0") + 1];
	assert_int_equal(steps_format(marks, n, dropped, 0, two, sizeof(two)), -ENOBUFS);
	assert_string_equal(two, "device@1.0,…");
	/* Exactly enough for all three: no ellipsis, 0. */
	char exact[sizeof("device@1.0,classified@2.0,tpm@3.0")];
	assert_int_equal(steps_format(marks, n, dropped, 0, exact, sizeof(exact)), 0);
	assert_string_equal(exact, "device@1.0,classified@2.0,tpm@3.0");
	/* Too small for anything but the terminator. */
	char tiny[3];
	assert_int_equal(steps_format(marks, n, dropped, 0, tiny, sizeof(tiny)), -ENOBUFS);
	assert_string_equal(tiny, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, reset)
		T(test_steps_milliseconds_since_start_one_decimal),
		T(test_steps_keep_the_order_and_repeats),
		T(test_steps_before_the_start_count_as_zero),
		T(test_steps_none_is_empty),
		T(test_steps_beyond_the_bound_are_dropped),
		T(test_steps_small_buffer_keeps_whole_items),
#undef T
	};
	return cmocka_run_group_tests_name("steps", tests, NULL, NULL);
}
