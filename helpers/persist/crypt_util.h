/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crypt_util.h — what every user of libcryptsetup shares: the cleanup
 * attribute for a struct crypt_device (luks.c, verity.c, persist_*.c,
 * provision.c).
 */
#pragma once

#include <libcryptsetup.h>

#include "util.h"

static inline void crypt_freep(struct crypt_device **cd)
{
	if (*cd)
		crypt_free(*cd);
	*cd = NULL;
}
#define _cleanup_crypt_ _cleanup_(crypt_freep)
