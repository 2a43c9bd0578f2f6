// SPDX-License-Identifier: GPL-2.0-or-later
/* fault.c — fault injection for test builds only, see fault.h. */
#include "fault.h"
#include "log.h"

#ifdef SEALROOT_TEST_HOOKS

static char fault_step[64];

void fault_set(const char *step)
{
	if (!step) {
		fault_step[0] = '\0';
		return;
	}
	(void)snprintf(fault_step, sizeof(fault_step), "%s", step);
}

void fault_point(const char *step)
{
	const char *want = fault_step[0] ? fault_step : getenv("SEALROOT_FAULT_INJECT");

	if (!want || !streq(want, step))
		return;
	log_warning("fault injection: simulating a power cut after step '%s'", step);
	sync();
	_exit(FAULT_EXIT_STATUS);
}

#else

void fault_set(const char *step)
{
	(void)step;
}

void fault_point(const char *step)
{
	(void)step;
}

#endif
