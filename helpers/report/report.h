/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h — the record of what sealroot did this boot.
 *
 * Each sealroot step (verity, persist, layout) runs as its own process; each
 * adds one stage to the report file (default /run/sealroot/report.json,
 * overridden by the environment variable SEALROOT_REPORT for tests), merging
 * with what earlier steps wrote and replacing the file atomically.
 * A stage has a name, CLOCK_MONOTONIC (CLOCK_BOOTTIME) start/end in
 * microseconds, a result ("ok" / "failed" + errno text), string fields and a
 * list of entries (e.g. one per layout path).  The stage's start and end are
 * also logged to the kernel log when kmsg logging is on.
 *
 * Report failures never fail the boot: they are logged as warnings.
 */
#pragma once

#include "util.h"

struct report_stage;

/* Start a stage; returns NULL only on OOM (all later calls accept NULL). */
struct report_stage *report_stage_begin(const char *name);
void report_stage_set(struct report_stage *s, const char *key, const char *value);
void report_stage_set_u64(struct report_stage *s, const char *key, uint64_t value);
/* Append one entry, e.g. ("path", "/etc/ssh", "kind", "bind", "result", "ok"). */
void report_stage_add_entry(struct report_stage *s, const char *path, const char *kind,
			    const char *result, const char *message);
/* Append one object {KEY: VALUE, …} to the stage's list field LIST (created
 * on first use, e.g. "migration"); the arguments after LIST are KEY, VALUE
 * string pairs ended by a NULL key (a NULL value is JSON null). */
void report_stage_append(struct report_stage *s, const char *list, ...) _sentinel_;
/* Set the field "steps" from the marks of steps.h ("device@812.3,…", ms
 * since this stage began; "" when there are none) and forget them. */
void report_stage_take_steps(struct report_stage *s);
/* Record the end time and result (r: 0 or negative errno), merge into the
 * report file and free s. */
void report_stage_end(struct report_stage *s, int r);
