// SPDX-License-Identifier: GPL-2.0-or-later
/* pcr_signature.c — parse systemd-measure's signed PCR policy JSON, see
 * pcr_signature.h. */
#include "pcr_signature.h"

#include <json-c/json.h>

#include "encoding.h"

#define BAD(reason)                                                                                \
	({                                                                                         \
		*ret_reason = (reason);                                                            \
		-EBADMSG;                                                                          \
	})

void pcr_signature_done(struct pcr_signature *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_entries; i++)
		free(s->entries[i].sig);
	free(s->entries);
	*s = (struct pcr_signature){};
}

static int parse_mask(json_object *a, uint32_t *ret, const char **ret_reason)
{
	uint32_t mask = 0;
	size_t n;

	if (!json_object_is_type(a, json_type_array))
		return BAD("\"pcrs\" is not an array");
	n = json_object_array_length(a);
	if (n == 0 || n > TPM2_PCR_COUNT)
		return BAD("\"pcrs\" is empty or lists more than 24 PCRs");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		int64_t v;
		if (!json_object_is_type(e, json_type_int))
			return BAD("\"pcrs\" entry is not a number");
		v = json_object_get_int64(e);
		if (v < 0 || v >= TPM2_PCR_COUNT)
			return BAD("\"pcrs\" entry is not a PCR index 0..23");
		mask |= UINT32_C(1) << v;
	}
	*ret = mask;
	return 0;
}

static int get_hex32(json_object *o, const char *key, uint8_t ret[TPM2_SHA256_SIZE])
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EBADMSG;
	return hex_decode_exact(json_object_get_string(v), ret, TPM2_SHA256_SIZE);
}

static int parse_entry(json_object *o, struct pcr_signature_entry *e, const char **ret_reason)
{
	json_object *v;
	const char *s;
	size_t len;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return BAD("a \"sha256\" entry is not an object");
	if (!json_object_object_get_ex(o, "pcrs", &v))
		return BAD("a \"sha256\" entry has no \"pcrs\"");
	r = parse_mask(v, &e->pcr_mask, ret_reason);
	if (r < 0)
		return r;
	if (get_hex32(o, "pkfp", e->fingerprint) < 0)
		return BAD("\"pkfp\" is missing or not a 64-digit hex SHA-256 fingerprint");
	if (get_hex32(o, "pol", e->policy) < 0)
		return BAD("\"pol\" is missing or not a 64-digit hex SHA-256 policy digest");
	if (!json_object_object_get_ex(o, "sig", &v) || !json_object_is_type(v, json_type_string))
		return BAD("\"sig\" is missing or not a string");
	s = json_object_get_string(v);
	len = strlen(s);
	if (len == 0 || len > base64_encoded_size(PCR_SIGNATURE_SIG_MAX))
		return BAD("\"sig\" is empty or longer than a 4096-bit signature");
	r = base64_decode(s, len, &e->sig, &e->sig_size);
	if (r == -EBADMSG)
		return BAD("\"sig\" is not base64");
	if (r < 0)
		return r;
	if (e->sig_size == 0)
		return BAD("\"sig\" is empty");
	return 0;
}

int pcr_signature_parse(const char *json, size_t len, struct pcr_signature *ret,
			const char **ret_reason)
{
	_cleanup_pcr_signature_ struct pcr_signature s = {};
	json_object *root, *bank;
	json_tokener *tok;
	size_t n;
	int r = 0;

	if (!json || !ret || !ret_reason)
		return -EINVAL;
	if (len > PCR_SIGNATURE_JSON_MAX)
		return BAD("the signature file is larger than 256 KiB");
	if (memchr(json, '\0', len))
		return BAD("the signature file contains a NUL byte");

	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)len);
	bool ok = root && json_tokener_get_error(tok) == json_tokener_success &&
		  json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(root);
		return BAD("the signature file is not valid JSON");
	}

	if (!json_object_is_type(root, json_type_object))
		r = BAD("the signature file is not a JSON object");
	else if (!json_object_object_get_ex(root, "sha256", &bank))
		r = BAD("the signature file has no \"sha256\" bank");
	else if (!json_object_is_type(bank, json_type_array))
		r = BAD("\"sha256\" is not an array");
	if (r < 0)
		goto out;

	n = json_object_array_length(bank);
	if (n > PCR_SIGNATURE_ENTRIES_MAX) {
		r = BAD("\"sha256\" has more than 256 entries");
		goto out;
	}
	if (n > 0) {
		s.entries = calloc(n, sizeof(*s.entries));
		if (!s.entries) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		r = parse_entry(json_object_array_get_idx(bank, i), &s.entries[i], ret_reason);
		s.n_entries = i + 1; /* so the cleanup frees a partial entry too */
		if (r < 0)
			goto out;
	}
	*ret = s;
	s = (struct pcr_signature){};
out:
	json_object_put(root);
	return r;
}

int pcr_signature_find(const struct pcr_signature *s, uint32_t pcr_mask,
		       const uint8_t fp[TPM2_SHA256_SIZE], const uint8_t policy[TPM2_SHA256_SIZE],
		       const struct pcr_signature_entry **ret)
{
	bool by_key = false;

	if (!s || !fp || !policy || !ret)
		return -EINVAL;
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct pcr_signature_entry *e = &s->entries[i];
		if (e->pcr_mask != pcr_mask || memcmp(e->fingerprint, fp, TPM2_SHA256_SIZE) != 0)
			continue;
		by_key = true;
		if (memcmp(e->policy, policy, TPM2_SHA256_SIZE) != 0)
			continue;
		*ret = e;
		return 0;
	}
	return by_key ? -EKEYREJECTED : -ENOKEY;
}
