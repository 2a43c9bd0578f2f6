// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for lock.c: the volume measurement's message (systemd's escaping
 * of the volume name), its HMAC, the event digests, --reason words and the
 * mountinfo parser that decides what to unmount. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "encoding.h"
#include "lock.h"

static void assert_hex(const uint8_t d[TPM2_SHA256_SIZE], const char *want)
{
	_cleanup_free_ char *hex = NULL;
	assert_int_equal(hex_encode(d, TPM2_SHA256_SIZE, &hex), 0);
	assert_string_equal(hex, want);
}

static void test_volume_message_plain_name(void **state)
{
	(void)state;
	_cleanup_free_ char *m = NULL;
	assert_int_equal(lock_volume_message("sealroot-persist", "6274e72f-f2f6", &m), 0);
	assert_string_equal(m, "cryptsetup:sealroot-persist:6274e72f-f2f6");
}

static void test_volume_message_escapes_colon_backslash_and_controls(void **state)
{
	(void)state;
	_cleanup_free_ char *m = NULL;
	/* ':' would make "name:uuid" ambiguous; like systemd's xescape(name,
	 * ":"), also '\', bytes below 0x20 and from 0x7f on, lowercase hex. */
	assert_int_equal(lock_volume_message("a:b\\c\n\x7f\xff d", "u", &m), 0);
	assert_string_equal(m, "cryptsetup:a\\x3ab\\x5cc\\x0a\\x7f\\xff d:u");
}

static void test_volume_message_without_uuid(void **state)
{
	(void)state;
	_cleanup_free_ char *m = NULL;
	assert_int_equal(lock_volume_message("v", NULL, &m), 0);
	assert_string_equal(m, "cryptsetup:v:");
}

static void test_volume_digest_is_hmac_sha256_of_the_message(void **state)
{
	(void)state;
	uint8_t key[64], d[TPM2_SHA256_SIZE];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	/* Expected values from `openssl dgst -sha256 -mac HMAC -macopt hexkey:…`. */
	assert_int_equal(lock_volume_digest(key, sizeof(key), "sealroot-persist",
					    "6274e72f-f2f6-4f56-8e61-afdd02f0ee1c", d),
			 0);
	assert_hex(d, "2d320516a6f0dcea3367f7a694af0002fb18ab1405045a6a6d38467c033095fb");
	assert_int_equal(lock_volume_digest(key, sizeof(key), "a:b", "u", d), 0);
	assert_hex(d, "bdab502ca0745b43119e99fa72c46fba7f524a8faa881f0976c7cc9d7816b242");
	assert_int_equal(lock_volume_digest(key, 0, "a", "u", d), -EINVAL);
}

static void test_event_digest_is_sha256_of_prefixed_event(void **state)
{
	(void)state;
	uint8_t d[TPM2_SHA256_SIZE];
	/* printf %s "sealroot:provisioned" | sha256sum */
	assert_int_equal(lock_event_digest("provisioned", d), 0);
	assert_hex(d, "8ddeb722ca2bf3070af8cded0f2776baea048a5df223a499d4911b598c9e6715");
	assert_int_equal(lock_event_digest("failure:emergency", d), 0);
	assert_hex(d, "bac09edb2d7ae0fe7541fc34e7819ad78b468697ce7540c82de3d6e2db56534b");
	assert_int_equal(lock_event_digest("", d), -EINVAL);
	assert_int_equal(lock_event_digest("Upper", d), -EINVAL);
	assert_int_equal(lock_event_digest("sp ace", d), -EINVAL);
	assert_int_equal(lock_event_digest(NULL, d), -EINVAL);
}

static void test_reason_words(void **state)
{
	(void)state;
	assert_true(lock_reason_valid("emergency"));
	assert_true(lock_reason_valid("fsck-2"));
	assert_true(lock_reason_valid("abcdefghijklmnopqrstuvwxyz012345"));   /* 32 */
	assert_false(lock_reason_valid("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
	assert_false(lock_reason_valid(""));
	assert_false(lock_reason_valid(NULL));
	assert_false(lock_reason_valid("a:b"));
	assert_false(lock_reason_valid("Emergency"));
	assert_false(lock_reason_valid("a b"));
}

static void test_mounts_of_device_deepest_first(void **state)
{
	(void)state;
	char **v = NULL;
	const char *mi =
	    "22 1 0:21 / / rw - tmpfs rootfs rw\n"
	    "30 22 253:1 / /sysroot/opt rw,nosuid,nodev - ext4 /dev/mapper/sealroot-persist rw\n"
	    "31 22 253:0 / /sysroot ro - ext4 /dev/mapper/root ro\n"
	    "32 31 253:1 /etc/ssh /sysroot/etc/ssh rw - ext4 /dev/mapper/sealroot-persist rw\n"
	    "33 31 253:1 /a\\040b /sysroot/var/my\\040dir rw - ext4 /dev/mapper/sealroot-persist "
	    "rw\n"
	    "34 31 253:10 / /sysroot/x rw - ext4 /dev/mapper/other rw\n"
	    "35 31 253:1 /etc/ssh /sysroot/etc/ssh rw - ext4 /dev/mapper/sealroot-persist rw\n"
	    "garbage line\n";

	assert_int_equal(lock_mounts_of(mi, 253, 1, &v), 0);
	assert_non_null(v);
	/* Depth 3 before depth 2; the same depth: latest mounted first. */
	assert_string_equal(v[0], "/sysroot/etc/ssh"); /* 35 */
	assert_string_equal(v[1], "/sysroot/var/my dir");
	assert_string_equal(v[2], "/sysroot/etc/ssh"); /* 32 */
	assert_string_equal(v[3], "/sysroot/opt");
	assert_null(v[4]);
	lock_strv_free(v);

	assert_int_equal(lock_mounts_of(mi, 8, 1, &v), 0);
	assert_null(v[0]);
	lock_strv_free(v);
	assert_int_equal(lock_mounts_of("", 253, 1, &v), 0);
	assert_null(v[0]);
	lock_strv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_message_plain_name),
		cmocka_unit_test(test_volume_message_escapes_colon_backslash_and_controls),
		cmocka_unit_test(test_volume_message_without_uuid),
		cmocka_unit_test(test_volume_digest_is_hmac_sha256_of_the_message),
		cmocka_unit_test(test_event_digest_is_sha256_of_prefixed_event),
		cmocka_unit_test(test_reason_words),
		cmocka_unit_test(test_mounts_of_device_deepest_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
