// SPDX-License-Identifier: GPL-2.0-or-later
#include "dl_crypto.h"
#include "util.h"

DL_CRYPTO_SYMBOLS(DLOPEN_SYM_DEFINE)

int dl_crypto_load(void)
{
	static const struct dlopen_sym syms[] = { DL_CRYPTO_SYMBOLS(DLOPEN_SYM_ENTRY) };
	static int result = 1; /* 1: not tried yet; then the first attempt's result */

	if (result > 0)
		result =
		    dlopen_lib_load("libcrypto.so.3", "digests and signature checks (libcrypto)",
				    syms, ELEMENTSOF(syms));
	return result;
}
