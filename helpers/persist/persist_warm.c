// SPDX-License-Identifier: GPL-2.0-or-later
/* persist_warm.c — the unlock's start-up before its partition appears, see
 * persist_warm.h. */
#include "dl_tss2.h"
#include "log.h"
#include "persist_warm.h"
#include "warm.h"

int persist_warm_up(void)
{
	int r = crypto_warm_up();
	if (r >= 0)
		r = dl_tss2_load();
	if (r < 0)
		log_debug_errno(r, "Warm-up before the partition appears failed: %m");
	return r;
}
