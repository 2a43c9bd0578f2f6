// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for pcr_signature.c: systemd-measure's signature JSON is parsed,
 * the entry for a key and policy is found (or the reason it is not), and
 * every malformed input is refused without crashing.  The sample is two
 * entries of a file systemd-measure 252 signed (phases enter-initrd and
 * enter-initrd:leave-initrd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "encoding.h"
#include "pcr_signature.h"

#define FP "9cc9e8efc8195e4b1c14237e1fbd35eefa676d857f746f0e8de5eb58084daeb6"
#define POL0 "60a4efd4fd4a59a5933cc417526f8778553cd7a49ae6e642ff01e1d3e01ac53c"
#define POL1 "e5642135a4fd8c8465b6afb5ae4454f48d631476a26f67daa12a777c3cb5e3f5"
#define SIG0                                                                                       \
	"k8+WUgUApbYglg9gTozNH7RCIqEVHZ/AZ4qnHz2psT4QLUFxpCRZ2YrOonnhZFQ2/"                        \
	"jbhUvrK920H0s4GMKAiRK1I1aDuKh7DODwAnVqT7s2786kc5z/"                                       \
	"6ESyh35HMp2grAgtS7w99zIAWOqukq5uU5iLMhbtsbLz8kKsrZE9DNmb/"                                \
	"yTGJHCMOc2eRLdfU6B4C8i0Gmg9krScHFbICkSnrPx8dv7PRWCL62tFIiF1JICBbfsoFUeOUztyRabhZmmqITIQr" \
	"3PnPTl2PQAJUrn56ElekdR8chY5q8BM9qYZ0WGPO+WPAWfK/xXhdJC8KZqUUbS+t/QldN0y8Vb0KDZwu3Q=="
#define SIG1                                                                                       \
	"fL4VnANcPbHMzL+hbvVH5NPGAeFXDKJaN2j/OFQZgj1UI92bEU+OViCHyvq/"                             \
	"1Q2DohwUesLKq1HL8Qn4vltSErv9QK9IEs/GhEEa59jQ4EWrJFbNRHlloXUrSfVd/"                        \
	"Drf1e7cn77wEzuKyPD5OS5JouImJbtUsUEZ8LykmMjrvyS1GvsvpwWo/"                                 \
	"dyTQWBau7oyaKqQqabyOsADW6p0VZ0Les4EQ2nWLgB67u2bJGdbK1T9bjMVOl2Un42ltmEYFOExHbiLkOJ0J3ap9" \
	"SWZgK/w6L10BmYSdpvr9q+a73fgOBLtV2AXyaM90MDJK/qrGNuOXYkH8ABuAl5FZY4aDvZYSg=="

static const char sample[] =
    "{\"sha256\":[{\"pcrs\":[11],\"pkfp\":\"" FP "\",\"pol\":\"" POL0 "\",\"sig\":\"" SIG0
    "\"},{\"pcrs\":[11],\"pkfp\":\"" FP "\",\"pol\":\"" POL1 "\",\"sig\":\"" SIG1 "\"}]}";

static void hex(const char *s, uint8_t out[TPM2_SHA256_SIZE])
{
	assert_int_equal(hex_decode_exact(s, out, TPM2_SHA256_SIZE), 0);
}

static void test_parses_systemd_measure_output(void **state)
{
	_cleanup_pcr_signature_ struct pcr_signature s = {};
	const char *reason = NULL;
	uint8_t fp[TPM2_SHA256_SIZE], pol[TPM2_SHA256_SIZE];

	(void)state;
	assert_int_equal(pcr_signature_parse(sample, strlen(sample), &s, &reason), 0);
	assert_int_equal(s.n_entries, 2);
	hex(FP, fp);
	hex(POL1, pol);
	assert_int_equal(s.entries[1].pcr_mask, 1u << 11);
	assert_memory_equal(s.entries[1].fingerprint, fp, sizeof(fp));
	assert_memory_equal(s.entries[1].policy, pol, sizeof(pol));
	assert_int_equal(s.entries[1].sig_size, 256);
}

static void test_find_names_why_nothing_matches(void **state)
{
	_cleanup_pcr_signature_ struct pcr_signature s = {};
	const struct pcr_signature_entry *e = NULL;
	const char *reason = NULL;
	uint8_t fp[TPM2_SHA256_SIZE], pol[TPM2_SHA256_SIZE], other[TPM2_SHA256_SIZE];

	(void)state;
	assert_int_equal(pcr_signature_parse(sample, strlen(sample), &s, &reason), 0);
	hex(FP, fp);
	hex(POL1, pol);
	assert_int_equal(pcr_signature_find(&s, 1u << 11, fp, pol, &e), 0);
	assert_ptr_equal(e, &s.entries[1]);

	memset(other, 0x5a, sizeof(other));
	/* Another key: no entry at all. */
	assert_int_equal(pcr_signature_find(&s, 1u << 11, other, pol, &e), -ENOKEY);
	/* Right key, other PCR set: not this key's signature for these PCRs. */
	assert_int_equal(pcr_signature_find(&s, (1u << 11) | (1u << 12), fp, pol, &e), -ENOKEY);
	/* Right key and PCRs, other values: rejected. */
	assert_int_equal(pcr_signature_find(&s, 1u << 11, fp, other, &e), -EKEYREJECTED);
}

static void expect_bad(const char *json, const char *reason_part)
{
	struct pcr_signature s = {};
	const char *reason = NULL;
	int r = pcr_signature_parse(json, strlen(json), &s, &reason);

	if (r != -EBADMSG || !reason || !strstr(reason, reason_part))
		fail_msg("%s: got %d (%s), want -EBADMSG (%s)", json, r, reason ? reason : "-",
			 reason_part);
	assert_null(s.entries);
}

#define ENTRY(pcrs, fp, pol, sig)                                                                  \
	"{\"sha256\":[{\"pcrs\":" pcrs ",\"pkfp\":" fp ",\"pol\":" pol ",\"sig\":" sig "}]}"

static void test_rejects_malformed_files(void **state)
{
	(void)state;
	expect_bad("", "not valid JSON");
	expect_bad("{\"sha256\":[]} x", "not valid JSON");
	expect_bad("[]", "not a JSON object");
	expect_bad("{}", "no \"sha256\"");
	expect_bad("{\"sha256\":{}}", "not an array");
	expect_bad("{\"sha256\":[1]}", "not an object");
	expect_bad("{\"sha256\":[{}]}", "no \"pcrs\"");
	expect_bad(ENTRY("11", "\"" FP "\"", "\"" POL0 "\"", "\"" SIG0 "\""), "\"pcrs\" is not");
	expect_bad(ENTRY("[]", "\"" FP "\"", "\"" POL0 "\"", "\"" SIG0 "\""), "empty");
	expect_bad(ENTRY("[24]", "\"" FP "\"", "\"" POL0 "\"", "\"" SIG0 "\""), "0..23");
	expect_bad(ENTRY("[-1]", "\"" FP "\"", "\"" POL0 "\"", "\"" SIG0 "\""), "0..23");
	expect_bad(ENTRY("[\"11\"]", "\"" FP "\"", "\"" POL0 "\"", "\"" SIG0 "\""), "not a number");
	expect_bad(ENTRY("[11]", "\"abc\"", "\"" POL0 "\"", "\"" SIG0 "\""), "pkfp");
	expect_bad(ENTRY("[11]", "5", "\"" POL0 "\"", "\"" SIG0 "\""), "pkfp");
	expect_bad(ENTRY("[11]", "\"" FP "\"", "\"" POL0 "00\"", "\"" SIG0 "\""), "pol");
	expect_bad(ENTRY("[11]", "\"" FP "\"", "\"" POL0 "\"", "\"!!!!\""), "not base64");
	expect_bad(ENTRY("[11]", "\"" FP "\"", "\"" POL0 "\"", "\"\""), "empty");
	expect_bad(ENTRY("[11]", "\"" FP "\"", "\"" POL0 "\"", "null"), "sig");
	expect_bad("{\"sha256\":[{\"pcrs\":[11],\"pkfp\":\"" FP "\",\"pol\":\"" POL0 "\"}]}",
		   "\"sig\" is missing");
}

static void test_rejects_oversized_and_nul(void **state)
{
	struct pcr_signature s = {};
	const char *reason = NULL;
	size_t big = PCR_SIGNATURE_JSON_MAX + 1;
	_cleanup_free_ char *json = malloc(big);

	(void)state;
	assert_non_null(json);
	memset(json, ' ', big);
	assert_int_equal(pcr_signature_parse(json, big, &s, &reason), -EBADMSG);
	assert_non_null(strstr(reason, "256 KiB"));
	assert_int_equal(pcr_signature_parse("{}\0{}", 5, &s, &reason), -EBADMSG);
	assert_non_null(strstr(reason, "NUL"));
}

static void test_other_banks_are_ignored(void **state)
{
	_cleanup_pcr_signature_ struct pcr_signature s = {};
	const char *reason = NULL;
	const char *json = "{\"sha1\":[{\"whatever\":1}],\"sha256\":[]}";

	(void)state;
	assert_int_equal(pcr_signature_parse(json, strlen(json), &s, &reason), 0);
	assert_int_equal(s.n_entries, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_systemd_measure_output),
		cmocka_unit_test(test_find_names_why_nothing_matches),
		cmocka_unit_test(test_rejects_malformed_files),
		cmocka_unit_test(test_rejects_oversized_and_nul),
		cmocka_unit_test(test_other_banks_are_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
