// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for tpm2_policy_pcr_digest(): the software PolicyPCR digest
 * equals what a TPM computes in a trial session.  The expected digests were
 * produced by swtpm through tpm2-tools (tpm2_startauthsession (trial),
 * tpm2_policypcr -l sha256:LIST -f VALUES -L OUT), an implementation
 * independent of sealroot's; tests/host/test_tpm2_policy_pcr_digest.sh
 * repeats the comparison live with random values.
 *
 * The signed-policy vectors (PolicyAuthorize for an RSA key, then PolicyPCR)
 * are the "tpm2-policy-hash" systemd-cryptenroll 252 wrote against swtpm for
 * the key below (--tpm2-public-key, --tpm2-public-key-pcrs=11, and
 * --tpm2-pcrs=7+15 resp. --tpm2-pcrs=), and its fingerprint is the "pkfp"
 * systemd-measure 252 wrote for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "encoding.h"
#include "pcr_pubkey.h"
#include "tpm2.h"
#include "tpm2_private.h"

#define PCR(n) (UINT32_C(1) << (n))

static void expect_digest(uint32_t mask, uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE],
			  const char *hex)
{
	uint8_t want[TPM2_SHA256_SIZE], got[TPM2_SHA256_SIZE];

	assert_int_equal(hex_decode_exact(hex, want, sizeof(want)), 0);
	assert_int_equal(tpm2_policy_pcr_digest(mask, values, got), 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void expect_sha256(const char *hex, size_t n, const void *const parts[],
			  const size_t sizes[])
{
	uint8_t want[TPM2_SHA256_SIZE], got[TPM2_SHA256_SIZE];

	assert_int_equal(hex_decode_exact(hex, want, sizeof(want)), 0);
	assert_int_equal(tpm2_sha256_parts(got, n, parts, sizes), 0);
	assert_memory_equal(got, want, sizeof(want));
}

/* FIPS 180-2 "abc" and the empty message: the pieces are hashed in order,
 * back to back, an empty piece adds nothing. */
static void test_sha256_parts_is_sha256_of_the_concatenation(void **state)
{
	(void)state;
	expect_sha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, NULL,
		      NULL);
	expect_sha256("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 1,
		      (const void *const[]){ "abc" }, (const size_t[]){ 3 });
	expect_sha256("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 3,
		      (const void *const[]){ "a", "", "bc" }, (const size_t[]){ 1, 0, 2 });
	assert_int_equal(tpm2_sha256_parts(NULL, 0, NULL, NULL), -EINVAL);
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

/* An RSA-2048 test key (public part only; its private key was thrown away). */
static const char test_rsa_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArVobkbBDyntLVHe83ekM\n"
    "8hf/cS6UnVc0DA5qpdjfHSG+dBhDcUqrtBcrSlBfSsNFlzV0NpfVtz2h4X5XwbZk\n"
    "zsYS/y1pV6RSXUW1FrOaaP3AAoiS9ff3Oq+M2Fh5S1J77wx8QpyigyjPxu2gwrHF\n"
    "OaxMrxExIxs0O+LdL535HwaREuY+fXRD0A8/RIBEnHPGaoIBLONYvTjAdJgCVFgw\n"
    "PZFiA9B1Q+gyGhrbtaoh6ZhYtYAd5H6T7MSEMZQkajp8+DLsCSHbdCTF5tfOV9D8\n"
    "yri32nGAJ+5fjfqwiID3BRxCFoc1wrBJ2BDyQlBYOfbqYkWELUjLCeuxRqG7jihz\n"
    "dQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

static void test_pubkey_name_and_fingerprint_are_systemds(void **state)
{
	struct pcr_pubkey key;
	uint8_t fp[TPM2_SHA256_SIZE];

	(void)state;
	assert_int_equal(pcr_pubkey_from_pem(test_rsa_pem, strlen(test_rsa_pem), &key), 0);
	assert_int_equal(
	    hex_decode_exact("9cc9e8efc8195e4b1c14237e1fbd35eefa676d857f746f0e8de5eb58084daeb6", fp,
			     sizeof(fp)),
	    0);
	assert_memory_equal(key.fingerprint, fp, sizeof(fp));
	assert_int_equal(key.public.publicArea.type, TPM2_ALG_RSA);
	assert_int_equal(key.public.publicArea.parameters.rsaDetail.keyBits, 2048);
	assert_int_equal(key.public.publicArea.parameters.rsaDetail.exponent, 65537);
	assert_int_equal(key.name[0], 0x00);
	assert_int_equal(key.name[1], 0x0b);
}

static void test_pubkey_der_is_the_same_key(void **state)
{
	struct pcr_pubkey pem, der;
	uint8_t *buf = NULL;
	size_t size = 0;
	/* The base64 body of the PEM is the DER SubjectPublicKeyInfo. */
	char body[sizeof(test_rsa_pem)], *p = body;

	(void)state;
	for (const char *l = strchr(test_rsa_pem, '\n') + 1; *l != '-'; l++)
		if (*l != '\n')
			*p++ = *l;
	*p = '\0';
	assert_int_equal(base64_decode(body, strlen(body), &buf, &size), 0);
	assert_int_equal(pcr_pubkey_from_pem(test_rsa_pem, strlen(test_rsa_pem), &pem), 0);
	assert_int_equal(pcr_pubkey_from_pem(buf, size, &der), 0);
	assert_memory_equal(pem.name, der.name, sizeof(pem.name));
	assert_memory_equal(pem.fingerprint, der.fingerprint, sizeof(pem.fingerprint));
	/* Trailing bytes after the DER: not a key. */
	uint8_t *longer = malloc(size + 1);
	assert_non_null(longer);
	memcpy(longer, buf, size);
	longer[size] = 0;
	assert_int_equal(pcr_pubkey_from_pem(longer, size + 1, &der), -EBADMSG);
	free(longer);
	free(buf);
}

static void expect_signed_digest(uint32_t mask, const char *hex)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	uint8_t want[TPM2_SHA256_SIZE], got[TPM2_SHA256_SIZE];
	struct pcr_pubkey key;

	assert_int_equal(pcr_pubkey_from_pem(test_rsa_pem, strlen(test_rsa_pem), &key), 0);
	assert_int_equal(hex_decode_exact(hex, want, sizeof(want)), 0);
	assert_int_equal(tpm2_policy_signed_digest(key.name, mask, values, got), 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void test_signed_digest_matches_cryptenroll_with_pcrs_7_15(void **state)
{
	(void)state;
	expect_signed_digest(PCR(7) | PCR(15),
			     "c872709b31077e534f75bb05e4ef9a127b0a9fed37f9ed4496b880251bd2eb79");
}

static void test_signed_digest_matches_cryptenroll_without_hash_pcrs(void **state)
{
	(void)state;
	expect_signed_digest(0, "8c60378ca814e18c500565505ca485ed1d51d1a04c1f927f783638da4cb570cf");
}

static void test_pubkey_rejects_garbage_and_other_types(void **state)
{
	static const char ed25519[] =
	    "-----BEGIN PUBLIC KEY-----\n"
	    "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
	    "-----END PUBLIC KEY-----\n";
	struct pcr_pubkey key;

	(void)state;
	assert_int_equal(pcr_pubkey_from_pem("junk", 4, &key), -EBADMSG);
	assert_int_equal(pcr_pubkey_from_pem(test_rsa_pem, 40, &key), -EBADMSG);
	assert_int_equal(pcr_pubkey_from_pem(ed25519, strlen(ed25519), &key), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_parts_is_sha256_of_the_concatenation),
		cmocka_unit_test(test_policy_pcr_digest_matches_tpm_for_zero_pcrs_7_15),
		cmocka_unit_test(test_policy_pcr_digest_matches_tpm_for_pcrs_0_7_23),
		cmocka_unit_test(test_policy_pcr_digest_ignores_unselected_rows),
		cmocka_unit_test(test_policy_pcr_digest_depends_on_values),
		cmocka_unit_test(test_policy_pcr_digest_rejects_empty_or_out_of_range_mask),
		cmocka_unit_test(test_pubkey_name_and_fingerprint_are_systemds),
		cmocka_unit_test(test_pubkey_der_is_the_same_key),
		cmocka_unit_test(test_signed_digest_matches_cryptenroll_with_pcrs_7_15),
		cmocka_unit_test(test_signed_digest_matches_cryptenroll_without_hash_pcrs),
		cmocka_unit_test(test_pubkey_rejects_garbage_and_other_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
