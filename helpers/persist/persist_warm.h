/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist_warm.h — do the persistent partition's one-time start-up work
 * while the unit still waits for the partition to appear.
 *
 * At boot `persist unlock` starts before udev has brought up the disk.
 * Everything the unlock later does once per process, and that needs no
 * device, can run in that wait instead of after it, on the boot's critical
 * path: loading libcryptsetup, tpm2-tss and libcrypto (dlopen) and OpenSSL
 * building its name map of the default library context, which its first
 * digest fetch does (about a fifth of the stage's instructions, see
 * docs/performance.md).  Nothing here decides anything: a library that
 * fails to load has logged its error once (the loaders keep their first
 * result) and the stage's own call returns that error where it is handled.
 */
#pragma once

/* Returns 0, or the first loader's negative errno (already logged). */
int persist_warm_up(void);
