// SPDX-License-Identifier: GPL-2.0-or-later
/* token.c — systemd-tpm2 / systemd-recovery LUKS2 token JSON, see token.h. */
#include <json-c/json.h>
#include <tss2/tss2_tpm2_types.h>

#include "json_util.h"
#include "encoding.h"
#include "token.h"

void tpm2_token_done(struct tpm2_token *t)
{
	if (!t)
		return;
	free(t->sealed.blob);
	free(t->sealed.pubkey);
	*t = (struct tpm2_token){ .keyslot = -1 };
}

static void json_putp(json_object **j)
{
	if (*j)
		json_object_put(*j);
}
#define _cleanup_json_ _cleanup_(json_putp)

void pcr_mask_to_string(uint32_t mask, char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (unsigned i = 0; i < TPM2_PCR_COUNT; i++) {
		if (!(mask & (UINT32_C(1) << i)))
			continue;
		int w = snprintf(buf + n, size - n, "%s%u", n ? "," : "", i);
		if (w < 0 || (size_t)w >= size - n)
			return;
		n += (size_t)w;
	}
}

int pcr_mask_from_string(const char *s, uint32_t *ret)
{
	uint32_t mask = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		unsigned v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (unsigned)(*p - '0');
			if (v >= TPM2_PCR_COUNT)
				return -EINVAL;
			p++;
		}
		mask |= UINT32_C(1) << v;
		if (*p == '\0')
			break;
		if (*p != ',' && *p != '+')
			return -EINVAL;
		p++;
	}
	*ret = mask;
	return 0;
}

static int add_keyslots(json_object *o, int keyslot)
{
	char buf[16];
	json_object *a = json_object_new_array();
	if (!a)
		return -ENOMEM;
	(void)snprintf(buf, sizeof(buf), "%d", keyslot);
	json_object *v = json_object_new_string(buf);
	if (!v || json_object_array_add(a, v) < 0) {
		json_object_put(v);
		json_object_put(a);
		return -ENOMEM;
	}
	if (json_object_object_add(o, "keyslots", a) < 0) {
		json_object_put(a);
		return -ENOMEM;
	}
	return 0;
}

static int json_finish(json_object *o, char **ret_json)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!s)
		return -ENOMEM;
	char *dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	*ret_json = dup;
	return 0;
}

/* KEY: [N, …] for the PCRs in MASK. */
static int add_pcr_array(json_object *o, const char *key, uint32_t mask)
{
	json_object *pcrs = json_object_new_array();
	if (!pcrs || json_object_object_add(o, key, pcrs) < 0) {
		json_object_put(pcrs);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < TPM2_PCR_COUNT; i++) {
		if (!(mask & (UINT32_C(1) << i)))
			continue;
		json_object *n = json_object_new_int((int)i);
		if (!n || json_object_array_add(pcrs, n) < 0) {
			json_object_put(n);
			return -ENOMEM;
		}
	}
	return 0;
}

int token_tpm2_format(const struct tpm2_sealed *sealed, int keyslot, bool with_values,
		      char **ret_json)
{
	_cleanup_json_ json_object *o = NULL;
	_cleanup_free_ char *blob = NULL, *policy = NULL;
	int r;

	if (keyslot < 0 || keyslot >= LUKS2_KEYSLOTS_MAX || !sealed->blob || !sealed->blob_size ||
	    sealed->pcr_mask >> TPM2_PCR_COUNT || sealed->pubkey_pcr_mask >> TPM2_PCR_COUNT)
		return -EINVAL;
	if (sealed->pubkey_pcr_mask &&
	    (!sealed->pubkey || !sealed->pubkey_size || sealed->pubkey_size > TOKEN_PUBKEY_MAX))
		return -EINVAL;
	if (sealed->pcr_bank != TPM2_ALG_SHA256)
		return -EOPNOTSUPP;
	if (sealed->primary_alg != TPM2_ALG_ECC && sealed->primary_alg != TPM2_ALG_RSA)
		return -EOPNOTSUPP;

	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	r = base64_encode(sealed->blob, sealed->blob_size, &blob);
	if (r < 0)
		return r;
	r = hex_encode(sealed->policy_hash, sizeof(sealed->policy_hash), &policy);
	if (r < 0)
		return r;

	r = add_pcr_array(o, "tpm2-pcrs", sealed->pcr_mask);
	if (r < 0)
		return r;

	if ((r = json_add_string(o, "type", TOKEN_TYPE_TPM2)) < 0 ||
	    (r = add_keyslots(o, keyslot)) < 0 || (r = json_add_string(o, "tpm2-blob", blob)) < 0 ||
	    (r = json_add_string(o, "tpm2-pcr-bank", "sha256")) < 0 ||
	    (r = json_add_string(o, "tpm2-primary-alg",
				 sealed->primary_alg == TPM2_ALG_ECC ? "ecc" : "rsa")) < 0 ||
	    (r = json_add_string(o, "tpm2-policy-hash", policy)) < 0)
		return r;

	json_object *pin = json_object_new_boolean(0);
	if (!pin || json_object_object_add(o, "tpm2-pin", pin) < 0) {
		json_object_put(pin);
		return -ENOMEM;
	}

	if (sealed->pubkey_pcr_mask) {
		_cleanup_free_ char *pem = NULL;
		r = add_pcr_array(o, TOKEN_PUBKEY_PCRS, sealed->pubkey_pcr_mask);
		if (r < 0)
			return r;
		r = base64_encode(sealed->pubkey, sealed->pubkey_size, &pem);
		if (r < 0)
			return r;
		r = json_add_string(o, TOKEN_PUBKEY, pem);
		if (r < 0)
			return r;
	}

	if (sealed->primary_name_size == TPM2_NAME_SHA256_SIZE) {
		_cleanup_free_ char *name = NULL;
		r = hex_encode(sealed->primary_name, TPM2_NAME_SHA256_SIZE, &name);
		if (r < 0)
			return r;
		r = json_add_string(o, TOKEN_SRK_NAME, name);
		if (r < 0)
			return r;
	}

	if (with_values) {
		json_object *vals = json_object_new_object();
		if (!vals || json_object_object_add(o, "sealroot-pcr-values", vals) < 0) {
			json_object_put(vals);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < TPM2_PCR_COUNT; i++) {
			_cleanup_free_ char *hex = NULL;
			char key[8];
			if (!(sealed->pcr_mask & (UINT32_C(1) << i)))
				continue;
			r = hex_encode(sealed->pcr_values[i], TPM2_SHA256_SIZE, &hex);
			if (r < 0)
				return r;
			(void)snprintf(key, sizeof(key), "%u", i);
			r = json_add_string(vals, key, hex);
			if (r < 0)
				return r;
		}
	}

	return json_finish(o, ret_json);
}

int token_recovery_format(int keyslot, char **ret_json)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	int r;

	if (keyslot < 0 || keyslot >= LUKS2_KEYSLOTS_MAX)
		return -EINVAL;
	if (!o)
		return -ENOMEM;
	if ((r = json_add_string(o, "type", TOKEN_TYPE_RECOVERY)) < 0 ||
	    (r = add_keyslots(o, keyslot)) < 0)
		return r;
	return json_finish(o, ret_json);
}

#define BAD(reason)                                                                                \
	({                                                                                         \
		*ret_reason = (reason);                                                            \
		-EBADMSG;                                                                          \
	})

static int parse_root(const char *json, json_object **ret, const char **ret_reason)
{
	if (!json)
		return BAD("token has no JSON");
	size_t len = strnlen(json, TOKEN_JSON_MAX + 1);
	if (len > TOKEN_JSON_MAX)
		return BAD("token JSON is larger than 64 KiB");

	json_tokener *tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_object *o = json_tokener_parse_ex(tok, json, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || e != json_tokener_success || used != len) {
		json_object_put(o);
		return BAD("token is not valid JSON");
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return BAD("token JSON is not an object");
	}
	*ret = o;
	return 0;
}

/* The single keyslot named in "keyslots": ["N"]. */
static int parse_keyslot(json_object *o, int *ret, const char **ret_reason)
{
	json_object *a;

	if (!json_object_object_get_ex(o, "keyslots", &a) ||
	    !json_object_is_type(a, json_type_array))
		return BAD("keyslots is missing or not an array");
	size_t n = json_object_array_length(a);
	if (n == 0) {
		*ret = -1;
		return 0;
	}
	if (n != 1)
		return BAD("keyslots lists more than one keyslot");
	json_object *k = json_object_array_get_idx(a, 0);
	if (!json_object_is_type(k, json_type_string))
		return BAD("keyslots entry is not a string");
	const char *s = json_object_get_string(k);
	if (!s || !*s || strlen(s) > 2 || s[0] < '0' || s[0] > '9' ||
	    (s[1] && (s[1] < '0' || s[1] > '9')) || (s[0] == '0' && s[1]))
		return BAD("keyslots entry is not a keyslot number");
	int v = atoi(s);
	if (v >= LUKS2_KEYSLOTS_MAX)
		return BAD("keyslots entry is out of range");
	*ret = v;
	return 0;
}

static int get_string(json_object *o, const char *key, const char **ret)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v)) {
		*ret = NULL;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	*ret = json_object_get_string(v);
	return 1;
}

int token_peek(const char *json, char **ret_type, int *ret_keyslot, const char **ret_reason)
{
	_cleanup_json_ json_object *o = NULL;
	const char *type;
	int r;

	r = parse_root(json, &o, ret_reason);
	if (r < 0)
		return r;
	if (get_string(o, "type", &type) <= 0)
		return BAD("type is missing or not a string");
	r = parse_keyslot(o, ret_keyslot, ret_reason);
	if (r < 0)
		return r;
	char *t = strdup(type);
	if (!t)
		return -ENOMEM;
	*ret_type = t;
	return 0;
}

/* A PCR list [N, …]; the reasons name "tpm2-pcrs" or "tpm2_pubkey_pcrs". */
static int parse_pcr_array(json_object *a, bool pubkey, uint32_t *ret, const char **ret_reason)
{
	uint32_t mask = 0;

	if (!json_object_is_type(a, json_type_array))
		return BAD(pubkey ? TOKEN_PUBKEY_PCRS " is not an array"
				  : "tpm2-pcrs is missing or not an array");
	size_t n = json_object_array_length(a);
	if (n > TPM2_PCR_COUNT)
		return BAD(pubkey ? TOKEN_PUBKEY_PCRS " lists more than 24 PCRs"
				  : "tpm2-pcrs lists more than 24 PCRs");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_int))
			return BAD(pubkey ? TOKEN_PUBKEY_PCRS " entry is not a number"
					  : "tpm2-pcrs entry is not a number");
		int64_t v = json_object_get_int64(e);
		if (v < 0 || v >= TPM2_PCR_COUNT)
			return BAD(pubkey ? TOKEN_PUBKEY_PCRS " entry is not a PCR index 0..23"
					  : "tpm2-pcrs entry is not a PCR index 0..23");
		mask |= UINT32_C(1) << v;
	}
	*ret = mask;
	return 0;
}

static int parse_pcrs(json_object *o, uint32_t *ret, const char **ret_reason)
{
	json_object *a;

	if (!json_object_object_get_ex(o, "tpm2-pcrs", &a))
		return BAD("tpm2-pcrs is missing or not an array");
	return parse_pcr_array(a, false, ret, ret_reason);
}

/* "tpm2_pubkey_pcrs" and "tpm2_pubkey" (base64 of the PEM file), as
 * systemd-cryptenroll 252 writes them.  A key without PCRs is ignored, as
 * systemd does; PCRs without a key are malformed. */
static int parse_pubkey(json_object *o, struct tpm2_sealed *s, const char **ret_reason)
{
	json_object *v;
	const char *pem;
	int r;

	if (!json_object_object_get_ex(o, TOKEN_PUBKEY_PCRS, &v))
		return 0;
	r = parse_pcr_array(v, true, &s->pubkey_pcr_mask, ret_reason);
	if (r < 0)
		return r;
	if (s->pubkey_pcr_mask == 0)
		return 0;
	r = get_string(o, TOKEN_PUBKEY, &pem);
	if (r <= 0)
		return BAD(TOKEN_PUBKEY " is missing or not a string although " TOKEN_PUBKEY_PCRS
					" lists PCRs");
	size_t len = strlen(pem);
	if (len == 0 || len > base64_encoded_size(TOKEN_PUBKEY_MAX))
		return BAD(TOKEN_PUBKEY " is empty or larger than 16 KiB");
	r = base64_decode(pem, len, &s->pubkey, &s->pubkey_size);
	if (r == -EBADMSG)
		return BAD(TOKEN_PUBKEY " is not base64");
	if (r < 0)
		return r;
	if (s->pubkey_size == 0)
		return BAD(TOKEN_PUBKEY " is empty");
	return 0;
}

static int parse_pcr_values(json_object *o, struct tpm2_token *t, const char **ret_reason)
{
	json_object *vals;

	if (!json_object_object_get_ex(o, "sealroot-pcr-values", &vals))
		return 0;
	if (!json_object_is_type(vals, json_type_object))
		return BAD("sealroot-pcr-values is not an object");
	json_object_object_foreach(vals, key, v)
	{
		uint32_t m;
		if (pcr_mask_from_string(key, &m) < 0 || __builtin_popcount(m) != 1)
			return BAD("sealroot-pcr-values has a key that is not a PCR index");
		if (!(m & t->sealed.pcr_mask))
			return BAD("sealroot-pcr-values names a PCR not in tpm2-pcrs");
		if (!json_object_is_type(v, json_type_string))
			return BAD("sealroot-pcr-values entry is not a string");
		unsigned idx = (unsigned)__builtin_ctz(m);
		if (hex_decode_exact(json_object_get_string(v), t->sealed.pcr_values[idx],
				     TPM2_SHA256_SIZE) < 0)
			return BAD("sealroot-pcr-values entry is not a 64-digit hex SHA-256");
		t->pcr_values_mask |= m;
	}
	return 0;
}

int token_tpm2_parse(const char *json, struct tpm2_token *ret, const char **ret_reason)
{
	_cleanup_json_ json_object *o = NULL;
	struct tpm2_token t = { .keyslot = -1 };
	const char *s;
	json_object *v;
	int r;

	r = parse_root(json, &o, ret_reason);
	if (r < 0)
		return r;

	if (get_string(o, "type", &s) <= 0)
		return BAD("type is missing or not a string");
	if (!streq(s, TOKEN_TYPE_TPM2))
		return BAD("type is not systemd-tpm2");

	r = parse_keyslot(o, &t.keyslot, ret_reason);
	if (r < 0)
		return r;
	if (t.keyslot < 0)
		return BAD("keyslots is empty");

	r = parse_pcrs(o, &t.sealed.pcr_mask, ret_reason);
	if (r < 0)
		return r;

	r = get_string(o, "tpm2-pcr-bank", &s);
	if (r < 0)
		return BAD("tpm2-pcr-bank is not a string");
	if (r == 0 || streq(s, "sha256"))
		t.sealed.pcr_bank = TPM2_ALG_SHA256;
	else if (streq(s, "sha1")) {
		*ret_reason = "tpm2-pcr-bank sha1 is not supported by sealroot (only sha256)";
		return -EOPNOTSUPP;
	} else
		return BAD("tpm2-pcr-bank is not a known PCR bank");

	r = get_string(o, "tpm2-primary-alg", &s);
	if (r < 0)
		return BAD("tpm2-primary-alg is not a string");
	if (r == 0 || streq(s, "ecc"))
		t.sealed.primary_alg = TPM2_ALG_ECC;
	else if (streq(s, "rsa"))
		t.sealed.primary_alg = TPM2_ALG_RSA;
	else
		return BAD("tpm2-primary-alg is neither ecc nor rsa");

	r = get_string(o, "tpm2-policy-hash", &s);
	if (r <= 0)
		return BAD("tpm2-policy-hash is missing or not a string");
	if (hex_decode_exact(s, t.sealed.policy_hash, TPM2_SHA256_SIZE) < 0)
		return BAD("tpm2-policy-hash is not a 64-digit hex SHA-256");

	if (json_object_object_get_ex(o, "tpm2-pin", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return BAD("tpm2-pin is not a boolean");
		if (json_object_get_boolean(v)) {
			*ret_reason = "the token needs a TPM2 PIN, which sealroot does not support";
			return -EOPNOTSUPP;
		}
	}

	r = get_string(o, "tpm2-blob", &s);
	if (r <= 0)
		return BAD("tpm2-blob is missing or not a string");
	size_t len = strlen(s);
	if (len == 0 || len > base64_encoded_size(TOKEN_BLOB_MAX))
		return BAD("tpm2-blob is empty or larger than 4 KiB");

	r = parse_pcr_values(o, &t, ret_reason);
	if (r < 0)
		return r;

	const char *srk;
	r = get_string(o, TOKEN_SRK_NAME, &srk);
	if (r < 0)
		return BAD(TOKEN_SRK_NAME " is not a string");
	if (r > 0) {
		if (hex_decode_exact(srk, t.sealed.primary_name, TPM2_NAME_SHA256_SIZE) < 0 ||
		    t.sealed.primary_name[0] != (TPM2_ALG_SHA256 >> 8) ||
		    t.sealed.primary_name[1] != (TPM2_ALG_SHA256 & 0xff))
			return BAD(TOKEN_SRK_NAME
				   " is not a SHA-256 TPM object name (68 hex digits)");
		t.sealed.primary_name_size = TPM2_NAME_SHA256_SIZE;
	}

	r = base64_decode(s, len, &t.sealed.blob, &t.sealed.blob_size);
	if (r == -EBADMSG)
		return BAD("tpm2-blob is not base64");
	if (r < 0)
		return r;
	if (t.sealed.blob_size == 0) {
		tpm2_token_done(&t);
		return BAD("tpm2-blob is empty");
	}
	r = parse_pubkey(o, &t.sealed, ret_reason);
	if (r < 0) {
		tpm2_token_done(&t);
		return r;
	}

	*ret = t;
	return 0;
}

int token_set_provisioning_hmac(const char *json, const uint8_t *hmac, char **ret_json,
				const char **ret_reason)
{
	_cleanup_json_ json_object *o = NULL;
	_cleanup_free_ char *hex = NULL;
	int r;

	r = parse_root(json, &o, ret_reason);
	if (r < 0)
		return r;
	json_object_object_del(o, TOKEN_PROVISIONING_HMAC);
	if (hmac) {
		r = hex_encode(hmac, TOKEN_HMAC_SIZE, &hex);
		if (r < 0)
			return r;
		r = json_add_string(o, TOKEN_PROVISIONING_HMAC, hex);
		if (r < 0)
			return r;
	}
	return json_finish(o, ret_json);
}

int token_get_provisioning_hmac(const char *json, uint8_t ret[TOKEN_HMAC_SIZE],
				const char **ret_reason)
{
	_cleanup_json_ json_object *o = NULL;
	const char *s;
	int r;

	r = parse_root(json, &o, ret_reason);
	if (r < 0)
		return r;
	r = get_string(o, TOKEN_PROVISIONING_HMAC, &s);
	if (r < 0)
		return BAD(TOKEN_PROVISIONING_HMAC " is not a string");
	if (r == 0)
		return -ENOENT;
	if (hex_decode_exact(s, ret, TOKEN_HMAC_SIZE) < 0)
		return BAD(TOKEN_PROVISIONING_HMAC " is not a 64-digit hex HMAC-SHA256");
	return 0;
}
