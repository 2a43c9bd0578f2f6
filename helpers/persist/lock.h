/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lock.h — the lock PCR (SEALROOT_TPM2_LOCK_PCR, 15, SHA-256 bank): what
 * sealroot measures into it on every way out of the persistent-partition
 * step, and closing the decrypted volume when the boot does not go on.
 *
 * Every policy sealroot seals to includes PCR 15 at its boot value (zero), so
 * one extend, of anything, makes the sealed secret unusable until the next
 * boot.  What is extended says how the step ended (docs/tpm2-luks.md, "PCR
 * 15: the lock"):
 *
 *   volume        HMAC-SHA256(key = the LUKS volume key,
 *                   message = "cryptsetup:" NAME ":" UUID), extended as is —
 *                 the value systemd-cryptsetup's tpm2-measure-pcr=yes (systemd
 *                 253 and later) extends for the same volume.  NAME is the dm
 *                 name with bytes below 0x20, from 0x7f, '\' and ':' written
 *                 as \xNN (lowercase hex); UUID is the LUKS2 header's UUID.
 *   EVENT         SHA-256("sealroot:" EVENT) for every other outcome:
 *                 "provisioned", "recovery-key", "volatile",
 *                 "failure:keyslot" (a token unsealed but its keyslot refused
 *                 the secret), "failure:persist", "failure:<reason>" from
 *                 `sealroot lock --reason` (default "emergency") and the
 *                 in-process lock of a failed stage ("verity", "persist",
 *                 "layout").
 *
 * Order per outcome of `sealroot persist open` (each row is one run):
 *   TPM unlock          volume
 *   provisioning        volume, provisioned
 *   recovery key        volume, recovery-key
 *   volatile            [volume,] volatile
 *   any failure         [volume,] [failure:keyslot,] failure:persist
 * so after a normal boot PCR 15 = SHA-256(0^32 || volume), what
 * systemd-cryptsetup would leave.  A failing extend is an error: callers
 * stop and close the volume (fail closed).
 */
#pragma once

#include <libcryptsetup.h>

#include "report.h"
#include "tpm2.h"

#define LOCK_EVENT_PREFIX "sealroot:"
#define LOCK_VOLUME_PREFIX "cryptsetup:"
/* `sealroot lock --reason WORD`: [a-z0-9-]{1,LOCK_REASON_MAX}. */
#define LOCK_REASON_MAX 32
#define LOCK_REASON_DEFAULT "emergency"

/* What one process measured into the lock PCR, for the report. */
struct lock_record {
	char measured[192]; /* "volume,provisioned" (comma-separated) */
	bool extended;	    /* at least one extend succeeded */
	bool value_known;   /* value holds the PCR read back after the last extend */
	uint8_t value[TPM2_SHA256_SIZE];
};

/* "cryptsetup:" NAME-escaped ":" UUID (UUID may be NULL: empty). */
int lock_volume_message(const char *name, const char *uuid, char **ret);
/* HMAC-SHA256 of lock_volume_message() keyed with KEY. */
int lock_volume_digest(const void *key, size_t key_size, const char *name, const char *uuid,
		       uint8_t ret[TPM2_SHA256_SIZE]);
/* SHA-256("sealroot:" EVENT).  -EINVAL unless EVENT is [a-z0-9:-]{1,64}. */
int lock_event_digest(const char *event, uint8_t ret[TPM2_SHA256_SIZE]);
/* WORD is a valid `sealroot lock --reason`. */
bool lock_reason_valid(const char *word);

/* Extend the lock PCR with the volume measurement of CD's volume named NAME
 * (VOLUME_KEY: its key).  Logs failures; adds "volume" to REC (may be NULL). */
int lock_measure_volume(struct tpm2_context *tpm, struct crypt_device *cd, const char *name,
			const void *volume_key, size_t key_size, struct lock_record *rec);
/* Extend the lock PCR with SHA-256("sealroot:" EVENT); adds EVENT to REC. */
int lock_measure_event(struct tpm2_context *tpm, const char *event, struct lock_record *rec);

/* Close /dev/mapper/NAME: detach every mount of it (deepest first), then
 * remove the mapping with CRYPT_DEACTIVATE_FORCE (the kernel drops the key
 * even while something holds the device).  1: a mapping was closed, 0: there
 * was none, negative errno: it is still there (logged). */
int lock_close_volume(const char *name);

/* Mount points of device MAJOR:MINOR in MOUNTINFO (/proc/self/mountinfo
 * text), unescaped, deepest first (then the latest mounted first), as a
 * NULL-terminated array in *ret (free with lock_strv_free).  Exposed for unit
 * tests. */
int lock_mounts_of(const char *mountinfo, unsigned major, unsigned minor, char ***ret);
void lock_strv_free(char **v);

/* Add REC's fields to a report stage: "lock_measured", "pcr15". */
void lock_record_report(const struct lock_record *rec, struct report_stage *stage);
