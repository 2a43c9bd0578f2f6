/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault.h — simulated power cuts for crash-safety tests.
 *
 * Only in builds with SEALROOT_TEST_HOOKS (build/sealroot-test): when the
 * step named by fault_set() — or, if none was set, by the environment
 * variable SEALROOT_FAULT_INJECT — is reached, fault_point() syncs and calls
 * _exit(99), like a power cut right after that step.  In the shipped binary
 * both functions do nothing.
 *
 * A step named "abort-STEP" instead calls abort() at STEP (a crash with a
 * core dump, for the tests that inspect one).  "STEP@N" (or "abort-STEP@N")
 * fires the N-th time STEP is reached in this process, for steps done once
 * per entry; plain "STEP" is "STEP@1".  Every fault point reached is logged
 * at debug level ("fault point 'STEP' reached"), so a test can list them.
 *
 * Step names used by provisioning: after-format, after-seal, after-token,
 * after-recovery, after-mkfs; by reseal: reseal-after-token; by unlock:
 * after-unseal (the secret unsealed and verified, still in memory); by the
 * EMT store migration (layout_migrate.h): migrate-* steps; by the merge of
 * an image update (layout_merge.h, manifest.h): merge-added, merge-updated,
 * merge-manifest-temp-written, merge-manifest-written.
 */
#pragma once

#define FAULT_EXIT_STATUS 99

/* Name the step to fail at (the config's persist.fault_inject); NULL: none. */
void fault_set(const char *step);
/* Simulate a power cut here if step is the configured one. */
void fault_point(const char *step);
