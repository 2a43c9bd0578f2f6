/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcr_phase.h — the initrd boot phase in PCR 11, measured the way
 * systemd-pcrphase (252) does: the SHA-256 bank of PCR 11 is extended with
 * SHA-256 of the ASCII word (no NUL, no newline), "enter-initrd" when the
 * initramfs starts, "leave-initrd" when it ends.
 *
 * A signed PCR 11 policy is signed for the phase "enter-initrd" (the stub's
 * measurements of the UKI, then that word).  sealroot
 *  - enters the phase before it unseals, unless this initramfs runs
 *    systemd-pcrphase-initrd.service (wanted by initrd.target), which
 *    measures it itself — a classic dracut initramfs has nobody else;
 *  - leaves it on every way out of the persistent-partition step, so the
 *    booted system cannot unseal the key again, with or without the lock
 *    PCR in the token.
 *
 * Each word at most once per boot: marker files in SEALROOT_RUN_DIR (or
 * $SEALROOT_PHASE_DIR) record what this boot measured; once the phase was
 * left it is never entered again.
 */
#pragma once

#include "tpm2.h"

#define PCR_PHASE_PCR 11
#define PCR_PHASE_ENTER_INITRD "enter-initrd"
#define PCR_PHASE_LEAVE_INITRD "leave-initrd"

/* 1 measured now, 0 nothing to do (already entered or left this boot, or
 * systemd-pcrphase does it), negative errno (logged): the extend failed. */
int pcr_phase_enter_initrd(struct tpm2_context *tpm);

/* 1 extended now, 0 this boot already did, negative errno (logged): the
 * extend failed — the caller must not go on (fail closed). */
int pcr_phase_leave_initrd(struct tpm2_context *tpm);
