// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c — stderr and /dev/kmsg logging, see log.h. */
#include <fcntl.h>
#include <stdarg.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_INFO;
static bool use_kmsg;

void log_set_max_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_max_level(void)
{
	return max_level;
}

void log_set_kmsg(bool enable)
{
	use_kmsg = enable;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERR:
		return "error: ";
	case LOG_LEVEL_WARNING:
		return "warning: ";
	case LOG_LEVEL_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

static void write_kmsg(enum log_level level, const char *text)
{
	_cleanup_close_ int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	char line[1024];
	int n = snprintf(line, sizeof(line), "<%d>sealroot: %s\n", (int)level, text);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

int log_internal(enum log_level level, int error, const char *fmt, ...)
{
	int saved_errno = errno;
	int r = error > 0 ? -error : error;

	if (level > max_level)
		goto out;

	/* Make %m print the error we were given, not whatever errno holds. */
	if (r < 0)
		errno = -r;

	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	fprintf(stderr, "sealroot: %s%s\n", level_name(level), text);
	if (use_kmsg)
		write_kmsg(level, text);
out:
	errno = saved_errno;
	return r < 0 ? r : -EINVAL;
}
