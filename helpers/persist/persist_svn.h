/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist_svn.h — anti-rollback for the persistent partition: the three
 * moments where the image's security version meets the TPM's minimum
 * (svn.h for the rules, tpm2_svn.h for the index).
 *
 * 1. Provisioning a blank volume (svn_provision): the only time sealroot
 *    defines the index.  Its nonce is HMAC-SHA256(volume key,
 *    "sealroot-svn-index-nonce"), so only whoever can open the volume can
 *    write the index; whatever index sat at the handle before is undefined
 *    (it belonged to a volume that is being formatted over).  The minimum
 *    starts at the provisioning image's SVN.  The caller seals with PolicyNV
 *    on the returned authPolicy.
 * 2. Before unsealing a token bound to the index (svn_check): read the
 *    index the token names and refuse an image whose SVN is below the
 *    minimum, with a message naming both numbers.  An image without
 *    sealroot.svn= counts as SVN 0.  A missing, unwritten or foreign index is
 *    refused too, never re-created: recovery key, then 'sealroot persist
 *    reseal'.  The TPM enforces the index's presence (PolicyNV) on its own.
 * 3. After a successful unlock, before the lock (svn_raise): unless this is
 *    a trial boot (svn_boot_is_trial), raise the minimum to the image's SVN.
 *    Idempotent; a power cut leaves the old or the new minimum.
 *
 * Every failure is logged here with the device and what to do; callers only
 * map the result (and lock, as on every other refusal).
 */
#pragma once

#include "tpm2.h"
#include "tpm2_svn.h"
#include "util.h"

#define SVN_NONE (-1) /* the image has no sealroot.svn= */

/* What a boot learnt, for `sealroot status` and the report. */
struct svn_state {
	int image;   /* the image's SVN, SVN_NONE */
	int minimum; /* the TPM's minimum before this boot raised it, -1: not read */
	int raised;  /* the minimum this boot raised it to, -1: not raised */
};

#define SVN_STATE_INIT(image_svn)                                                                  \
	((struct svn_state){ .image = (image_svn), .minimum = -1, .raised = -1 })

/* The index nonce of the volume whose volume key is VK. */
int svn_index_nonce(const struct secret *vk, uint8_t ret[TPM2_SVN_NONCE_SIZE]);

/* Step 1.  *ret_auth_policy: what to seal PolicyNV to. */
int svn_provision(struct tpm2_context *tpm, const struct secret *vk, int image_svn,
		  const char *device, uint8_t ret_auth_policy[TPM2_SHA256_SIZE],
		  struct svn_state *state);

/* Step 2 for token TOKEN of DEVICE bound to the index with AUTH_POLICY:
 * 0 allowed; -EKEYEXPIRED the image is below the minimum; -ENOENT, -ENODATA,
 * -EBADE the index is missing, unwritten or not this volume's; other: TPM. */
int svn_check(struct tpm2_context *tpm, const uint8_t auth_policy[TPM2_SHA256_SIZE], int image_svn,
	      int token, const char *device, struct svn_state *state);

/* For a reseal: the index authPolicy a systemd-tpm2 token of CD is bound
 * to (the first one found), so the new token keeps the binding; -ENOENT
 * when no token is bound. */
struct crypt_device;
int svn_volume_policy(struct crypt_device *cd, uint8_t ret[TPM2_SHA256_SIZE]);

/* Step 3 after DEVICE was unlocked with a token bound to AUTH_POLICY and
 * the volume key VK.  EFIVARS: where to look for systemd-boot's variables. */
int svn_raise(struct tpm2_context *tpm, const struct secret *vk,
	      const uint8_t auth_policy[TPM2_SHA256_SIZE], int image_svn, const char *efivars,
	      const char *device, struct svn_state *state);
