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

/* For a process whose crypto users all look algorithms up by provider fetch
 * (the unlock: libcryptsetup 2.6, tpm2-tss 3.2 and sealroot's persist code
 * use EVP_*_fetch() and EVP_sha256() and friends, never a lookup by name):
 * keep OpenSSL's legacy table of cipher and digest names empty.  OpenSSL
 * copies that whole table into the name map of every new library context
 * (about 2.5 M instructions each); tpm2-tss 3.2 makes a new context for
 * every hash, HMAC and key exchange of a session, libcryptsetup one of its
 * own.  It must come before the process's first fetch, which fills the
 * table otherwise.  Not for the verity stage: EVP_get_digestbyname() and
 * the X.509 and PKCS#7 checks built on it find nothing without the table.
 * Returns 0; -EALREADY (nothing changed) when the table was filled already;
 * or the loader's negative errno (logged). */
int crypto_legacy_names_off(void);

/* crypto_libs_load(), then OpenSSL's first digest fetch.  Returns as
 * crypto_libs_load() does, or -ENOMEM. */
int crypto_warm_up(void);
