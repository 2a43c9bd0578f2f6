/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svn.h — the rules of the security version (anti-rollback), without a TPM.
 *
 * An image's SVN is a number 0..SVN_MAX from its signed command line
 * (sealroot.svn=).  The TPM keeps the minimum M as a thermometer in an
 * NV_BITS index (tpm2_svn.h): bits 0..M-1 set.  An image may unseal iff its
 * SVN >= M.  Raising to N ORs in bits 0..N-1, so it can never lower M and a
 * power cut leaves the old or the new value.  M = 64 (every bit) retires
 * every image.
 *
 * A boot raises M to its own SVN only when it is not a trial: systemd-boot
 * sets the EFI variable LoaderBootCountPath only for an entry that still
 * has a boot counter (docs/ab-updates.md), and systemd-bless-boot removes
 * the counter when a boot is blessed; so the first boot of a blessed entry
 * is the first that raises.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define SVN_MAX 63
#define SVN_RETIRE_ALL 64
/* systemd-boot's vendor GUID for its Loader* variables. */
#define SVN_LOADER_GUID "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
#define SVN_EFIVARS_DIR "/sys/firmware/efi/efivars"

/* M from the index's bits: the highest set bit + 1 (0 for no bits).  A hole
 * below it (never written by sealroot) does not lower it. */
unsigned svn_minimum_from_bits(uint64_t bits);
/* The bits that make the minimum M (0..SVN_RETIRE_ALL): bits 0..M-1. */
uint64_t svn_bits_for_minimum(unsigned m);
/* "0".."63", decimal, nothing else: 0 or -EINVAL. */
int svn_parse(const char *s, unsigned *ret);
/* Whether IMAGE_SVN may unseal under MINIMUM. */
static inline bool svn_allowed(unsigned image_svn, unsigned minimum)
{
	return image_svn >= minimum;
}
/* Where systemd-boot's variables are read: SVN_EFIVARS_DIR, or the
 * environment variable SEALROOT_EFIVARS when set (tests). */
const char *svn_efivars_dir(void);
/* 1 when this boot is a trial (EFIVARS/LoaderBootCountPath-GUID exists),
 * 0 when not (no counter: blessed, or not started by systemd-boot's boot
 * counting), negative errno when the directory cannot be read. */
int svn_boot_is_trial(const char *efivars);
