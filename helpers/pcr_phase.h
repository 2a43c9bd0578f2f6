/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcr_phase.h — leave the initrd boot phase in PCR 11, as systemd-pcrphase
 * (252) does when the initramfs ends: extend the SHA-256 bank of PCR 11 with
 * SHA-256 of the ASCII word "leave-initrd" (no NUL, no newline).
 *
 * A signed PCR 11 policy is signed for the phase "enter-initrd" (the stub's
 * measurements of the UKI, then that word); after this extend PCR 11 holds a
 * value no such signature approves, so the booted system cannot unseal the
 * key again, with or without the lock PCR in the token.
 *
 * Once per boot: a marker file (SEALROOT_RUN_DIR "/pcr11-left-initrd", or
 * $SEALROOT_PHASE_MARKER) records that this boot already measured it, so
 * the second caller (a failure path after a successful unlock, `sealroot
 * lock` after `persist open`) does not extend again.
 */
#pragma once

#include "tpm2.h"

#define PCR_PHASE_PCR 11
#define PCR_PHASE_LEAVE_INITRD "leave-initrd"

/* 1 extended now, 0 this boot already did, negative errno (logged): the
 * extend failed — the caller must not go on (fail closed). */
int pcr_phase_leave_initrd(struct tpm2_context *tpm);
