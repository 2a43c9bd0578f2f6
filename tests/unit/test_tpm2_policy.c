// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for tpm2_policy_pcr_digest(): the software PolicyPCR digest
 * equals what a TPM computes in a trial session.  The expected digests were
 * produced by swtpm through tpm2-tools (tpm2_startauthsession (trial),
 * tpm2_policypcr -l sha256:LIST -f VALUES -L OUT), an implementation
 * independent of sealroot's; tests/host/test_tpm2_policy_pcr_digest.sh
 * repeats the comparison live with random values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "encoding.h"
#include "tpm2.h"

#define PCR(n) (UINT32_C(1) << (n))

static void expect_digest(uint32_t mask, uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			  const char *hex)
{
	uint8_t want[TPM2_SHA256_SIZE], got[TPM2_SHA256_SIZE];

	assert_int_equal(hex_decode_exact(hex, want, sizeof(want)), 0);
	assert_int_equal(tpm2_policy_pcr_digest(mask, values, got), 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void test_policy_pcr_digest_matches_tpm_for_zero_pcrs_7_15(void **state)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};

	(void)state;
	expect_digest(PCR(7) | PCR(15), values,
		      "f62d13a8dfa1a3dca5b7f16214692abd321889814e17d52ab9e830623eb8f15d");
}

static void test_policy_pcr_digest_matches_tpm_for_pcrs_0_7_23(void **state)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};

	(void)state;
	for (unsigned i = 0; i < TPM2_SHA256_SIZE; i++) {
		values[0][i] = (uint8_t)i;
		values[7][i] = (uint8_t)(32 + i);
		values[23][i] = 0xff;
	}
	expect_digest(PCR(0) | PCR(7) | PCR(23), values,
		      "f93fb4d80d74a7c0d13df6e5e2dd157c20328f4a7b2828f06daf664e3935e38b");
}

static void test_policy_pcr_digest_ignores_unselected_rows(void **state)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};

	(void)state;
	memset(values[0], 0xaa, TPM2_SHA256_SIZE);
	memset(values[14], 0x55, TPM2_SHA256_SIZE);
	expect_digest(PCR(7) | PCR(15), values,
		      "f62d13a8dfa1a3dca5b7f16214692abd321889814e17d52ab9e830623eb8f15d");
}

static void test_policy_pcr_digest_depends_on_values(void **state)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	uint8_t a[TPM2_SHA256_SIZE], b[TPM2_SHA256_SIZE];

	(void)state;
	assert_int_equal(tpm2_policy_pcr_digest(PCR(7) | PCR(15), values, a), 0);
	values[15][31] = 1;
	assert_int_equal(tpm2_policy_pcr_digest(PCR(7) | PCR(15), values, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
}

static void test_policy_pcr_digest_rejects_empty_or_out_of_range_mask(void **state)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	uint8_t out[TPM2_SHA256_SIZE];

	(void)state;
	assert_int_equal(tpm2_policy_pcr_digest(0, values, out), -EINVAL);
	assert_int_equal(tpm2_policy_pcr_digest(PCR(24), values, out), -EINVAL);
	assert_int_equal(tpm2_policy_pcr_digest(PCR(7), NULL, out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_pcr_digest_matches_tpm_for_zero_pcrs_7_15),
		cmocka_unit_test(test_policy_pcr_digest_matches_tpm_for_pcrs_0_7_23),
		cmocka_unit_test(test_policy_pcr_digest_ignores_unselected_rows),
		cmocka_unit_test(test_policy_pcr_digest_depends_on_values),
		cmocka_unit_test(test_policy_pcr_digest_rejects_empty_or_out_of_range_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
