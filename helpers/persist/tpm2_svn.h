/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2_svn.h — the TPM2 NV index that holds the minimum security version
 * (SVN) an image needs to unseal the persistent partition's key.
 *
 * The index: handle TPM2_SVN_NV_INDEX (owner range), nameAlg SHA-256,
 * 8 bytes of type TPM_NT_BITS, so its value can only gain bits
 * (TPM2_NV_SetBits ORs them in; nothing clears a bit short of undefining
 * the index).  The minimum M is the highest set bit + 1 (svn.h); raising it
 * is one NV_SetBits, atomic in the TPM.  Attributes, and only these
 * (TPM2_SVN_NV_ATTRIBUTES):
 *   POLICYWRITE  writing needs the authPolicy below, nothing else
 *                (no AUTHWRITE/OWNERWRITE/PPWRITE);
 *   AUTHREAD     anyone reads it with the empty authValue (the minimum is
 *                not secret, and PolicyNV in the key's policy reads it);
 *   NO_DA        failed authorizations of a public, empty authValue
 *                protect nothing; they must not count towards the lockout
 *                that guards the rest of the TPM;
 *   not ORDERLY  every SetBits reaches NV before the command returns;
 *   not CLEAR_STCLEAR, not PLATFORMCREATE, not POLICY_DELETE (the owner
 *                defines it; with an empty owner auth the owner can also
 *                undefine it, see below).
 * authPolicy A = PolicyOR(W, NONCE): W = PolicyCommandCode(NV_SetBits) then
 * PolicyPCR(SHA-256 PCR 15 = all zero), so only code that runs before
 * sealroot's lock can raise it, and only with SetBits; NONCE is 32 secret
 * bytes derived from the volume key (svn.h).  Whoever does not know NONCE
 * cannot build PolicyOR's list, so cannot write the index even from another
 * OS where PCR 15 is zero too; the index's name depends on A, so it is
 * unique to the volume.  The name of the written index is bound into the
 * sealed object's policy (tpm2_svn_policy_update) and A is kept in the
 * LUKS2 token.  With an empty owner auth anyone can undefine the index and
 * define one with the same A, but nobody can write that one: the sealed key
 * no longer unseals (PolicyNV on an unwritten index fails), and sealroot
 * refuses it before asking — a denial of service, not a rollback.
 *
 * Errors (negative errno, as tpm2.h): -ENOENT no index at the handle,
 * -ENODATA the index exists but was never written, -EBADE the index at the
 * handle is not this one (other attributes, size, policy or nonce: defined
 * by someone else), -EEXIST (define) the handle is taken, -EPERM the write
 * policy is not satisfied (PCR 15 extended), -ERANGE bits out of range.
 * Nothing is logged above debug level; callers log once.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "tpm2.h"

#define TPM2_SVN_NV_INDEX UINT32_C(0x01805356) /* "SV" in the owner's range */
#define TPM2_SVN_NV_SIZE 8
#define TPM2_SVN_NONCE_SIZE TPM2_SHA256_SIZE
/* The bit PolicyNV in the key's policy requires CLEAR: the minimum is
 * below 64 (svn.h: 64 retires every image). */
#define TPM2_SVN_POLICY_BIT 63

/* The write branch W of the authPolicy, computed in software. */
int tpm2_svn_write_policy(uint8_t ret[TPM2_SHA256_SIZE]);
/* The authPolicy A = PolicyOR(W, NONCE), computed in software. */
int tpm2_svn_auth_policy(const uint8_t nonce[TPM2_SVN_NONCE_SIZE], uint8_t ret[TPM2_SHA256_SIZE]);
/* The index's name for AUTH_POLICY, written (TPMA_NV_WRITTEN set) or not,
 * computed in software: nameAlg || SHA-256(TPMS_NV_PUBLIC). */
int tpm2_svn_nv_name(const uint8_t auth_policy[TPM2_SHA256_SIZE], bool written,
		     uint8_t ret[TPM2_NAME_SHA256_SIZE]);
/* policyDigest' = PolicyNV(written index with AUTH_POLICY, offset 0,
 * operandB = bit TPM2_SVN_POLICY_BIT, TPM_EO_BITCLEAR) applied to START. */
int tpm2_svn_policy_update(const uint8_t start[TPM2_SHA256_SIZE],
			   const uint8_t auth_policy[TPM2_SHA256_SIZE],
			   uint8_t ret[TPM2_SHA256_SIZE]);

/* Define the index with AUTH_POLICY with owner authorization (empty owner
 * auth).  Unwritten afterwards. */
int tpm2_svn_nv_define(struct tpm2_context *c, const uint8_t auth_policy[TPM2_SHA256_SIZE]);
/* Undefine whatever index is at the handle (owner authorization); 0 when
 * there is none.  Only for provisioning a blank volume. */
int tpm2_svn_nv_undefine(struct tpm2_context *c);
/* Check that the index at the handle is the one with AUTH_POLICY (its public
 * area and the name the TPM reports equal what sealroot computes) and read
 * its bits.  AUTH_POLICY NULL: accept any policy, everything else must match
 * (for status output only, never for a decision). */
int tpm2_svn_nv_read(struct tpm2_context *c, const uint8_t auth_policy[TPM2_SHA256_SIZE],
		     uint64_t *ret_bits);
/* OR BITS into the index of NONCE (checked as in tpm2_svn_nv_read first),
 * authorized by the write branch in a policy session. */
int tpm2_svn_nv_set_bits(struct tpm2_context *c, const uint8_t nonce[TPM2_SVN_NONCE_SIZE],
			 uint64_t bits);
/* The name the TPM reports for the index at the handle (for tests). */
int tpm2_svn_nv_tpm_name(struct tpm2_context *c, uint8_t ret[TPM2_NAME_SHA256_SIZE]);

/* In policy (or trial) SESSION: PolicyNV as tpm2_svn_policy_update()
 * describes, after checking the index is the written one with AUTH_POLICY.
 * -EKEYEXPIRED: the TPM refused, bit TPM2_SVN_POLICY_BIT is set. */
int tpm2_svn_policy_nv(struct tpm2_context *c, uint32_t session,
		       const uint8_t auth_policy[TPM2_SHA256_SIZE]);
