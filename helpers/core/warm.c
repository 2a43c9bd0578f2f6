// SPDX-License-Identifier: GPL-2.0-or-later
/* warm.c — the crypto libraries' start-up before the disk, see warm.h. */
#include <errno.h>

#include "dl_crypto.h"
#include "dl_cryptsetup.h"
#include "warm.h"

int crypto_libs_load(void)
{
	int r = dl_cryptsetup_load();

	if (r < 0)
		return r;
	return dl_crypto_load();
}

int crypto_legacy_names_off(void)
{
	int r = crypto_libs_load();

	if (r < 0)
		return r;
	/* The first of the "add all" and the "add none" initialisations to
	 * run is the one that holds for the life of the process. */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS,
				NULL) != 1)
		return -ENOMEM;
	if (OBJ_NAME_get(SN_sha256, OBJ_NAME_TYPE_MD_METH))
		return -EALREADY;
	return 0;
}

int crypto_warm_up(void)
{
	/* Kept for the life of the process, as the library it comes from. */
	static EVP_MD *sha256;
	int r = crypto_libs_load();

	if (r < 0)
		return r;
	if (!sha256) {
		/* OpenSSL initialises itself as it would at the stage's first
		 * fetch (configuration included), only earlier. */
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (!sha256)
			return -ENOMEM;
	}
	return 0;
}
