// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for dlopen_lib.c: a table of symbols is resolved from a library
 * loaded on first use; a missing library or symbol is an error that names
 * it, and leaves no half-filled table behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlopen_lib.h"
#include "log.h"

static __typeof__(cos) *dl_cos;
static __typeof__(floor) *dl_floor;

/* Run the load with stderr in a file; return what was written. */
static int load_capturing(const char *soname, const struct dlopen_sym *syms, size_t n, char *out,
			  size_t out_size)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO), r;
	size_t len;

	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	r = dlopen_lib_load(soname, "the unit test", syms, n);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(f);
	len = fread(out, 1, out_size - 1, f);
	out[len] = '\0';
	fclose(f);
	return r;
}

static void test_dlopen_lib_resolves_every_symbol(void **state)
{
	const struct dlopen_sym syms[] = { DLOPEN_SYM_ENTRY(cos) DLOPEN_SYM_ENTRY(floor) };
	char out[1024];

	(void)state;
	unsetenv("SEALROOT_TEST_DLOPEN_MISSING");
	dl_cos = NULL;
	dl_floor = NULL;
	assert_int_equal(load_capturing("libm.so.6", syms, 2, out, sizeof(out)), 0);
	assert_non_null(dl_cos);
	assert_non_null(dl_floor);
	assert_true(dl_cos(0.0) == 1.0);
	assert_true(dl_floor(2.5) == 2.0);
	assert_string_equal(out, "");
}

static void test_dlopen_lib_missing_library_names_it(void **state)
{
	const struct dlopen_sym syms[] = { DLOPEN_SYM_ENTRY(cos) };
	char out[1024];

	(void)state;
	unsetenv("SEALROOT_TEST_DLOPEN_MISSING");
	dl_cos = NULL;
	assert_int_equal(load_capturing("libsealroot-absent.so.0", syms, 1, out, sizeof(out)),
			 -ENOPKG);
	assert_null(dl_cos);
	assert_non_null(
	    strstr(out, "Cannot load libsealroot-absent.so.0, needed for the unit test"));
	assert_non_null(strstr(out, "dracut module"));
}

static void test_dlopen_lib_missing_symbol_names_it_and_clears_the_table(void **state)
{
	static __typeof__(cos) *dl_sealroot_no_such_function;
	const struct dlopen_sym syms[] = { DLOPEN_SYM_ENTRY(cos) DLOPEN_SYM_ENTRY(
	    sealroot_no_such_function) DLOPEN_SYM_ENTRY(floor) };
	char out[1024];

	(void)state;
	unsetenv("SEALROOT_TEST_DLOPEN_MISSING");
	dl_cos = NULL;
	dl_floor = NULL;
	assert_int_equal(load_capturing("libm.so.6", syms, 3, out, sizeof(out)), -ENOSYS);
	/* cos was found before the missing one: it must not stay set. */
	assert_null(dl_cos);
	assert_null(dl_sealroot_no_such_function);
	assert_null(dl_floor);
	assert_non_null(strstr(out, "libm.so.6 has no symbol sealroot_no_such_function"));
}

#ifdef SEALROOT_TEST_HOOKS
/* The hook the host tests use to make a real library look absent (compiled
 * into test builds only; the ASan build has no hooks). */
static void test_dlopen_lib_test_hook_hides_a_library_or_symbol(void **state)
{
	const struct dlopen_sym syms[] = { DLOPEN_SYM_ENTRY(cos) DLOPEN_SYM_ENTRY(floor) };
	char out[1024];

	(void)state;
	assert_int_equal(setenv("SEALROOT_TEST_DLOPEN_MISSING", "libm.so.6", 1), 0);
	assert_int_equal(load_capturing("libm.so.6", syms, 2, out, sizeof(out)), -ENOPKG);
	assert_non_null(strstr(out, "Cannot load libm.so.6"));
	assert_int_equal(setenv("SEALROOT_TEST_DLOPEN_MISSING", "floor", 1), 0);
	assert_int_equal(load_capturing("libm.so.6", syms, 2, out, sizeof(out)), -ENOSYS);
	assert_non_null(strstr(out, "libm.so.6 has no symbol floor"));
	unsetenv("SEALROOT_TEST_DLOPEN_MISSING");
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dlopen_lib_resolves_every_symbol),
		cmocka_unit_test(test_dlopen_lib_missing_library_names_it),
		cmocka_unit_test(test_dlopen_lib_missing_symbol_names_it_and_clears_the_table),
#ifdef SEALROOT_TEST_HOOKS
		cmocka_unit_test(test_dlopen_lib_test_hook_hides_a_library_or_symbol),
#endif
	};
	log_set_max_level(LOG_LEVEL_ERR);
	return cmocka_run_group_tests_name("dlopen_lib", tests, NULL, NULL);
}
