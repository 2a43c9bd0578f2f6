// SPDX-License-Identifier: GPL-2.0-or-later
#include <pthread.h>

#include "dl_crypto.h"
#include "util.h"

DL_CRYPTO_SYMBOLS(DLOPEN_SYM_DEFINE)

static int load_result;

static void load_once(void)
{
	static const struct dlopen_sym syms[] = { DL_CRYPTO_SYMBOLS(DLOPEN_SYM_ENTRY) };

	load_result = dlopen_lib_load("libcrypto.so.3", "digests and signature checks (libcrypto)",
				      syms, ELEMENTSOF(syms));
}

int dl_crypto_load(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, load_once);
	return load_result;
}
