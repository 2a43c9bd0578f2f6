/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * token.h — the LUKS2 token JSON that binds a keyslot to a TPM2-sealed secret.
 *
 * Format: systemd's "systemd-tpm2" token (systemd 252), so tokens made by
 * sealroot and by systemd-cryptenroll are interchangeable:
 *   {"type":"systemd-tpm2","keyslots":["N"],"tpm2-blob":"<base64>",
 *    "tpm2-pcrs":[7,15],"tpm2-pcr-bank":"sha256","tpm2-primary-alg":"ecc",
 *    "tpm2-policy-hash":"<hex>","tpm2-pin":false,
 *    "sealroot-pcr-values":{"7":"<hex>","15":"<hex>"},
 *    "sealroot-srk-name":"<hex>"}
 * "sealroot-pcr-values" is sealroot's own addition (systemd ignores unknown
 * fields): the PCR values at enrollment, used to name the PCR that changed
 * when an unseal fails.  "sealroot-srk-name" (also ours, optional) pins the
 * storage primary key: the name it had at sealing (tpm2.h).  Parsing accepts cryptenroll's tokens:
 * a missing tpm2-pcr-bank means sha256, a missing tpm2-primary-alg means ecc.
 *
 * A signed PCR policy (systemd-cryptenroll --tpm2-public-key=,
 * --tpm2-public-key-pcrs=) adds, as systemd 252 writes them:
 *    "tpm2_pubkey_pcrs":[11],"tpm2_pubkey":"<base64 of the PEM file>"
 * and "tpm2-pcrs" then lists only the PCRs bound by value (tpm2.h).
 *
 * Also the "systemd-recovery" token cryptenroll uses to mark a recovery key
 * keyslot: {"type":"systemd-recovery","keyslots":["N"]}.
 *
 * Parsers never trust the input: on any malformed field they return -EBADMSG
 * and set *ret_reason to a static text naming the field ("tpm2-blob is not
 * base64"); features sealroot does not implement (PIN, the SHA-1 bank) give -EOPNOTSUPP with a
 * reason.  Nothing is logged here.
 */
#pragma once

#include "tpm2.h"
#include "util.h"

#define TOKEN_TYPE_TPM2 "systemd-tpm2"
/* sealroot's pin of the storage primary key: its TPM object name, hex. */
#define TOKEN_SRK_NAME "sealroot-srk-name"
#define TOKEN_TYPE_RECOVERY "systemd-recovery"
#define TOKEN_JSON_MAX (64 * 1024)
#define TOKEN_BLOB_MAX 4096
#define TOKEN_PUBKEY "tpm2_pubkey"
#define TOKEN_PUBKEY_PCRS "tpm2_pubkey_pcrs"
#define TOKEN_PUBKEY_MAX (16 * 1024) /* PEM bytes */
#define LUKS2_KEYSLOTS_MAX 32

struct tpm2_token {
	int keyslot;
	struct tpm2_sealed sealed;
	uint32_t pcr_values_mask; /* PCRs whose enrollment value is known */
};

void tpm2_token_done(struct tpm2_token *t);
#define _cleanup_tpm2_token_ _cleanup_(tpm2_token_done)

/* JSON text for SEALED bound to KEYSLOT; sealed->pcr_values for every PCR in
 * sealed->pcr_mask are written as "sealroot-pcr-values" when with_values. */
int token_tpm2_format(const struct tpm2_sealed *sealed, int keyslot, bool with_values,
		      char **ret_json);
int token_tpm2_parse(const char *json, struct tpm2_token *ret, const char **ret_reason);

int token_recovery_format(int keyslot, char **ret_json);

/* sealroot's proof, kept in the systemd-tpm2 token only while provisioning is
 * unfinished, that this provisioning formatted the volume (provision.h):
 * "sealroot-provisioning-hmac":"<hex HMAC-SHA256>". */
#define TOKEN_PROVISIONING_HMAC "sealroot-provisioning-hmac"
#define TOKEN_HMAC_SIZE 32

/* JSON with the field set to hex(HMAC), or removed when HMAC is NULL;
 * everything else unchanged. */
int token_set_provisioning_hmac(const char *json, const uint8_t *hmac, char **ret_json,
				const char **ret_reason);
/* 0 and the HMAC, -ENOENT when the token has none, -EBADMSG when malformed. */
int token_get_provisioning_hmac(const char *json, uint8_t ret[TOKEN_HMAC_SIZE],
				const char **ret_reason);

/* The "type" of any token JSON and its single keyslot (-1 if none listed). */
int token_peek(const char *json, char **ret_type, int *ret_keyslot, const char **ret_reason);

/* "7,15" style list of the PCRs in mask, into buf. */
void pcr_mask_to_string(uint32_t mask, char *buf, size_t size);
/* Parse "7,15" / "7+15" into a mask; -EINVAL on a bad or out-of-range number. */
int pcr_mask_from_string(const char *s, uint32_t *ret);
