// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: any byte string as a kernel command line must parse or be
 * rejected cleanly, never crash or leak. */
// fuzz-sources: cmdline/kcmdline.c core/encoding.c core/fileio.c core/log.c persist/svn.c
#include "kcmdline.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sealroot_config c;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	log_set_max_level((enum log_level)(LOG_LEVEL_ERR - 1));
	if (sealroot_config_init(&c) == 0) {
		(void)cmdline_parse(text, &c);
		sealroot_config_done(&c);
	}
	free(text);
	return 0;
}
