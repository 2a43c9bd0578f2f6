// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for tpm2.c: TPM return codes map to the errnos tpm2.h promises,
 * and the API refuses bad arguments before touching a TPM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <tss2/tss2_common.h>
#include <tss2/tss2_tpm2_types.h>

#include "tpm2.h"

static void test_tpm2_rc_success_is_zero(void **state)
{
	(void)state;
	assert_int_equal(tpm2_rc_to_errno(TSS2_RC_SUCCESS), 0);
}

static void test_tpm2_rc_policy_fail_is_eperm(void **state)
{
	(void)state;
	assert_int_equal(tpm2_rc_to_errno(TPM2_RC_POLICY_FAIL), -EPERM);
	/* With a session number (session 1: 0x100) as the TPM returns it. */
	assert_int_equal(tpm2_rc_to_errno(TPM2_RC_POLICY_FAIL | TPM2_RC_S | TPM2_RC_1), -EPERM);
	assert_int_equal(tpm2_rc_to_errno(0x99d), -EPERM);
	assert_int_equal(tpm2_rc_to_errno(TPM2_RC_PCR_CHANGED), -EPERM);
	assert_int_equal(tpm2_rc_to_errno(0x98e), -EPERM); /* AUTH_FAIL, session 1 */
}

static void test_tpm2_rc_lockout_is_enolck(void **state)
{
	(void)state;
	assert_int_equal(tpm2_rc_to_errno(TPM2_RC_LOCKOUT), -ENOLCK);
	assert_int_equal(tpm2_rc_to_errno(0x921), -ENOLCK);
	/* The same code relayed by a resource manager layer. */
	assert_int_equal(tpm2_rc_to_errno(TSS2_RESMGR_TPM_RC_LAYER | TPM2_RC_LOCKOUT), -ENOLCK);
}

static void test_tpm2_rc_tcti_failure_is_enxio(void **state)
{
	(void)state;
	assert_int_equal(tpm2_rc_to_errno(TSS2_TCTI_RC_IO_ERROR), -ENXIO);
	assert_int_equal(tpm2_rc_to_errno(TSS2_TCTI_RC_NO_CONNECTION), -ENXIO);
	assert_int_equal(tpm2_rc_to_errno((TSS2_ESAPI_RC_LAYER | TSS2_BASE_RC_NO_CONNECTION)),
			 -ENXIO);
}

static void test_tpm2_rc_bad_blob_is_ebadmsg(void **state)
{
	(void)state;
	assert_int_equal(tpm2_rc_to_errno(TSS2_MU_RC_INSUFFICIENT_BUFFER), -EBADMSG);
	assert_int_equal(tpm2_rc_to_errno(TPM2_RC_INTEGRITY | TPM2_RC_P | TPM2_RC_1), -EBADMSG);
}

static void test_tpm2_rc_other_is_eio(void **state)
{
	(void)state;
	assert_int_equal(tpm2_rc_to_errno(TPM2_RC_FAILURE), -EIO);
	assert_int_equal(tpm2_rc_to_errno(TPM2_RC_OBJECT_MEMORY), -EIO);
	assert_int_equal(tpm2_rc_to_errno(TSS2_ESYS_RC_BAD_REFERENCE), -EIO);
	assert_int_equal(tpm2_rc_to_errno(TSS2_FEATURE_RC_LAYER | 1), -EIO);
}

static void test_tpm2_api_refuses_null_arguments(void **state)
{
	struct tpm2_context *c = NULL;
	struct tpm2_sealed s = {};
	struct secret out = {};

	(void)state;
	assert_int_equal(tpm2_context_new(NULL, &c), -EINVAL);
	assert_null(c);
	assert_int_equal(tpm2_seal(NULL, 1u << 7, &out, &s), -EINVAL);
	assert_int_equal(tpm2_unseal(NULL, &s, &out), -EINVAL);
	assert_int_equal(tpm2_get_random(NULL, NULL, 0), -EINVAL);
	tpm2_context_free(NULL);
	tpm2_sealed_done(NULL);
	tpm2_sealed_done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tpm2_rc_success_is_zero),
	    cmocka_unit_test(test_tpm2_rc_policy_fail_is_eperm),
	    cmocka_unit_test(test_tpm2_rc_lockout_is_enolck),
	    cmocka_unit_test(test_tpm2_rc_tcti_failure_is_enxio),
	    cmocka_unit_test(test_tpm2_rc_bad_blob_is_ebadmsg),
	    cmocka_unit_test(test_tpm2_rc_other_is_eio),
	    cmocka_unit_test(test_tpm2_api_refuses_null_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
