/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h — the one place messages leave sealroot.
 *
 * Messages go to stderr as "sealroot: LEVEL: text".  When kmsg logging is
 * enabled (inside the initramfs) they are also written to /dev/kmsg so they
 * land in the kernel log with the boot's timestamps.
 *
 * log_*_errno(r, ...) take a negative errno, set errno for "%m", log once and
 * return r (always negative), so callers can write `return log_error_errno(r, ...)`.
 */
#pragma once

#include <stdbool.h>
#include "util.h"

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

void log_set_max_level(enum log_level level);
enum log_level log_get_max_level(void);
/* Also mirror messages to /dev/kmsg (best effort). */
void log_set_kmsg(bool enable);

int log_internal(enum log_level level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) ((void)log_internal(LOG_LEVEL_ERR, 0, __VA_ARGS__))
#define log_warning(...) ((void)log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__))
#define log_notice(...) ((void)log_internal(LOG_LEVEL_NOTICE, 0, __VA_ARGS__))
#define log_info(...) ((void)log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__))
#define log_debug(...) ((void)log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__))

#define log_error_errno(r, ...) log_internal(LOG_LEVEL_ERR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_internal(LOG_LEVEL_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...) log_internal(LOG_LEVEL_DEBUG, (r), __VA_ARGS__)
