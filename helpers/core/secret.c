// SPDX-License-Identifier: GPL-2.0-or-later
/* secret.c — key material out of core dumps, see secret.h. */
#include <sys/mman.h>
#include <sys/prctl.h>

#include "log.h"
#include "secret.h"

/* Each buffer is one mapping starting with this header; the list lets
 * secret_free() tell our buffers from malloc()ed ones by address alone. */
struct secret_map {
	struct secret_map *next;
	size_t map_size;
	bool locked;
	max_align_t data[]; /* the secret */
};

static struct secret_map *maps;

static bool test_env(const char *name)
{
#ifdef SEALROOT_TEST_HOOKS
	const char *v = getenv(name);
	return v && streq(v, "1");
#else
	(void)name;
	return false;
#endif
}

int secret_alloc(size_t size, struct secret *ret)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t map_size;
	struct secret_map *m;

	if (size == 0 || !ret)
		return -EINVAL;
	if (page <= 0)
		page = 4096;
	if (size > SIZE_MAX - sizeof(*m) - (size_t)page)
		return -ENOMEM;
	map_size = (sizeof(*m) + size + 1 + (size_t)page - 1) / (size_t)page * (size_t)page;

	m = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -ENOMEM;
	if (!test_env("SEALROOT_TEST_SECRETS_DUMPABLE") &&
	    madvise(m, map_size, MADV_DONTDUMP) < 0) {
		int r = -errno;
		(void)munmap(m, map_size);
		return r;
	}
	/* Both best effort: WIPEONFORK needs Linux 4.14, mlock a high enough
	 * RLIMIT_MEMLOCK or CAP_IPC_LOCK. */
	(void)madvise(m, map_size, MADV_WIPEONFORK);
	m->locked = mlock(m, map_size) == 0;
	m->map_size = map_size;
	m->next = maps;
	maps = m;
	*ret = (struct secret){ .data = (uint8_t *)m->data, .size = size };
	return 0;
}

int secret_dup(const void *data, size_t size, struct secret *ret)
{
	int r = secret_alloc(size, ret);
	if (r < 0)
		return r;
	memcpy(ret->data, data, size);
	return 0;
}

void secret_free(void *p)
{
	if (!p)
		return;
	for (struct secret_map **i = &maps; *i; i = &(*i)->next) {
		struct secret_map *m = *i;
		if ((void *)m->data != p)
			continue;
		*i = m->next;
		size_t map_size = m->map_size;
		bool locked = m->locked;
		explicit_bzero(m, map_size);
		if (locked)
			(void)munlock(m, map_size);
		(void)munmap(m, map_size);
		return;
	}
	free(p);
}

int secret_protect_process(void)
{
	if (test_env("SEALROOT_TEST_DUMPABLE")) {
		log_warning("test build: SEALROOT_TEST_DUMPABLE=1, the process stays dumpable");
		return 0;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
