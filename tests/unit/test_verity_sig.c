// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for verity.c helpers (PARTUUID convention, activation flags) and
 * verity_sig.c input handling.  Signature verification with real keys is in
 * tests/host/test_verity_signature.sh (certificates made with the openssl CLI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <libcryptsetup.h>

#include "log.h"
#include "verity.h"
#include "verity_sig.h"

static void test_verity_partuuids_from_sha256_root_hash(void **state)
{
	static const uint8_t rh[32] = {
	    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x11, 0x22,
	    0x33, 0x44, 0x55, 0x66, 0x77, 0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5,
	    0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
	};
	char data[37], hash[37];
	(void)state;
	assert_int_equal(verity_default_partuuids(rh, sizeof(rh), data, hash), 0);
	assert_string_equal(data, "01234567-89ab-cdef-0011-223344556677");
	assert_string_equal(hash, "f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f");
}

static void test_verity_partuuids_from_sha512_use_first_and_last_128_bits(void **state)
{
	uint8_t rh[64];
	char data[37], hash[37];
	(void)state;
	for (size_t i = 0; i < sizeof(rh); i++)
		rh[i] = (uint8_t)i;
	assert_int_equal(verity_default_partuuids(rh, sizeof(rh), data, hash), 0);
	assert_string_equal(data, "00010203-0405-0607-0809-0a0b0c0d0e0f");
	assert_string_equal(hash, "30313233-3435-3637-3839-3a3b3c3d3e3f");
}

static void test_verity_partuuids_rejects_short_hash(void **state)
{
	uint8_t rh[16] = {0};
	char data[37], hash[37];
	(void)state;
	assert_int_equal(verity_default_partuuids(rh, sizeof(rh), data, hash), -EINVAL);
}

static void test_verity_flags_follow_policy(void **state)
{
	struct verity_config v = {0};
	(void)state;
	v.on_corruption = VERITY_ON_CORRUPTION_RESTART;
	assert_true(verity_activation_flags(&v) & CRYPT_ACTIVATE_RESTART_ON_CORRUPTION);
	assert_true(verity_activation_flags(&v) & CRYPT_ACTIVATE_READONLY);
	assert_false(verity_activation_flags(&v) & CRYPT_ACTIVATE_CHECK_AT_MOST_ONCE);
	v.on_corruption = VERITY_ON_CORRUPTION_PANIC;
	v.check_at_most_once = true;
	uint32_t f = verity_activation_flags(&v);
	assert_true(f & CRYPT_ACTIVATE_PANIC_ON_CORRUPTION);
	assert_false(f & CRYPT_ACTIVATE_RESTART_ON_CORRUPTION);
	assert_true(f & CRYPT_ACTIVATE_CHECK_AT_MOST_ONCE);
	v.on_corruption = VERITY_ON_CORRUPTION_IGNORE;
	assert_true(verity_activation_flags(&v) & CRYPT_ACTIVATE_IGNORE_CORRUPTION);
	v.on_corruption = VERITY_ON_CORRUPTION_EIO;
	v.check_at_most_once = false;
	assert_int_equal(verity_activation_flags(&v), CRYPT_ACTIVATE_READONLY);
}

static void test_verity_sig_load_base64(void **state)
{
	_cleanup_free_ uint8_t *b = NULL;
	size_t n = 0;
	(void)state;
	assert_int_equal(verity_sig_load("base64:AAECAwQ=", &b, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(b, "\x00\x01\x02\x03\x04", 5);
	free(b);
	b = NULL;
	assert_int_equal(verity_sig_load("base64:AAECAw==", &b, &n), 0);
	assert_int_equal(n, 4);
	free(b);
	b = NULL;
	assert_int_equal(verity_sig_load("base64:AAECAwQF", &b, &n), 0);
	assert_int_equal(n, 6);
}

static void test_verity_sig_load_rejects_bad_input(void **state)
{
	uint8_t *b = NULL;
	size_t n = 0;
	(void)state;
	assert_int_equal(verity_sig_load("base64:", &b, &n), -EINVAL);
	assert_int_equal(verity_sig_load("base64:AAE", &b, &n), -EINVAL);
	assert_int_equal(verity_sig_load("base64:A!==", &b, &n), -EINVAL);
	assert_int_equal(verity_sig_load("base64:====", &b, &n), -EINVAL);
	assert_int_equal(verity_sig_load("relative/path", &b, &n), -EINVAL);
	assert_int_equal(verity_sig_load("/nonexistent/sealroot.p7s", &b, &n), -ENOENT);
	assert_int_equal(verity_sig_load("/dev/null", &b, &n), -EBADFD);
	assert_null(b);
}

static void test_verity_sig_verify_rejects_garbage_and_missing_certs(void **state)
{
	static const uint8_t rh[32] = {1};
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
	(void)state;
	/* No certificate directory: nothing is trusted. */
	assert_int_equal(verity_sig_verify(rh, sizeof(rh), junk, sizeof(junk), "/nonexistent"),
			 -ENOKEY);
	assert_int_equal(verity_sig_count_certs("/nonexistent"), 0);
	assert_int_equal(verity_sig_verify(rh, 0, junk, sizeof(junk), "/nonexistent"), -EINVAL);
	assert_int_equal(verity_sig_verify(rh, sizeof(rh), junk, 0, "/nonexistent"), -EINVAL);
}

int main(void)
{
	log_set_max_level((enum log_level)(LOG_LEVEL_ERR - 1));
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verity_partuuids_from_sha256_root_hash),
	    cmocka_unit_test(test_verity_partuuids_from_sha512_use_first_and_last_128_bits),
	    cmocka_unit_test(test_verity_partuuids_rejects_short_hash),
	    cmocka_unit_test(test_verity_flags_follow_policy),
	    cmocka_unit_test(test_verity_sig_load_base64),
	    cmocka_unit_test(test_verity_sig_load_rejects_bad_input),
	    cmocka_unit_test(test_verity_sig_verify_rejects_garbage_and_missing_certs),
	};
	return cmocka_run_group_tests_name("verity_sig", tests, NULL, NULL);
}
