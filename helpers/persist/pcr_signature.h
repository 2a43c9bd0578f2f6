/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcr_signature.h — the signed PCR policy file systemd-measure writes and the
 * systemd stub puts at /.extra/tpm2-pcr-signature.json:
 *
 *   {"sha256":[{"pcrs":[11],"pkfp":"<hex>","pol":"<hex>","sig":"<base64>"},…]}
 *
 * Each entry: the PCRs a PolicyPCR selects ("pcrs"), the SHA-256 fingerprint
 * of the signing key ("pkfp", pcr_pubkey.h), the PolicyPCR digest it approves
 * ("pol", one per boot phase) and the signature over SHA-256(pol) ("sig").
 * Only the "sha256" bank is read; other banks are ignored.
 *
 * The file comes from the boot medium (the UKI's .pcrsig section, or a path
 * given on the command line), so parsing is strict: any malformed entry
 * rejects the whole file with -EBADMSG and a static reason; nothing is
 * logged.
 */
#pragma once

#include "tpm2.h"
#include "util.h"

#define PCR_SIGNATURE_JSON_MAX (256 * 1024)
#define PCR_SIGNATURE_ENTRIES_MAX 256
#define PCR_SIGNATURE_SIG_MAX 512 /* RSA-4096 */

struct pcr_signature_entry {
	uint32_t pcr_mask;
	uint8_t fingerprint[TPM2_SHA256_SIZE];
	uint8_t policy[TPM2_SHA256_SIZE];
	uint8_t *sig;
	size_t sig_size;
};

struct pcr_signature {
	struct pcr_signature_entry *entries;
	size_t n_entries;
};

void pcr_signature_done(struct pcr_signature *s);
#define _cleanup_pcr_signature_ _cleanup_(pcr_signature_done)

/* Parse LEN bytes of JSON.  0, -EBADMSG (with *ret_reason), -ENOMEM. */
int pcr_signature_parse(const char *json, size_t len, struct pcr_signature *ret,
			const char **ret_reason);

/* The entry for PCR_MASK signed by the key with fingerprint FP approving
 * POLICY: 0 and *ret; -ENOKEY no entry of that key for PCR_MASK;
 * -EKEYREJECTED entries of that key for PCR_MASK exist, but none approves
 * POLICY (the PCRs hold other values than any signed). */
int pcr_signature_find(const struct pcr_signature *s, uint32_t pcr_mask,
		       const uint8_t fp[TPM2_SHA256_SIZE], const uint8_t policy[TPM2_SHA256_SIZE],
		       const struct pcr_signature_entry **ret);
