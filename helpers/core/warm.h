/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * warm.h — do a stage's one-time crypto start-up work while its unit still
 * waits for the disk to appear.
 *
 * At boot `verity open` and `persist unlock` start before udev has brought
 * up the disk.  What they later do once per process, and that needs no
 * device, can run in that wait instead of after it, on the boot's critical
 * path: loading libcryptsetup and libcrypto (dlopen) and OpenSSL building
 * its name map of the default library context, which its first digest
 * fetch does.  Nothing here decides anything: a library that fails to load
 * has logged its error once (the loaders keep their first result) and the
 * stage's own call returns that error where it is handled.
 */
#pragma once

/* Load libcryptsetup, then libcrypto: what every path that uses either
 * needs first.  Returns 0, or the first loader's negative errno (already
 * logged). */
int crypto_libs_load(void);

/* crypto_libs_load(), then OpenSSL's first digest fetch.  Returns as
 * crypto_libs_load() does, or -ENOMEM. */
int crypto_warm_up(void);
