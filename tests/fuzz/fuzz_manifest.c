// SPDX-License-Identifier: GPL-2.0-or-later
// fuzz-sources: layout/manifest.c core/fileio.c core/fault.c core/log.c
/*
 * libFuzzer target: manifest_parse() on arbitrary bytes (the manifest lives
 * on the persistent partition, which anyone with the disk can write) must
 * never crash, leak or read out of bounds; an error must say where and why;
 * a manifest it accepts must be written back byte for byte (one canonical
 * form), and what it writes must parse again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m = {}, again = {};
	unsigned line = 0;
	const char *why = NULL;
	char *out = NULL;
	size_t out_size = 0;

	if (size > 256 * 1024)
		return 0;
	int r = manifest_parse((const char *)data, size, &m, &line, &why);
	if (r == -EBADMSG && (!why || m.entries || m.n_entries))
		abort();
	if (r != 0 && r != -EBADMSG && r != -ENOMEM)
		abort();
	if (r != 0)
		return 0;

	FILE *f = open_memstream(&out, &out_size);
	if (!f || manifest_write(&m, f) != 0 || fclose(f) != 0)
		abort();
	if (out_size != size || memcmp(out, data, size) != 0)
		abort(); /* accepted input is canonical */
	if (manifest_parse(out, out_size, &again, NULL, NULL) != 0)
		abort();
	for (size_t i = 0; i < m.n_entries; i++) {
		const struct manifest_entry *e = &m.entries[i];
		for (size_t j = 0; j < e->n_records; j++)
			if (manifest_find_record(e, e->records[j].path) != &e->records[j])
				abort();
		if (manifest_find_entry(&m, e->path) != e)
			abort();
	}
	manifest_done(&again);
	manifest_done(&m);
	free(out);
	return 0;
}
