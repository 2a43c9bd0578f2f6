// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include "dlopen_lib.h"
#include "log.h"
#include "util.h"

#define TEST_MISSING_SUFFIX ".sealroot-test-missing"

/* In test builds, the name to ask the loader for: NAME made absent on request. */
static const char *lookup_name(const char *name, char *buf, size_t size)
{
#ifdef SEALROOT_TEST_HOOKS
	const char *missing = getenv("SEALROOT_TEST_DLOPEN_MISSING");

	if (missing && streq(missing, name) &&
	    snprintf(buf, size, "%s%s", name, TEST_MISSING_SUFFIX) < (int)size)
		return buf;
#else
	(void)buf;
	(void)size;
#endif
	return name;
}

static void clear_table(const struct dlopen_sym *syms, size_t n_syms)
{
	for (size_t i = 0; i < n_syms; i++)
		*syms[i].ptr = NULL;
}

int dlopen_lib_load(const char *soname, const char *purpose, const struct dlopen_sym *syms,
		    size_t n_syms)
{
	char buf[256];
	void *handle;

	/* On success the handle is kept: the symbols stay valid until the
	 * process exits. */
	handle = dlopen(lookup_name(soname, buf, sizeof(buf)), RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *err = dlerror();

		return log_error_errno(
		    -ENOPKG,
		    "Cannot load %s, needed for %s: %s. Install the package that "
		    "ships it; in the initramfs, rebuild it with the sealroot "
		    "dracut module (it installs the library).",
		    soname, purpose, err ? err : "unknown error");
	}

	for (size_t i = 0; i < n_syms; i++) {
		*syms[i].ptr = dlsym(handle, lookup_name(syms[i].name, buf, sizeof(buf)));
		if (!*syms[i].ptr) {
			clear_table(syms, n_syms);
			(void)dlclose(handle);
			return log_error_errno(
			    -ENOSYS,
			    "%s has no symbol %s, needed for %s: the installed "
			    "library is too old or not the one sealroot was built "
			    "against; install the version sealroot was built with.",
			    soname, syms[i].name, purpose);
		}
	}
	return 0;
}
