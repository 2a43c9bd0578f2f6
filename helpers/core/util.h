/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h — small helpers shared by every module: cleanup attributes,
 * secret wiping, array sizes, time, EINTR retry.  Nothing here logs.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_ __attribute__((warn_unused_result))
#define _sentinel_ __attribute__((sentinel))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
/* The value of macro X as a string literal: STRINGIFY(15) is "15". */
#define STRINGIFY(x) STRINGIFY_ARG(x)
#define STRINGIFY_ARG(x) #x

typedef uint64_t usec_t;
#define USEC_PER_SEC ((usec_t)1000000ULL)
#define USEC_PER_MSEC ((usec_t)1000ULL)

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
	*fd = -1;
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Overwrite memory in a way the compiler may not elide. */
static inline void explicit_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

/* A buffer holding key material (secret_alloc() in secret.h, or malloc());
 * wiped before it is released. */
struct secret {
	uint8_t *data;
	size_t size;
};

/* Release a buffer from secret_alloc() (secret.h: wiped and unmapped) or
 * from malloc(). */
void secret_free(void *p);

static inline void secret_wipe(struct secret *s)
{
	if (!s)
		return;
	explicit_wipe(s->data, s->size);
	secret_free(s->data);
	s->data = NULL;
	s->size = 0;
}
#define _cleanup_secret_ _cleanup_(secret_wipe)

/* Take ownership of a pointer: returns it and clears the source. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_tf;                                                                               \
	})

/* Evaluate CALL (a system call: -1 and errno on failure) again for as long
 * as it fails with EINTR; the result is its last return value, errno as it
 * left it.  The one place that retries an interrupted call. */
#define RETRY_ON_EINTR(call)                                                                       \
	({                                                                                         \
		__typeof__(call) _re;                                                              \
		do                                                                                 \
			_re = (call);                                                              \
		while (_re < 0 && errno == EINTR);                                                 \
		_re;                                                                               \
	})

static inline usec_t now_usec(clockid_t clock)
{
	struct timespec ts;
	if (clock_gettime(clock, &ts) < 0)
		return 0;
	return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / 1000;
}

/* Make room for element N of the array ARR (capacity *CAPP elements): when
 * N >= *CAPP, grow to FIRST elements, else double.  0, or -ENOMEM with ARR
 * and *CAPP unchanged. */
#define array_reserve(arr, capp, n, first)                                                         \
	({                                                                                         \
		int _ar_r = 0;                                                                     \
		if ((n) >= *(capp)) {                                                              \
			size_t _ar_c = *(capp) ? *(capp)*2 : (first);                              \
			__typeof__(arr) _ar_t = reallocarray((arr), _ar_c, sizeof(*(arr)));        \
			if (_ar_t) {                                                               \
				(arr) = _ar_t;                                                     \
				*(capp) = _ar_c;                                                   \
			} else                                                                     \
				_ar_r = -ENOMEM;                                                   \
		}                                                                                  \
		_ar_r;                                                                             \
	})

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}
