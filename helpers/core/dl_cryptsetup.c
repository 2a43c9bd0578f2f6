// SPDX-License-Identifier: GPL-2.0-or-later
#include "dl_cryptsetup.h"
#include "util.h"

DL_CRYPTSETUP_SYMBOLS(DLOPEN_SYM_DEFINE)

int dl_cryptsetup_load(void)
{
	static const struct dlopen_sym syms[] = { DL_CRYPTSETUP_SYMBOLS(DLOPEN_SYM_ENTRY) };
	static int result = 1; /* 1: not tried yet; then the first attempt's result */

	if (result > 0) {
		result =
		    dlopen_lib_load("libcryptsetup.so.12", "dm-verity and LUKS2 (libcryptsetup)",
				    syms, ELEMENTSOF(syms));
		if (result == 0)
			crypt_token_external_disable();
	}
	return result;
}
