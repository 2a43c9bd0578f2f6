/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h — struct sealroot_config: everything the kernel command line can
 * say to sealroot, filled once by kcmdline.c and read by every step.
 *
 * Device specifications ("PARTUUID=…", "PARTLABEL=…", "UUID=…", "LABEL=…" or
 * "/dev/…") are kept as strings here and resolved by discover.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define SEALROOT_DEFAULT_SYSROOT "/sysroot"
#define SEALROOT_DEFAULT_VERITY_NAME "root"
#define SEALROOT_DEFAULT_PERSIST_SPEC "PARTLABEL=sealroot-persist"
#define SEALROOT_DEFAULT_PERSIST_NAME "sealroot-persist"
#define SEALROOT_DEFAULT_TPM2_DEVICE "device:/dev/tpmrm0"
#define SEALROOT_DEFAULT_TPM2_PCRS (UINT32_C(1) << 7)
/* Where the systemd stub (252) puts the UKI's .pcrpkey and .pcrsig sections
 * in the initramfs. */
#define SEALROOT_DEFAULT_TPM2_PCR_PUBKEY "/.extra/tpm2-pcr-public-key.pem"
#define SEALROOT_DEFAULT_TPM2_PCR_SIGNATURE "/.extra/tpm2-pcr-signature.json"
/* The PCRs a signed policy covers by default: 11, the UKI and boot phase. */
#define SEALROOT_DEFAULT_TPM2_PUBKEY_PCRS (UINT32_C(1) << 11)
#define SEALROOT_DEFAULT_DEVICE_TIMEOUT_USEC (30 * USEC_PER_SEC)
#define SEALROOT_DEFAULT_RECOVERY_TIMEOUT_USEC (120 * USEC_PER_SEC)
/* Relative to the verified root: where the image ships its layout. */
#define SEALROOT_DEFAULT_LAYOUT_PATH "/etc/sealroot/layout.env"
#define SEALROOT_RUN_DIR "/run/sealroot"
#define SEALROOT_REPORT_PATH SEALROOT_RUN_DIR "/report.json"

#define SEALROOT_ROOT_HASH_MAX 64 /* sha512 */

enum verity_corruption_policy {
	VERITY_ON_CORRUPTION_RESTART = 0, /* default */
	VERITY_ON_CORRUPTION_PANIC,
	VERITY_ON_CORRUPTION_IGNORE,
	VERITY_ON_CORRUPTION_EIO, /* plain I/O error, no policy flag */
};

enum unlock_failure_policy {
	UNLOCK_FAILURE_EMERGENCY = 0, /* default */
	UNLOCK_FAILURE_VOLATILE,
};

enum recovery_mode {
	RECOVERY_NONE = 0, /* default: never prompt */
	RECOVERY_ASK,
};

struct verity_config {
	uint8_t root_hash[SEALROOT_ROOT_HASH_MAX];
	size_t root_hash_size; /* 0: not given */
	char *data_spec;       /* systemd.verity_root_data= */
	char *hash_spec;       /* systemd.verity_root_hash= */
	uint64_t hash_offset;  /* bytes */
	char *fec_spec;
	uint64_t fec_offset; /* bytes */
	unsigned fec_roots;  /* 0: default (2) when fec_spec is set */
	char *root_hash_sig; /* "base64:…" or an absolute path */
	char *sig_eku;	     /* sealroot.verity_sig_eku=, NULL: code signing */
	enum verity_corruption_policy on_corruption;
	bool check_at_most_once;
	char *name; /* dm name, default "root" */
};

struct persist_config {
	char *spec;		    /* sealroot.persist=, default SEALROOT_DEFAULT_PERSIST_SPEC */
	uint32_t tpm2_pcr_mask;	    /* sealroot.tpm2_pcrs=, default PCR 7 */
	char *tpm2_device;	    /* sealroot.tpm2_device=, a TCTI string */
	bool tpm2_srk_pin_required; /* sealroot.tpm2_srk_pin=required */
	char *tpm2_pcr_pubkey;	    /* sealroot.tpm2_pcr_pubkey=, a PEM file */
	char *tpm2_pcr_signature;   /* sealroot.tpm2_pcr_signature=, a JSON file */
	uint32_t tpm2_pubkey_pcr_mask; /* sealroot.tpm2_pubkey_pcrs=, default PCR 11 */
	enum unlock_failure_policy on_unlock_failure;
	enum recovery_mode recovery;
	usec_t recovery_timeout_usec; /* sealroot.recovery_timeout=, > 0, default 120 s */
	bool recovery_key_enroll;     /* sealroot.recovery_key=1: enroll at provisioning */
	char *fault_inject;	      /* sealroot.fault_inject=STEP (test builds only) */
};

struct sealroot_config {
	struct verity_config verity;
	struct persist_config persist;
	char *root_spec;	    /* root= as given (may be NULL) */
	char *sysroot;		    /* where the root is mounted, default /sysroot */
	char *layout_path;	    /* sealroot.layout=, path inside the root */
	usec_t device_timeout_usec; /* sealroot.device_timeout= */
	bool debug;		    /* sealroot.debug */
};

/* Set every field to its documented default (allocates default strings). */
int sealroot_config_init(struct sealroot_config *c);
void sealroot_config_done(struct sealroot_config *c);
