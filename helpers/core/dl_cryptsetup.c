// SPDX-License-Identifier: GPL-2.0-or-later
#include <pthread.h>

#include "dl_cryptsetup.h"
#include "util.h"

DL_CRYPTSETUP_SYMBOLS(DLOPEN_SYM_DEFINE)

static int load_result;

static void load_once(void)
{
	static const struct dlopen_sym syms[] = { DL_CRYPTSETUP_SYMBOLS(DLOPEN_SYM_ENTRY) };

	load_result = dlopen_lib_load("libcryptsetup.so.12", "dm-verity and LUKS2 (libcryptsetup)",
				      syms, ELEMENTSOF(syms));
	if (load_result == 0)
		crypt_token_external_disable();
}

int dl_cryptsetup_load(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, load_once);
	return load_result;
}
