/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * secret.h — memory for key material that stays out of core dumps, swap and
 * child processes.
 *
 * secret_alloc() gives each buffer its own anonymous mapping, marked
 * MADV_DONTDUMP (never in a core file, also not in one gdb's gcore writes),
 * MADV_WIPEONFORK (a forked child sees zeros) and locked with mlock() when
 * the memory-lock limit allows (best effort: without swap, as in an
 * initramfs, it changes nothing).  secret_wipe() (util.h) wipes and unmaps
 * such buffers and still frees plain malloc() ones.
 *
 * secret_protect_process() makes the whole process non-dumpable
 * (PR_SET_DUMPABLE 0: no core file at all, no ptrace by other users); every
 * `sealroot persist` command calls it first.
 *
 * Test builds (SEALROOT_TEST_HOOKS) only: SEALROOT_TEST_DUMPABLE=1 keeps the
 * process dumpable and SEALROOT_TEST_SECRETS_DUMPABLE=1 leaves out
 * MADV_DONTDUMP, so tests can show a core would otherwise hold the secret.
 */
#pragma once

#include "util.h"

/* *ret gets SIZE (> 0) zeroed bytes, plus one more zero byte after them so a
 * text secret can be NUL-terminated.  -ENOMEM, or -errno from madvise. */
int secret_alloc(size_t size, struct secret *ret);
/* A copy of DATA in a secret_alloc() buffer. */
int secret_dup(const void *data, size_t size, struct secret *ret);

int secret_protect_process(void);
