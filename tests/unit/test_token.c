// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for token.c and encoding.c: systemd-tpm2 token JSON both ways,
 * cryptenroll-style tokens, and every malformed field rejected cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <tss2/tss2_tpm2_types.h>

#include "encoding.h"
#include "token.h"

static void make_sealed(struct tpm2_sealed *s)
{
	static uint8_t blob[100];
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7 + 3);
	*s = (struct tpm2_sealed){ .blob = blob,
				   .blob_size = sizeof(blob),
				   .pcr_mask = (1u << 7) | (1u << 15),
				   .pcr_bank = TPM2_ALG_SHA256,
				   .primary_alg = TPM2_ALG_ECC };
	memset(s->policy_hash, 0xab, sizeof(s->policy_hash));
	memset(s->pcr_values[7], 0x07, TPM2_SHA256_SIZE);
	memset(s->pcr_values[15], 0x00, TPM2_SHA256_SIZE);
}

static void test_token_round_trip_keeps_every_field(void **state)
{
	(void)state;
	struct tpm2_sealed s;
	_cleanup_free_ char *json = NULL;
	struct tpm2_token t;
	const char *reason = NULL;

	make_sealed(&s);
	assert_int_equal(token_tpm2_format(&s, 3, true, &json), 0);
	assert_non_null(strstr(json, "\"type\":\"systemd-tpm2\""));
	assert_non_null(strstr(json, "\"keyslots\":[\"3\"]"));
	assert_non_null(strstr(json, "\"tpm2-pcrs\":[7,15]"));
	assert_non_null(strstr(json, "\"tpm2-pin\":false"));
	assert_int_equal(token_tpm2_parse(json, &t, &reason), 0);
	assert_int_equal(t.keyslot, 3);
	assert_int_equal(t.sealed.blob_size, s.blob_size);
	assert_memory_equal(t.sealed.blob, s.blob, s.blob_size);
	assert_memory_equal(t.sealed.policy_hash, s.policy_hash, TPM2_SHA256_SIZE);
	assert_int_equal(t.sealed.pcr_mask, s.pcr_mask);
	assert_int_equal(t.sealed.pcr_bank, TPM2_ALG_SHA256);
	assert_int_equal(t.sealed.primary_alg, TPM2_ALG_ECC);
	assert_int_equal(t.pcr_values_mask, s.pcr_mask);
	assert_memory_equal(t.sealed.pcr_values[7], s.pcr_values[7], TPM2_SHA256_SIZE);
	assert_memory_equal(t.sealed.pcr_values[15], s.pcr_values[15], TPM2_SHA256_SIZE);
	tpm2_token_done(&t);
}

static void test_token_round_trip_keeps_signed_policy(void **state)
{
	(void)state;
	static const char pem[] = "-----BEGIN PUBLIC KEY-----\nnot checked here\n";
	struct tpm2_sealed s;
	_cleanup_free_ char *json = NULL;
	struct tpm2_token t;
	const char *reason = NULL;

	make_sealed(&s);
	s.pubkey = (uint8_t *)pem;
	s.pubkey_size = sizeof(pem) - 1;
	s.pubkey_pcr_mask = 1u << 11;
	assert_int_equal(token_tpm2_format(&s, 1, false, &json), 0);
	/* The field names and encodings systemd-cryptenroll 252 writes. */
	assert_non_null(strstr(json, "\"tpm2_pubkey_pcrs\":[11]"));
	assert_non_null(strstr(json, "\"tpm2_pubkey\":\"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K"));
	assert_non_null(strstr(json, "\"tpm2-pcrs\":[7,15]"));
	assert_int_equal(token_tpm2_parse(json, &t, &reason), 0);
	assert_int_equal(t.sealed.pubkey_pcr_mask, 1u << 11);
	assert_int_equal(t.sealed.pubkey_size, s.pubkey_size);
	assert_memory_equal(t.sealed.pubkey, pem, s.pubkey_size);
	assert_int_equal(t.sealed.pcr_mask, s.pcr_mask);
	tpm2_token_done(&t);

	/* A key with an empty PCR list is ignored, as systemd does. */
	const char *no_pcrs =
	    "{\"type\":\"systemd-tpm2\",\"keyslots\":[\"1\"],\"tpm2-pcrs\":[7],"
	    "\"tpm2-policy-hash\":\"" /* 64 hex */
	    "0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"tpm2-blob\":\"AA==\",\"tpm2_pubkey_pcrs\":[],\"tpm2_pubkey\":\"AA==\"}";
	assert_int_equal(token_tpm2_parse(no_pcrs, &t, &reason), 0);
	assert_int_equal(t.sealed.pubkey_pcr_mask, 0);
	assert_null(t.sealed.pubkey);
	tpm2_token_done(&t);
}

static void test_token_accepts_cryptenroll_defaults(void **state)
{
	(void)state;
	/* systemd-cryptenroll style: no bank, no primary alg, no sealroot field. */
	const char *json = "{\"type\":\"systemd-tpm2\",\"keyslots\":[\"1\"],"
			   "\"tpm2-blob\":\"AAECAw==\",\"tpm2-pcrs\":[7],"
			   "\"tpm2-policy-hash\":"
			   "\"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\"}";
	struct tpm2_token t;
	const char *reason = NULL;

	assert_int_equal(token_tpm2_parse(json, &t, &reason), 0);
	assert_int_equal(t.keyslot, 1);
	assert_int_equal(t.sealed.pcr_bank, TPM2_ALG_SHA256);
	assert_int_equal(t.sealed.primary_alg, TPM2_ALG_ECC);
	assert_int_equal(t.sealed.pcr_mask, 1u << 7);
	assert_int_equal(t.pcr_values_mask, 0);
	assert_int_equal(t.sealed.blob_size, 4);
	assert_int_equal(t.sealed.blob[3], 3);
	assert_int_equal(t.sealed.policy_hash[10], 0xaa);
	tpm2_token_done(&t);
}

#define GOOD_HEAD "{\"type\":\"systemd-tpm2\",\"keyslots\":[\"0\"],"
#define GOOD_POLICY "\"tpm2-policy-hash\":\"" HASH64 "\""
#define HASH64 "0000000000000000000000000000000000000000000000000000000000000000"

static void expect_rejected(const char *json, int want, const char *reason_part)
{
	struct tpm2_token t = { .keyslot = -1 };
	const char *reason = NULL;
	int r = token_tpm2_parse(json, &t, &reason);
	if (r != want || !reason || !strstr(reason, reason_part))
		fail_msg("token %s: got %d (%s), want %d (%s)", json, r, reason ? reason : "-",
			 want, reason_part);
	assert_null(t.sealed.blob);
}

static void test_token_rejects_malformed_fields(void **state)
{
	(void)state;
	expect_rejected("", -EBADMSG, "not valid JSON");
	expect_rejected("{\"type\":", -EBADMSG, "not valid JSON");
	expect_rejected("[1,2]", -EBADMSG, "not an object");
	expect_rejected("{}", -EBADMSG, "type");
	expect_rejected("{\"type\":7}", -EBADMSG, "type");
	expect_rejected("{\"type\":\"systemd-fido2\",\"keyslots\":[\"0\"]}", -EBADMSG,
			"not systemd-tpm2");
	expect_rejected("{\"type\":\"systemd-tpm2\"}", -EBADMSG, "keyslots");
	expect_rejected("{\"type\":\"systemd-tpm2\",\"keyslots\":[0]}", -EBADMSG, "keyslots");
	expect_rejected("{\"type\":\"systemd-tpm2\",\"keyslots\":[\"99\"]}", -EBADMSG, "range");
	expect_rejected("{\"type\":\"systemd-tpm2\",\"keyslots\":[\"-1\"]}", -EBADMSG, "keyslot");
	expect_rejected("{\"type\":\"systemd-tpm2\",\"keyslots\":[\"1\",\"2\"]}", -EBADMSG,
			"more than one");
	expect_rejected("{\"type\":\"systemd-tpm2\",\"keyslots\":[]}", -EBADMSG, "empty");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":\"7\"}", -EBADMSG, "tpm2-pcrs");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[\"7\"]}", -EBADMSG, "tpm2-pcrs");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[24]}", -EBADMSG, "PCR index");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[-1]}", -EBADMSG, "PCR index");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7],\"tpm2-pcr-bank\":\"md5\"}", -EBADMSG,
			"tpm2-pcr-bank");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7],\"tpm2-pcr-bank\":\"sha1\"}", -EOPNOTSUPP,
			"sha1");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7],\"tpm2-primary-alg\":5}", -EBADMSG,
			"tpm2-primary-alg");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]}", -EBADMSG, "tpm2-policy-hash");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7],\"tpm2-policy-hash\":\"abc\"}", -EBADMSG,
			"tpm2-policy-hash");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY ",\"tpm2-pin\":true}",
			-EOPNOTSUPP, "PIN");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY ",\"tpm2-pin\":\"no\"}",
			-EBADMSG, "tpm2-pin");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY
				  ",\"tpm2-blob\":\"AA==\",\"tpm2_pubkey_pcrs\":[11]}",
			-EBADMSG, "tpm2_pubkey is missing");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY
				  ",\"tpm2-blob\":\"AA==\",\"tpm2_pubkey_pcrs\":11}",
			-EBADMSG, "tpm2_pubkey_pcrs is not an array");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY
				  ",\"tpm2-blob\":\"AA==\",\"tpm2_pubkey_pcrs\":[24],"
				  "\"tpm2_pubkey\":\"AA==\"}",
			-EBADMSG, "tpm2_pubkey_pcrs entry");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY
				  ",\"tpm2-blob\":\"AA==\",\"tpm2_pubkey_pcrs\":[11],"
				  "\"tpm2_pubkey\":\"!!\"}",
			-EBADMSG, "tpm2_pubkey is not base64");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY "}", -EBADMSG, "tpm2-blob");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY ",\"tpm2-blob\":\"!!!!\"}",
			-EBADMSG, "tpm2-blob is not base64");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY ",\"tpm2-blob\":\"AAE\"}",
			-EBADMSG, "tpm2-blob is not base64");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY ",\"tpm2-blob\":\"\"}", -EBADMSG,
			"tpm2-blob");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY
				  ",\"tpm2-blob\":\"AA==\",\"sealroot-pcr-values\":[]}",
			-EBADMSG, "sealroot-pcr-values");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY
				  ",\"tpm2-blob\":\"AA==\",\"sealroot-pcr-values\":{\"8\":\"" HASH64
				  "\"}}",
			-EBADMSG, "not in tpm2-pcrs");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY
				  ",\"tpm2-blob\":\"AA==\",\"sealroot-pcr-values\":{\"7\":\"zz\"}}",
			-EBADMSG, "sealroot-pcr-values");
	expect_rejected(GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY "} trailing", -EBADMSG,
			"not valid JSON");
}

static void test_token_rejects_huge_blob_and_json(void **state)
{
	(void)state;
	size_t n = TOKEN_JSON_MAX + 100;
	_cleanup_free_ char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	expect_rejected(big, -EBADMSG, "larger than 64 KiB");

	/* A 6000-byte blob inside an otherwise valid token. */
	size_t blen = 8000;
	_cleanup_free_ char *j = malloc(blen + 512);
	assert_non_null(j);
	int w = snprintf(j, 512, GOOD_HEAD "\"tpm2-pcrs\":[7]," GOOD_POLICY ",\"tpm2-blob\":\"");
	memset(j + w, 'A', blen);
	strcpy(j + w + blen, "\"}");
	expect_rejected(j, -EBADMSG, "larger than 4 KiB");
}

static void test_token_recovery_and_peek(void **state)
{
	(void)state;
	_cleanup_free_ char *json = NULL, *type = NULL;
	const char *reason = NULL;
	int slot = -2;

	assert_int_equal(token_recovery_format(5, &json), 0);
	assert_int_equal(token_peek(json, &type, &slot, &reason), 0);
	assert_string_equal(type, TOKEN_TYPE_RECOVERY);
	assert_int_equal(slot, 5);
	assert_int_equal(token_recovery_format(32, &json), -EINVAL);
}

static void test_base64_is_strict_and_round_trips(void **state)
{
	(void)state;
	for (size_t n = 0; n < 40; n++) {
		uint8_t in[40] = { 0 };
		_cleanup_free_ char *enc = NULL;
		_cleanup_free_ uint8_t *dec = NULL;
		size_t size;
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(0xf0 ^ (i * 37));
		assert_int_equal(base64_encode(in, n, &enc), 0);
		assert_int_equal(strlen(enc), base64_encoded_size(n));
		assert_int_equal(base64_decode(enc, strlen(enc), &dec, &size), 0);
		assert_int_equal(size, n);
		if (n)
			assert_memory_equal(dec, in, n);
	}
	/* The same encoding systemd uses for a 32-byte secret: 44 chars, one '='. */
	uint8_t zero[32] = { 0 };
	_cleanup_free_ char *z = NULL;
	assert_int_equal(base64_encode(zero, sizeof(zero), &z), 0);
	assert_string_equal(z, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");

	uint8_t *d = NULL;
	size_t s;
	assert_int_equal(base64_decode("AB=C", 4, &d, &s), -EBADMSG);
	assert_int_equal(base64_decode("A===", 4, &d, &s), -EBADMSG);
	assert_int_equal(base64_decode("AB==AB==", 8, &d, &s), -EBADMSG);
	assert_int_equal(base64_decode("AB\n=", 4, &d, &s), -EBADMSG);
	assert_int_equal(base64_decode("AB==", 4, &d, &s), -EBADMSG); /* non-canonical bits */
	assert_int_equal(base64_decode("AA==", 4, &d, &s), 0);
	assert_int_equal(s, 1);
	free(d);
}

static void test_pcr_mask_strings(void **state)
{
	(void)state;
	uint32_t m;
	char buf[64];
	assert_int_equal(pcr_mask_from_string("7,15", &m), 0);
	assert_int_equal(m, (1u << 7) | (1u << 15));
	assert_int_equal(pcr_mask_from_string("0+23", &m), 0);
	assert_int_equal(m, 1u | (1u << 23));
	pcr_mask_to_string(m, buf, sizeof(buf));
	assert_string_equal(buf, "0,23");
	assert_int_equal(pcr_mask_from_string("24", &m), -EINVAL);
	assert_int_equal(pcr_mask_from_string("7,", &m), -EINVAL);
	assert_int_equal(pcr_mask_from_string("", &m), -EINVAL);
	assert_int_equal(pcr_mask_from_string("x", &m), -EINVAL);
	assert_int_equal(pcr_mask_from_string("99999999999", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_round_trip_keeps_every_field),
		cmocka_unit_test(test_token_round_trip_keeps_signed_policy),
		cmocka_unit_test(test_token_accepts_cryptenroll_defaults),
		cmocka_unit_test(test_token_rejects_malformed_fields),
		cmocka_unit_test(test_token_rejects_huge_blob_and_json),
		cmocka_unit_test(test_token_recovery_and_peek),
		cmocka_unit_test(test_base64_is_strict_and_round_trips),
		cmocka_unit_test(test_pcr_mask_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
