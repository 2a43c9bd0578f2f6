// SPDX-License-Identifier: GPL-2.0-or-later
/* persist_warm.c — the unlock's start-up before its partition appears, see
 * persist_warm.h. */
#include "dl_tss2.h"
#include "persist_warm.h"
#include "warm.h"

int persist_warm_up(void)
{
	int r = crypto_warm_up();
	if (r < 0)
		return r;
	return dl_tss2_load();
}
