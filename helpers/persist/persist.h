/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist.h — the TPM2-sealed LUKS2 persistent partition: open (provision on
 * first boot, unlock afterwards, activate, fsck, mount), check and reseal.
 *
 * The keyslot passphrase is base64 of the TPM-sealed 32-byte secret, exactly
 * as systemd-cryptenroll/systemd-cryptsetup do, so either tool can open a
 * partition the other enrolled.
 *
 * The lock: every return of persist_open() (success, provisioning, recovery
 * key, volatile, any failure) has extended PCR SEALROOT_TPM2_LOCK_PCR first,
 * as lock.h lists, so the secret cannot be unsealed again until the next
 * boot; the volume is measured before it is activated, and a volume this run
 * activated is closed again on failure.  An extend that fails is a failure
 * (no volatile fallback either).  Only 'persist provision' (provision_only,
 * a tool for image files) and 'persist check'/'reseal' leave PCR 15 alone.
 *
 * Unlock failures never reformat anything.  They are explained (which PCR
 * changed, no TPM, lockout, corrupted token) and then handled by the policy:
 * emergency (fail) or volatile (tmpfs at the mount point, loud warning).
 * Every function logs its own failures with the device name; callers only
 * map the result to an exit status.
 */
#pragma once

#include "config.h"
#include "lock.h"
#include "persist_svn.h"
#include "tpm2.h"
#include "util.h"

/* What the partition is, before anything is written (provision_classify(),
 * provision.h, which has the state machine). */
enum persist_state {
	PERSIST_STATE_BLANK,	   /* nothing on the device: provision */
	PERSIST_STATE_RESTART,	   /* our marker, no token: crashed before the token; reformat */
	PERSIST_STATE_RESUME,	   /* our marker and a token: unlock, then finish provisioning */
	PERSIST_STATE_PROVISIONED, /* a LUKS2 volume that is not being provisioned: unlock */
};

struct persist_options {
	const char *device;	 /* device node or image file */
	const char *tpm2_device; /* TCTI */
	uint32_t pcr_mask;	 /* PCRs to seal to (the lock PCR is always added),
				  * and the floor a token's selection must cover */
	bool require_srk_pin;	 /* unlock only with tokens that pin the SRK */
	/* Signed PCR policy: the image's PCR public key (PEM) and signature
	 * file.  When the key file exists, provisioning seals to
	 * PolicyAuthorize(key) over pubkey_pcr_mask plus pcr_mask by value, and
	 * every way out measures "leave-initrd" into PCR 11 (pcr_phase.h). */
	const char *pcr_pubkey;
	const char *pcr_signature;
	uint32_t pubkey_pcr_mask;
	int svn;	  /* the image's security version (sealroot.svn=), SVN_NONE */
	const char *name; /* dm-crypt name */
	const char *mount_point;
	enum unlock_failure_policy on_failure;
	enum recovery_mode recovery;
	usec_t recovery_timeout_usec; /* how long each recovery key prompt waits */
	bool enroll_recovery;
	const char *recovery_key_output; /* NULL: /dev/console (stdout as fallback) */
	bool activate;			 /* false: verify only (host tests, no dm) */
	bool mount;			 /* false: stop after activation */
	bool defer_mount;		 /* 'persist unlock': 'persist mount' mounts later, so the
					  * volatile fallback applies without mounting its tmpfs */
	bool provision_only;		 /* 'persist provision': refuse a provisioned device */
};

enum persist_action {
	PERSIST_ACTION_FAILED,
	PERSIST_ACTION_PROVISIONED,
	PERSIST_ACTION_UNLOCKED,
	PERSIST_ACTION_VOLATILE,
};

struct persist_result {
	enum persist_action action;
	uint32_t pcr_mask;	  /* PCR selection of the TPM2 token used (0: none) */
	const char *token_type;	  /* "systemd-tpm2", "recovery" or NULL */
	struct lock_record lock;  /* what went into the lock PCR */
	uint32_t pubkey_pcr_mask; /* signed PCRs of the TPM2 token used (0: PCR policy) */
	char pcr_key_fp[2 * TPM2_SHA256_SIZE + 1]; /* its key's fingerprint, hex */
	const char *phase;			   /* PCR 11: "left", "already left", NULL */
	struct svn_state svn;			   /* anti-rollback: image SVN, TPM minimum */
};

const char *persist_action_to_string(enum persist_action a);

/* Returns 0 when the partition (or, under the volatile policy, a tmpfs) is in
 * place; negative errno otherwise. */
int persist_open(const struct persist_options *o, struct persist_result *ret);
/* persist_open() of a device the caller classified already: CLASSIFIED is
 * what provision_classify(o->device, &STATE) returned (a failure it logged
 * is handled as persist_open() handles it: policy, lock).  'persist unlock'
 * classifies first to decide whether to defer, and must not read and log
 * the device twice.  PRESTARTED (may be NULL) is a TPM2 context from
 * tpm2_prestart() for o->tpm2_device, owned from here on: used in place of a
 * new connection to unseal a provisioned volume, freed before anything else. */
int persist_open_classified(const struct persist_options *o, struct tpm2_context *prestarted,
			    int classified, enum persist_state state, struct persist_result *ret);
/* After a failure ERROR: extend the lock PCR (through TPM, or a new
 * connection when NULL) with "volatile" when the volatile policy applies (and
 * we mount), else with "failure:persist".  Then, under the volatile policy,
 * put an empty tmpfs at the mount point, warn loudly and return 0 with action
 * "volatile"; otherwise, or when the extend failed, return ERROR. */
int persist_apply_failure_policy(const struct persist_options *o, struct tpm2_context *tpm,
				 struct persist_result *res, int error);
/* 0 when this TPM unseals a token of DEVICE and the secret opens its keyslot;
 * -EPERM/-ENXIO/... with the reason logged otherwise.  Nothing is modified. */
int persist_check(const char *device, const char *tpm2_device, const char *pcr_signature);
/* Expected PCR values given by the user (--pcr-value N=HEX) for a reseal. */
struct pcr_value_overrides {
	uint32_t mask;
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE];
};

/* What a reseal seals to and how it is authorised. */
struct reseal_options {
	uint32_t pcr_mask; /* PCRs bound by value (the lock PCR is added) */
	const struct pcr_value_overrides *overrides; /* may be NULL */
	const char *recovery_key_file;		     /* NULL: the current TPM token */
	const char *pcr_key;			     /* PEM: seal to a signed policy of this key */
	uint32_t pubkey_pcr_mask;		     /* its signed PCRs (default 11) */
	const char *pcr_signature; /* signatures for authorising with a signed token */
	bool svn_unbind;	   /* do not keep the old token's anti-rollback binding */
};

/* New secret sealed to PCR_MASK (+ lock PCR) — after PolicyAuthorize of
 * PCR_KEY over PUBKEY_PCR_MASK when PCR_KEY is set — new keyslot and token,
 * then the old TPM token(s) and keyslot(s) removed.  Authorised by the
 * recovery key in RECOVERY_KEY_FILE, or by the current TPM token when that is
 * NULL.  A token bound to the anti-rollback index (persist_svn.h) is
 * replaced by one bound to the same index, unless SVN_UNBIND.
 *
 * Works on the booted system: the policy binds the PCRs in PCR_MASK to their
 * current values, except those in OVERRIDES (may be NULL), and the lock PCR to
 * its value at boot before sealroot extended it — the value recorded in an
 * existing systemd-tpm2 token's "sealroot-pcr-values", else the reset value
 * (all zeros; no boot component before sealroot extends PCR 15). */
int persist_reseal(const char *device, const char *tpm2_device, const struct reseal_options *ro);
