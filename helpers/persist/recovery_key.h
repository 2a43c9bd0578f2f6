/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * recovery_key.h — the human-typed recovery key for the persistent partition.
 *
 * Format as systemd-cryptenroll's recovery keys: 32 random bytes written in
 * "modhex" (cbdefghijklnrtuv, 2 letters per byte) in 8 groups of 8 letters
 * joined by dashes — 71 characters, the keyslot passphrase itself.
 * All returned keys live in a struct secret holding a NUL-terminated string
 * (size excludes the NUL); wipe with secret_wipe().
 */
#pragma once

#include "util.h"

#define RECOVERY_KEY_BYTES 32
#define RECOVERY_KEY_LENGTH (RECOVERY_KEY_BYTES * 2 + RECOVERY_KEY_BYTES / 4 - 1)

int recovery_key_generate(struct secret *ret);
/* Normalise typed input: lower-case, drop spaces, insert dashes when the 64
 * letters were typed without them.  -EINVAL if it is not a modhex key. */
int recovery_key_normalize(const char *in, struct secret *ret);
/* Read a key from FILE (first line); normalised. */
int recovery_key_read_file(const char *path, struct secret *ret);
/* Ask the user: systemd-ask-password when systemd runs, else /dev/console
 * with echo off.  -ENOTTY when there is nobody to ask, -ETIME when no answer
 * came within TIMEOUT_USEC (> 0).  In test builds the environment variable
 * SEALROOT_TEST_RECOVERY_KEY_FILE supplies the answer, and
 * SEALROOT_TEST_CONSOLE names the terminal used instead of /dev/console. */
int recovery_key_ask(const char *device, usec_t timeout_usec, struct secret *ret);
/* Show KEY once on /dev/console (or OUTPUT when given), with instructions. */
int recovery_key_print(const struct secret *key, const char *device, const char *output);
