// SPDX-License-Identifier: GPL-2.0-or-later
/* fault.c — fault injection for test builds only, see fault.h. */
#include "fault.h"
#include "log.h"

#ifdef SEALROOT_TEST_HOOKS

static char fault_step[64];
static unsigned fault_hits; /* how often the wanted step was reached */

void fault_set(const char *step)
{
	if (!step) {
		fault_step[0] = '\0';
		return;
	}
	(void)snprintf(fault_step, sizeof(fault_step), "%s", step);
}

/* Does WANT ("STEP" or "STEP@N") name STEP?  Sets *NTH (1 without "@N"). */
static bool fault_matches(const char *want, const char *step, unsigned *nth)
{
	size_t n = strcspn(want, "@");

	*nth = 1;
	if (strlen(step) != n || strncmp(want, step, n) != 0)
		return false;
	if (want[n] == '@') {
		char *end = NULL;
		unsigned long v = strtoul(want + n + 1, &end, 10);
		if (!end || *end || v == 0 || v > 100000)
			return false;
		*nth = (unsigned)v;
	}
	return true;
}

void fault_point(const char *step)
{
	const char *want = fault_step[0] ? fault_step : getenv("SEALROOT_FAULT_INJECT");
	unsigned nth;

	log_debug("fault point '%s' reached", step);
	if (!want)
		return;
	if (startswith(want, "abort-") && fault_matches(want + strlen("abort-"), step, &nth) &&
	    ++fault_hits == nth) {
		log_warning("fault injection: abort() after step '%s'", step);
		abort();
	}
	if (!fault_matches(want, step, &nth) || ++fault_hits != nth)
		return;
	log_warning("fault injection: simulating a power cut after step '%s' (occurrence %u)", step,
		    nth);
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
