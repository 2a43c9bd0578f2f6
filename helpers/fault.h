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
 * Step names used by provisioning: after-format, after-seal, after-token,
 * after-recovery, after-mkfs.
 */
#pragma once

#define FAULT_EXIT_STATUS 99

/* Name the step to fail at (the config's persist.fault_inject); NULL: none. */
void fault_set(const char *step);
/* Simulate a power cut here if step is the configured one. */
void fault_point(const char *step);
