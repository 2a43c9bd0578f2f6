/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kcmdline.h — the kernel command line, parsed once into struct sealroot_config
 * (config.h).  Nothing else in sealroot looks at the command line.
 *
 * Syntax as the kernel splits it: words separated by whitespace, double quotes
 * group ("opt=a b"; the quotes are removed).  An option may carry the "rd."
 * prefix; in the initramfs "rd.X" wins over "X".  Giving the same sealroot or
 * verity option twice with different values is an error; identical repeats are
 * fine.  Options that are not sealroot's (and not the systemd verity options
 * it shares) are ignored.  Every malformed value is logged once, naming the
 * option and value, and makes the parse fail with -EINVAL.
 */
#pragma once

#include "config.h"

/* Parse CMDLINE into C, which must have been set up with sealroot_config_init().
 * Returns 0, -EINVAL (malformed, already logged) or -ENOMEM. */
int cmdline_parse(const char *cmdline, struct sealroot_config *c);

/* Read /proc/cmdline (or SEALROOT_PROC_CMDLINE in test builds) into *ret. */
int cmdline_read_proc(char **ret);

/* sealroot_config_init() + parse OVERRIDE, or /proc/cmdline when OVERRIDE is
 * NULL.  On failure C is left released (sealroot_config_done) and the error
 * has been logged. */
int cmdline_load_config(const char *override, struct sealroot_config *c);

/* Parse a "sealroot.tpm2_pcrs=" value ("7", "7+15", "0,7", "secure-boot-policy",
 * "" for none) into a bit mask.  -EINVAL if malformed. */
int cmdline_parse_pcr_list(const char *s, uint32_t *ret_mask);

/* Parse a time span "30", "30s", "500ms", "2min", "1min30s" into microseconds. */
int cmdline_parse_timespan(const char *s, usec_t *ret);
