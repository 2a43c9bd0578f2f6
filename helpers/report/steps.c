// SPDX-License-Identifier: GPL-2.0-or-later
/* steps.c — the per-process list of step marks, see steps.h. */
#include "steps.h"

#define ELLIPSIS "…"

static struct step_mark marks[STEPS_MAX];
static size_t n_marks, n_dropped;

void step_mark_at(const char *name, usec_t at_us)
{
	if (!name)
		return;
	if (n_marks >= STEPS_MAX) {
		n_dropped++;
		return;
	}
	marks[n_marks++] = (struct step_mark){ .name = name, .at_us = at_us };
}

void step_mark(const char *name)
{
	step_mark_at(name, now_usec(CLOCK_BOOTTIME));
}

size_t steps_get(const struct step_mark **ret, size_t *ret_dropped)
{
	*ret = marks;
	if (ret_dropped)
		*ret_dropped = n_dropped;
	return n_marks;
}

void steps_reset(void)
{
	n_marks = n_dropped = 0;
}

int steps_format(const struct step_mark *list, size_t n, size_t dropped, usec_t start_us, char *buf,
		 size_t size)
{
	/* What a cut text needs after its last item: ",…" and the NUL. */
	const size_t tail = strlen("," ELLIPSIS) + 1;
	size_t len = 0, i;

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		usec_t us = list[i].at_us > start_us ? list[i].at_us - start_us : 0;
		char item[128];
		int w = snprintf(item, sizeof(item), "%s%s@%.1f", len ? "," : "", list[i].name,
				 (double)us / 1000.0);
		if (w < 0 || (size_t)w >= sizeof(item))
			break;
		/* The last item needs no room for the ellipsis, unless marks were dropped. */
		bool last = i + 1 == n && dropped == 0;
		if (len + (size_t)w + (last ? 1 : tail) > size)
			break;
		memcpy(buf + len, item, (size_t)w + 1);
		len += (size_t)w;
	}
	if (i == n && dropped == 0)
		return 0;
	if (len + tail <= size)
		(void)snprintf(buf + len, size - len, "%s" ELLIPSIS, len ? "," : "");
	return -ENOBUFS;
}
