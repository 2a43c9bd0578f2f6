/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dlopen_lib.h — load a shared library on first use and resolve a table of
 * its symbols, so each stage maps only the libraries it calls.
 *
 * A library module (dl_tss2.c, dl_cryptsetup.c, dl_crypto.c) lists its
 * symbols once in an X-macro and calls dlopen_lib_load() from its
 * dl_*_load(), once per process under pthread_once() (the first result is
 * kept, and a thread that calls in while another loads waits for it; the
 * unlock loads from two threads, tpm2_prestart_job.h).  dlopen_lib_load()
 * opens the soname (RTLD_NOW, so a missing dependency fails here and not on
 * a later call), resolves every symbol into its pointer and returns 0; the
 * library stays loaded for the life of the process.  On failure it logs one
 * error naming the soname or the missing symbol and what to do, clears every
 * pointer of the table and returns -ENOPKG (library absent) or -ENOSYS
 * (symbol absent).
 *
 * Test builds (SEALROOT_TEST_HOOKS): SEALROOT_TEST_DLOPEN_MISSING=NAME makes
 * the library or symbol NAME look absent (dlopen/dlsym of a name that
 * does not exist), for tests of the error path.
 */
#pragma once

#include <stddef.h>

struct dlopen_sym {
	const char *name;
	void **ptr;
};

/* purpose: what the library is needed for ("the TPM2 unseal"), for the error. */
int dlopen_lib_load(const char *soname, const char *purpose, const struct dlopen_sym *syms,
		    size_t n_syms);

/* The table entry of symbol `sym` whose pointer is dl_##sym. */
#define DLOPEN_SYM_ENTRY(sym) { #sym, (void **)&dl_##sym },
/* Declaration of the pointer dl_##sym, typed from the library's prototype. */
#define DLOPEN_SYM_DECLARE(sym) extern __typeof__(sym) *dl_##sym;
/* Its definition, in the library module (after the mapping macros are in force). */
#define DLOPEN_SYM_DEFINE(sym) __typeof__(dl_##sym) dl_##sym;
