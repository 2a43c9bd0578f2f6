/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2_prestart.h — the unlock's TPM2 start-up, done while it still waits
 * for its partition: connect, create the ECC storage primary (the template of
 * tpm2.h) and start one policy session salted with it, so that the unseal
 * after the partition appeared no longer waits for them.
 *
 * Nothing here decides anything or logs above debug level: when a step
 * fails, everything done so far is undone and the caller goes on exactly as
 * without a pre-start (it connects later, with its own messages).  A library
 * that fails to load still says so once (dl_tss2.h), as the warm-up does.
 *
 * The context returned is an ordinary one (tpm2.h) that also holds the
 * primary and the session.  The first tpm2_unseal_signed() of a token whose
 * primary is ECC takes both, checks the primary against the token's pin
 * (sealroot-srk-name) before anything is loaded under it or sent in the
 * session, and uses the session for its first attempt only; a token with
 * another primary has them flushed.  Any other use of the context leaves
 * them alone.  tpm2_prestart_drop() and tpm2_context_free() flush what was
 * not taken.
 *
 * Security: the session's salt is encrypted to a primary nobody has checked
 * yet.  An interposer that answered CreatePrimary with a key of its own knows
 * that session's key, which would expose whatever the session carries; it
 * carries nothing until tpm2_unseal_signed() has compared the name of that
 * same primary with the pin, and a mismatch flushes it unused (-EREMCHG).
 */
#pragma once

struct tpm2_context;

/* Connect through TCTI (as tpm2_context_new()), create the ECC primary and
 * start the session: 0 with *RET set, or a negative errno with *RET NULL
 * and nothing left on the TPM (logged at debug level only). */
int tpm2_prestart(const char *tcti, struct tpm2_context **ret);

/* Flush the pre-started primary and session of C unless taken; C stays
 * usable.  C may be NULL. */
void tpm2_prestart_drop(struct tpm2_context *c);
