// SPDX-License-Identifier: GPL-2.0-or-later
/* persist_reseal.c — seal a new systemd-tpm2 token to other PCRs or values
 * (`sealroot persist reseal`); see persist.h. */

#include <limits.h>
#include <sys/mount.h>

#include "ext4_sb.h"
#include "fault.h"
#include "fileio.h"
#include "lock.h"
#include "log.h"
#include "encoding.h"
#include "luks.h"
#include "pcr_files.h"
#include "pcr_phase.h"
#include "pcr_pubkey.h"
#include "persist.h"
#include "persist_internal.h"
#include "process.h"
#include "provision.h"
#include "recovery_key.h"
#include "token.h"
#include "token_policy.h"
#include "tpm2.h"

/* The lock PCR's value at boot before sealroot extends it: as recorded in the
 * first systemd-tpm2 token that knows it (provisioning seals before the
 * extend), else the reset value.  Returns the token id or -ENOENT. */
static int lock_pcr_boot_value(struct crypt_device *cd, uint8_t ret[TPM2_SHA256_SIZE])
{
	const uint32_t lock = UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR;

	memset(ret, 0, TPM2_SHA256_SIZE);
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		struct tpm2_token tok = { .keyslot = -1 };
		const char *json = NULL, *reason = NULL;

		if (luks_token_get(cd, t, &json) < 0 || token_tpm2_parse(json, &tok, &reason) < 0)
			continue;
		bool known = (tok.sealed.pcr_mask & lock) && (tok.pcr_values_mask & lock);
		if (known)
			memcpy(ret, tok.sealed.pcr_values[SEALROOT_TPM2_LOCK_PCR],
			       TPM2_SHA256_SIZE);
		tpm2_token_done(&tok);
		if (known)
			return t;
	}
	return -ENOENT;
}

/* The values the new policy binds to, see persist.h; logs where each comes
 * from. */
static int reseal_expected_values(struct tpm2_context *tpm, struct crypt_device *cd,
				  const char *device, uint32_t mask,
				  const struct pcr_value_overrides *ov,
				  uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE])
{
	const uint32_t lock = UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR;
	uint32_t given = ov ? ov->mask : 0;
	uint32_t current = mask & ~lock & ~given;
	int r;

	if (given & ~mask) {
		char extra[96];
		pcr_mask_to_string(given & ~mask, extra, sizeof(extra));
		return log_error_errno(-EINVAL,
				       "--pcr-value names PCR %s, which is not in --pcrs (or PCR "
				       "%d); add it to --pcrs.",
				       extra, SEALROOT_TPM2_LOCK_PCR);
	}
	if (current) {
		r = tpm2_pcr_read(tpm, current, values);
		if (r < 0)
			return log_error_errno(r, "Failed to read the TPM2 PCRs of %s: %m", device);
	}
	if (!(given & lock)) {
		int t = lock_pcr_boot_value(cd, values[SEALROOT_TPM2_LOCK_PCR]);
		if (t >= 0)
			log_info(
			    "PCR %d: its value before the unlock as recorded in token %d of %s.",
			    SEALROOT_TPM2_LOCK_PCR, t, device);
		else
			log_info("PCR %d: its reset value (all zeros); no token of %s records "
				 "another.",
				 SEALROOT_TPM2_LOCK_PCR, device);
	}
	for (unsigned i = 0; i < TPM2_PCR_COUNT; i++) {
		if (!(given & (UINT32_C(1) << i)))
			continue;
		memcpy(values[i], ov->values[i], TPM2_SHA256_SIZE);
		log_info("PCR %u: the value given with --pcr-value.", i);
	}
	if (current) {
		char list[96];
		pcr_mask_to_string(current, list, sizeof(list));
		log_info("PCRs %s: their current values.", list);
	}
	return 0;
}

int persist_reseal(const char *device, const char *tpm2_device, const struct reseal_options *ro)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	_cleanup_tpm2_ struct tpm2_context *tpm = NULL;
	_cleanup_crypt_ struct crypt_device *cd = NULL;
	_cleanup_secret_ struct secret old = {}, secret = {}, pass = {};
	_cleanup_free_ char *json = NULL, *with_proof = NULL;
	_cleanup_free_ uint8_t *pubkey = NULL;
	struct tpm2_sealed sealed = {};
	const char *recovery_key_file = ro->recovery_key_file;
	uint32_t mask = ro->pcr_mask | UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR;
	uint32_t pubkey_mask = ro->pcr_key ? ro->pubkey_pcr_mask : 0;
	int old_slot = -1, new_slot, new_token, r;
	size_t pubkey_size = 0;
	char pcrs[96], signed_pcrs[96];

	pcr_mask_to_string(mask, pcrs, sizeof(pcrs));
	pcr_mask_to_string(pubkey_mask, signed_pcrs, sizeof(signed_pcrs));
	if (ro->pcr_key) {
		r = pcr_files_read_pubkey(ro->pcr_key, &pubkey, &pubkey_size);
		if (r == -ENOENT)
			return log_error_errno(r, "The PCR public key %s does not exist.",
					       ro->pcr_key);
		if (r < 0)
			return r;
	}
	r = luks_load(device, &cd);
	if (r < 0)
		return log_error_errno(r, "Failed to load the LUKS2 header of %s: %m", device);
	r = persist_connect_tpm(tpm2_device, device, &tpm);
	if (r < 0)
		return r;
	r = reseal_expected_values(tpm, cd, device, mask, ro->overrides, values);
	if (r < 0)
		return r;

	if (recovery_key_file) {
		r = recovery_key_read_file(recovery_key_file, &old);
		if (r == -EINVAL)
			return log_error_errno(r, "%s does not hold a recovery key.",
					       recovery_key_file);
		if (r < 0)
			return log_error_errno(r, "Failed to read %s: %m", recovery_key_file);
		old_slot = luks_verify(cd, CRYPT_ANY_SLOT, old.data, old.size);
		if (old_slot < 0)
			return log_error_errno(old_slot, "The recovery key in %s does not open %s.",
					       recovery_key_file, device);
	} else {
		/* Authorising a reseal needs no floor or pin: whoever unseals a
		 * token can open the volume anyway. */
		const struct token_policy any = {};
		r = persist_unlock_with_tpm(cd, device, tpm, NULL, &any, ro->pcr_signature, &old,
					    NULL, &old_slot, NULL);
		if (r < 0)
			return log_error_errno(r,
					       "Cannot authorise the reseal of %s with the TPM2 "
					       "(on a booted system PCR %d is locked after the "
					       "unlock); pass --recovery-key-file.",
					       device, SEALROOT_TPM2_LOCK_PCR);
	}

	/* New keyslot and token first: a crash at any point leaves at least one
	 * working way in. */
	r = provision_new_secret(tpm, &secret);
	if (r < 0)
		return log_error_errno(r, "Failed to get random bytes for the new key: %m");
	r = luks_passphrase_from_secret(&secret, &pass);
	if (r < 0)
		return log_error_errno(r, "Failed to encode the new key: %m");
	new_slot = luks_add_keyslot_by_passphrase(cd, LUKS_KDF_MINIMAL, old.data, old.size,
						  pass.data, pass.size);
	if (new_slot < 0)
		return log_error_errno(new_slot, "Failed to add a keyslot to %s: %m", device);
	if (pubkey)
		r = tpm2_seal_to_values_signed(tpm, mask, values, pubkey, pubkey_size, pubkey_mask,
					       &secret, &sealed);
	else
		r = tpm2_seal_to_values(tpm, mask, values, &secret, &sealed);
	if (r < 0)
		return log_error_errno(r, "Failed to seal the new key of %s to PCRs %s%s%s: %m",
				       device, pcrs,
				       pubkey ? " and the PCR key's signature of PCR " : "",
				       pubkey ? signed_pcrs : "");
	r = token_tpm2_format(&sealed, new_slot, true, &json);
	tpm2_sealed_done(&sealed);
	if (r < 0)
		return log_error_errno(r, "Failed to build the TPM2 token: %m");
	r = provision_token_with_proof(cd, &secret, json, &with_proof);
	if (r < 0)
		return log_error_errno(r, "Failed to build the TPM2 token: %m");
	new_token = luks_token_add(cd, with_proof);
	if (new_token < 0)
		return log_error_errno(new_token, "Failed to write the TPM2 token to %s: %m",
				       device);
	fault_point("reseal-after-token");

	/* Now drop the old TPM2 tokens, each before its keyslot. */
	for (int t = 0; t < LUKS_TOKENS_MAX; t++) {
		_cleanup_free_ char *type = NULL;
		const char *tjson = NULL, *reason = NULL;
		int slot = -1;

		if (t == new_token || luks_token_get(cd, t, &tjson) < 0)
			continue;
		if (token_peek(tjson, &type, &slot, &reason) < 0 || !streq(type, TOKEN_TYPE_TPM2))
			continue;
		r = luks_token_remove(cd, t);
		if (r < 0)
			return log_error_errno(r, "Failed to remove old token %d of %s: %m", t,
					       device);
		if (slot >= 0 && slot != new_slot) {
			r = luks_destroy_keyslot(cd, slot);
			if (r < 0 && r != -ENOENT && r != -EINVAL)
				return log_error_errno(
				    r, "Failed to remove old keyslot %d of %s: %m", slot, device);
		}
		log_info("Removed old TPM2 token %d (keyslot %d) of %s.", t, slot, device);
	}
	if (pubkey)
		log_info("Resealed %s to PCRs %s signed by the key in %s, and PCRs %s by value: "
			 "keyslot %d, token %d.",
			 device, signed_pcrs, ro->pcr_key, pcrs, new_slot, new_token);
	else
		log_info("Resealed %s to PCRs %s: keyslot %d, token %d.", device, pcrs, new_slot,
			 new_token);
	return 0;
}
