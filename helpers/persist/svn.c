/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svn.c — security version rules: thermometer bits, parsing, trial boots;
 * see svn.h.
 */
#include "svn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

unsigned svn_minimum_from_bits(uint64_t bits)
{
	return bits == 0 ? 0 : 64u - (unsigned)__builtin_clzll(bits);
}

uint64_t svn_bits_for_minimum(unsigned m)
{
	if (m >= SVN_RETIRE_ALL)
		return UINT64_MAX;
	return (UINT64_C(1) << m) - 1;
}

int svn_parse(const char *s, unsigned *ret)
{
	unsigned v = 0;

	if (!s || !ret || *s == '\0' || strlen(s) > 2)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > SVN_MAX || (s[0] == '0' && s[1] != '\0'))
		return -EINVAL;
	*ret = v;
	return 0;
}

const char *svn_efivars_dir(void)
{
	const char *e = getenv("SEALROOT_EFIVARS");
	return e && *e ? e : SVN_EFIVARS_DIR;
}

int svn_boot_is_trial(const char *efivars)
{
	char path[PATH_MAX];
	struct stat st;

	if (!efivars)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/LoaderBootCountPath-" SVN_LOADER_GUID, efivars) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) == 0)
		return 1;
	if (errno != ENOENT)
		return -errno;
	/* No counter: but only trust that when the variables are readable. */
	if (stat(efivars, &st) < 0)
		return -errno;
	return 0;
}
