// SPDX-License-Identifier: GPL-2.0-or-later
#include <pthread.h>

#include "dl_tss2.h"
#include "util.h"

DL_TSS2_ESYS_SYMBOLS(DLOPEN_SYM_DEFINE)
DL_TSS2_SYS_SYMBOLS(DLOPEN_SYM_DEFINE)
DL_TSS2_MU_SYMBOLS(DLOPEN_SYM_DEFINE)
DL_TSS2_RC_SYMBOLS(DLOPEN_SYM_DEFINE)
DL_TSS2_TCTILDR_SYMBOLS(DLOPEN_SYM_DEFINE)

#define PURPOSE "the TPM2 seal and unseal (tpm2-tss)"

static int load_result;

static void load_once(void)
{
	static const struct dlopen_sym esys[] = { DL_TSS2_ESYS_SYMBOLS(DLOPEN_SYM_ENTRY) };
	static const struct dlopen_sym sys[] = { DL_TSS2_SYS_SYMBOLS(DLOPEN_SYM_ENTRY) };
	static const struct dlopen_sym mu[] = { DL_TSS2_MU_SYMBOLS(DLOPEN_SYM_ENTRY) };
	static const struct dlopen_sym rc[] = { DL_TSS2_RC_SYMBOLS(DLOPEN_SYM_ENTRY) };
	static const struct dlopen_sym tctildr[] = { DL_TSS2_TCTILDR_SYMBOLS(DLOPEN_SYM_ENTRY) };
	int r;

	r = dlopen_lib_load("libtss2-esys.so.0", PURPOSE, esys, ELEMENTSOF(esys));
	if (r == 0)
		r = dlopen_lib_load("libtss2-sys.so.1", PURPOSE, sys, ELEMENTSOF(sys));
	if (r == 0)
		r = dlopen_lib_load("libtss2-mu.so.0", PURPOSE, mu, ELEMENTSOF(mu));
	if (r == 0)
		r = dlopen_lib_load("libtss2-rc.so.0", PURPOSE, rc, ELEMENTSOF(rc));
	if (r == 0)
		r = dlopen_lib_load("libtss2-tctildr.so.0", PURPOSE, tctildr, ELEMENTSOF(tctildr));
	load_result = r;
}

int dl_tss2_load(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, load_once);
	return load_result;
}
