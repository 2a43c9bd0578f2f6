// SPDX-License-Identifier: GPL-2.0-or-later
/* tpm2_prestart.c — the unlock's TPM2 primary and policy session, started
 * before its partition appears; see tpm2_prestart.h. */
#include "tpm2_prestart.h"

#include "log.h"
#include "tpm2_private.h"

int tpm2_prestart(const char *tcti, struct tpm2_context **ret)
{
	_cleanup_tpm2_ struct tpm2_context *c = NULL;
	int r;

	*ret = NULL;
	r = tpm2_context_new(tcti, &c);
	if (r >= 0)
		r = tpm2_create_primary(c, TPM2_ALG_ECC, &c->pre_primary);
	if (r >= 0)
		r = tpm2_start_salted_session(c, c->pre_primary, TPM2_SE_POLICY, &c->pre_session);
	if (r < 0)
		return log_debug_errno(r,
				       "TPM2 pre-start through \"%s\" failed (%m); the unlock "
				       "connects when it needs the TPM.",
				       tcti);
	*ret = TAKE_PTR(c);
	return 0;
}

void tpm2_prestart_drop(struct tpm2_context *c)
{
	if (!c)
		return;
	tpm2_flush(c, &c->pre_session);
	tpm2_flush(c, &c->pre_primary);
}

void tpm2_prestart_take(struct tpm2_context *c, uint16_t alg, ESYS_TR *ret_primary,
			ESYS_TR *ret_session)
{
	*ret_primary = *ret_session = ESYS_TR_NONE;
	if (alg != 0 && alg != TPM2_ALG_ECC) {
		tpm2_prestart_drop(c);
		return;
	}
	*ret_primary = c->pre_primary;
	*ret_session = c->pre_session;
	c->pre_primary = c->pre_session = ESYS_TR_NONE;
}
