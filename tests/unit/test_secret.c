// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for secret.c: secret buffers are excluded from core dumps
 * (VmFlags "dd" in /proc/self/smaps), zeroed with room for a NUL, and
 * secret_wipe() releases both them and plain malloc() buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "secret.h"

/* The VmFlags line of the mapping holding ADDR, or "" if none. */
static void vm_flags_of(const void *addr, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false;

	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && startswith(line, "VmFlags:")) {
			(void)snprintf(out, size, "%s", line);
			break;
		}
	}
	fclose(f);
}

static void test_secret_alloc_is_excluded_from_core_dumps(void **state)
{
	struct secret s = {};
	char flags[512];

	(void)state;
	assert_int_equal(secret_alloc(32, &s), 0);
	vm_flags_of(s.data, flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
	secret_wipe(&s);
}

static void test_secret_alloc_is_zeroed_with_room_for_nul(void **state)
{
	struct secret s = {};

	(void)state;
	assert_int_equal(secret_alloc(45, &s), 0);
	assert_int_equal(s.size, 45);
	for (size_t i = 0; i <= s.size; i++)
		assert_int_equal(s.data[i], 0);
	memset(s.data, 'x', s.size);
	assert_int_equal(strlen((char *)s.data), 45);
	secret_wipe(&s);
	assert_null(s.data);
	assert_int_equal(s.size, 0);
}

static void test_secret_dup_copies_and_large_sizes_work(void **state)
{
	struct secret a = {}, b = {};
	uint8_t big[10000];

	(void)state;
	memset(big, 0x5a, sizeof(big));
	assert_int_equal(secret_dup(big, sizeof(big), &a), 0);
	assert_memory_equal(a.data, big, sizeof(big));
	assert_int_equal(secret_dup("k", 1, &b), 0);
	secret_wipe(&a); /* not the most recent: the list is searched */
	assert_int_equal(b.data[0], 'k');
	secret_wipe(&b);
}

static void test_secret_wipe_frees_malloc_buffers(void **state)
{
	struct secret s = { .data = malloc(16), .size = 16 };

	(void)state;
	assert_non_null(s.data);
	memset(s.data, 1, 16);
	secret_wipe(&s); /* ASan reports a leak or a bad free otherwise */
	assert_null(s.data);
}

static void test_secret_alloc_rejects_zero_size(void **state)
{
	struct secret s = {};

	(void)state;
	assert_int_equal(secret_alloc(0, &s), -EINVAL);
	assert_null(s.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_alloc_is_excluded_from_core_dumps),
		cmocka_unit_test(test_secret_alloc_is_zeroed_with_room_for_nul),
		cmocka_unit_test(test_secret_dup_copies_and_large_sizes_work),
		cmocka_unit_test(test_secret_wipe_frees_malloc_buffers),
		cmocka_unit_test(test_secret_alloc_rejects_zero_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
