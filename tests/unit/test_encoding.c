// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for encoding.c: the one hex codec (and base64) of sealroot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "encoding.h"

static const uint8_t bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff };

static void test_hex_encode_into_is_lower_case(void **state)
{
	(void)state;
	char out[2 * sizeof(bytes) + 1];
	memset(out, 'x', sizeof(out));
	hex_encode_into(bytes, sizeof(bytes), out);
	assert_string_equal(out, "00017f80abcdefff");
	hex_encode_into(bytes, 0, out);
	assert_string_equal(out, "");
}

static void test_hex_encode_matches_encode_into(void **state)
{
	(void)state;
	_cleanup_free_ char *s = NULL;
	assert_int_equal(hex_encode(bytes, sizeof(bytes), &s), 0);
	assert_string_equal(s, "00017f80abcdefff");
}

static void test_hex_decode_exact_round_trip_any_case(void **state)
{
	(void)state;
	uint8_t got[sizeof(bytes)];
	assert_int_equal(hex_decode_exact("00017f80abcdefff", got, sizeof(got)), 0);
	assert_memory_equal(got, bytes, sizeof(bytes));
	assert_int_equal(hex_decode_exact("00017F80ABCDEFFF", got, sizeof(got)), 0);
	assert_memory_equal(got, bytes, sizeof(bytes));
}

static void test_hex_decode_exact_rejects_length_and_digits(void **state)
{
	(void)state;
	uint8_t got[2];
	assert_int_equal(hex_decode_exact("abc", got, 2), -EBADMSG);
	assert_int_equal(hex_decode_exact("abcdef", got, 2), -EBADMSG);
	assert_int_equal(hex_decode_exact("ab g", got, 2), -EBADMSG);
	assert_int_equal(hex_decode_exact("0x12", got, 2), -EBADMSG);
}

static void test_base64_round_trip_and_strictness(void **state)
{
	(void)state;
	_cleanup_free_ char *s = NULL;
	_cleanup_free_ uint8_t *back = NULL;
	size_t n = 0;
	assert_int_equal(base64_encode(bytes, 7, &s), 0);
	assert_int_equal(strlen(s), base64_encoded_size(7));
	assert_int_equal(base64_decode(s, strlen(s), &back, &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(back, bytes, 7);
	/* Non-zero bits under the padding are not canonical. */
	uint8_t *bad = NULL;
	assert_int_equal(base64_decode("AB==", 4, &bad, &n), -EBADMSG);
	assert_int_equal(base64_decode("AAA", 3, &bad, &n), -EBADMSG);
	assert_null(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_encode_into_is_lower_case),
		cmocka_unit_test(test_hex_encode_matches_encode_into),
		cmocka_unit_test(test_hex_decode_exact_round_trip_any_case),
		cmocka_unit_test(test_hex_decode_exact_rejects_length_and_digits),
		cmocka_unit_test(test_base64_round_trip_and_strictness),
	};
	return cmocka_run_group_tests_name("encoding", tests, NULL, NULL);
}
