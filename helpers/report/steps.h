/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * steps.h — when each step inside a stage ended, for the report.
 *
 * The code doing the work calls step_mark("unsealed") when a step is done
 * and knows nothing of the report; the command that owns the stage copies
 * the marks into it (report_stage_take_steps(), report.h) as the field
 * "steps": "device@812.3,classified@830.1,…", each step's name and the
 * milliseconds from the stage's start to the mark, one decimal, in the order
 * marked.  A step marked twice is listed twice (a retry is information).
 *
 * One list per process, in a fixed array: marking never allocates and never
 * fails.  Marks beyond STEPS_MAX are dropped and the text then ends in "…";
 * so does a text cut at the size of its buffer (only whole items are kept).
 */
#pragma once

#include "util.h"

#define STEPS_MAX 32
/* Room for the text of STEPS_MAX marks with short names. */
#define STEPS_TEXT_MAX 768

struct step_mark {
	const char *name; /* a string literal: kept, not copied */
	usec_t at_us;	  /* CLOCK_BOOTTIME, like the report's stage times */
};

/* Mark the end of step NAME (static storage) now / at AT_US. */
void step_mark(const char *name);
void step_mark_at(const char *name, usec_t at_us);
/* The marks so far (*ret, count returned) and how many were dropped. */
size_t steps_get(const struct step_mark **ret, size_t *ret_dropped);
/* Forget every mark. */
void steps_reset(void);
/* "name@ms,…" of MARKS[0..N) with ms counted from START_US (a mark before
 * it counts as 0.0) into BUF of SIZE bytes, always terminated.  Returns 0,
 * or -ENOBUFS when items were left out (DROPPED > 0 or BUF too small): BUF
 * then holds those that fit and "…". */
int steps_format(const struct step_mark *marks, size_t n, size_t dropped, usec_t start_us,
		 char *buf, size_t size);
