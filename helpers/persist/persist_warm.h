/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist_warm.h — do the persistent partition's one-time start-up work
 * while the unit still waits for the partition to appear.
 *
 * What crypto_warm_up() (warm.h) does for every stage that waits for its
 * disk, plus loading tpm2-tss, which only the unlock needs.  Nothing here
 * decides anything: a library that fails to load has logged its error once
 * (the loaders keep their first result) and the stage's own call returns
 * that error where it is handled.
 */
#pragma once

/* Returns 0, or the first loader's negative errno (already logged; the
 * warm-up's failure at debug level). */
int persist_warm_up(void);
