// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for verity.c helpers (PARTUUID convention, activation flags) and
 * verity_sig.c: input handling, and the key usage a signer's certificate needs
 * (certificates made on the fly with the openssl CLI).  More signature cases
 * run through the CLI in tests/host/test_verity_signature.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <stdlib.h>

#include "encoding.h"
#include "fileio.h"

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
	uint8_t rh[16] = { 0 };
	char data[37], hash[37];
	(void)state;
	assert_int_equal(verity_default_partuuids(rh, sizeof(rh), data, hash), -EINVAL);
}

static void test_verity_flags_follow_policy(void **state)
{
	struct verity_config v = { 0 };
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

static void test_verity_sig_fallback_only_after_userspace_check(void **state)
{
	/* -ENODEV: what libcryptsetup 2.6 (Debian 12) returns when the kernel
	 * refused the signature with ENOKEY (seen in every e2e boot). */
	static const int kernel_errs[] = { -EKEYREJECTED, -ENOKEY, -EINVAL, -ENOTSUP, -ENODEV,
					   -EPERM,	  -EIO,	   -ENOMEM, -EBADMSG };
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(kernel_errs); i++) {
		int e = kernel_errs[i];
		/* Not verified in userspace: a kernel refusal always stands. */
		if (verity_sig_may_fall_back(e, false))
			fail_msg("unverified signature falls back after kernel error %d", e);
		/* Verified: only when the kernel could not check (no key, no support). */
		bool want = i < 5;
		if (verity_sig_may_fall_back(e, true) != want)
			fail_msg("verified signature, kernel error %d: expected %s", e,
				 want ? "fallback" : "refusal");
	}
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
	static const uint8_t rh[32] = { 1 };
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	(void)state;
	/* No certificate directory: nothing is trusted. */
	assert_int_equal(
	    verity_sig_verify(rh, sizeof(rh), junk, sizeof(junk), "/nonexistent", NULL), -ENOKEY);
	assert_int_equal(verity_sig_count_certs("/nonexistent"), 0);
	assert_int_equal(verity_sig_verify(rh, 0, junk, sizeof(junk), "/nonexistent", NULL),
			 -EINVAL);
	assert_int_equal(verity_sig_verify(rh, sizeof(rh), junk, 0, "/nonexistent", NULL), -EINVAL);
}

/* ---- key usage of the signer's certificate ---- */

static const uint8_t usage_rh[32] = { 0xab, 0xcd, 1, 2, 3 };
static char usage_dir[64];

static int sh(const char *fmt, ...) _printf_(1, 2);
static int sh(const char *fmt, ...)
{
	char script[2048], cmd[2200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(script, sizeof(script), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && { %s ; } >/dev/null 2>&1", usage_dir, script);
	return system(cmd);
}

/* mk NAME EXT...: a self-signed certificate NAME.crt (+ NAME.key) with the
 * given -addext extensions, alone in the directory NAME.d; sign NAME: the
 * root hash signed by NAME, in NAME.p7s. */
static const char helpers_sh[] =
    "mk() { n=$1; shift; a=; for e in \"$@\"; do a=\"$a -addext $e\"; done; "
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
    "-subj /CN=$n -keyout $n.key -out $n.crt $a && mkdir -p $n.d && cp $n.crt $n.d/; }; "
    "sign() { openssl smime -sign -nocerts -noattr -binary -in rh.txt -inkey $1.key "
    "-signer $1.crt -outform der -out $1.p7s; }; ";

static int usage_setup(void **state)
{
	(void)state;
	strcpy(usage_dir, "/tmp/sealroot-vsig.XXXXXX");
	if (!mkdtemp(usage_dir))
		return -1;
	char hex[65];
	hex_encode_into(usage_rh, sizeof(usage_rh), hex);
	return sh(
	    "printf %%s %s >rh.txt && %s"
	    "mk good keyUsage=critical,digitalSignature extendedKeyUsage=codeSigning && "
	    "sign good && "
	    "mk noku extendedKeyUsage=codeSigning && sign noku && "
	    "mk noeku keyUsage=digitalSignature && sign noeku && "
	    "mk server keyUsage=digitalSignature extendedKeyUsage=serverAuth && "
	    "sign server && "
	    "mk nodigsig keyUsage=keyCertSign,cRLSign extendedKeyUsage=codeSigning && "
	    "sign nodigsig && "
	    "mk anyeku extendedKeyUsage=anyExtendedKeyUsage && sign anyeku && "
	    "mk own keyUsage=digitalSignature extendedKeyUsage=1.3.6.1.4.1.55555.7,serverAuth "
	    "&& sign own",
	    hex, helpers_sh);
}

static int usage_teardown(void **state)
{
	(void)state;
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", usage_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Verify NAME.p7s against NAME.d with EKU (NULL: the default). */
static int verify_as(const char *name, const char *eku)
{
	char path[128], dir[128];
	_cleanup_free_ char *sig = NULL;
	size_t n = 0;
	snprintf(path, sizeof(path), "%s/%s.p7s", usage_dir, name);
	snprintf(dir, sizeof(dir), "%s/%s.d", usage_dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read_fd_bounded(fd, 65536, &sig, &n), 0);
	close(fd);
	return verity_sig_verify(usage_rh, sizeof(usage_rh), (const uint8_t *)sig, n, dir, eku);
}

static void test_verity_sig_signer_needs_code_signing_eku(void **state)
{
	(void)state;
	assert_int_equal(verify_as("good", NULL), 0);
	assert_int_equal(verify_as("noeku", NULL), -EKEYREJECTED);
	assert_int_equal(verify_as("server", NULL), -EKEYREJECTED);
	assert_int_equal(verify_as("anyeku", NULL), -EKEYREJECTED);
}

static void test_verity_sig_signer_key_usage_needs_digital_signature(void **state)
{
	(void)state;
	assert_int_equal(verify_as("nodigsig", NULL), -EKEYREJECTED);
	/* No keyUsage extension restricts nothing. */
	assert_int_equal(verify_as("noku", NULL), 0);
}

static void test_verity_sig_configured_eku(void **state)
{
	(void)state;
	assert_int_equal(verify_as("own", NULL), -EKEYREJECTED);
	assert_int_equal(verify_as("own", "1.3.6.1.4.1.55555.7"), 0);
	assert_int_equal(verify_as("good", "1.3.6.1.4.1.55555.7"), -EKEYREJECTED);
	assert_int_equal(verify_as("own", "1.3.6.1.5.5.7.3.1"), 0); /* serverAuth, if asked */
	assert_int_equal(verify_as("good", "not-an-oid"), -EINVAL);
}

int main(void)
{
	log_set_max_level((enum log_level)(LOG_LEVEL_ERR - 1));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verity_partuuids_from_sha256_root_hash),
		cmocka_unit_test(test_verity_partuuids_from_sha512_use_first_and_last_128_bits),
		cmocka_unit_test(test_verity_partuuids_rejects_short_hash),
		cmocka_unit_test(test_verity_flags_follow_policy),
		cmocka_unit_test(test_verity_sig_fallback_only_after_userspace_check),
		cmocka_unit_test(test_verity_sig_load_base64),
		cmocka_unit_test(test_verity_sig_load_rejects_bad_input),
		cmocka_unit_test(test_verity_sig_verify_rejects_garbage_and_missing_certs),
	};
	const struct CMUnitTest usage_tests[] = {
		cmocka_unit_test(test_verity_sig_signer_needs_code_signing_eku),
		cmocka_unit_test(test_verity_sig_signer_key_usage_needs_digital_signature),
		cmocka_unit_test(test_verity_sig_configured_eku),
	};
	return cmocka_run_group_tests_name("verity_sig", tests, NULL, NULL) |
	       cmocka_run_group_tests_name("verity_sig key usage", usage_tests, usage_setup,
					   usage_teardown);
}
