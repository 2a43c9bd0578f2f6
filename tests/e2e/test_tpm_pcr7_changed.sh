#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The persistent partition's key is sealed to PCR 7 (Secure Boot state).  After
# provisioning with Secure Boot on, a boot with Secure Boot off (other firmware
# variables: PCR 7 changes) must NOT unlock it -- the boot stops with a message
# naming PCR 7 and nothing is reformatted; switching Secure Boot back on unlocks
# the same data again.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_disk

e2e_boot provision --secure-boot on --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
boot1_id=$(marker boot_id)

e2e_boot sb-off --secure-boot off --args "sealroot_test=basic"
assert_not_done
assert_grep 'secureboot: Secure boot disabled' "$BOOT_LOG"
assert_grep 'sealroot.*(PCR|pcr).*7' "$BOOT_LOG"

e2e_boot sb-on-again --secure-boot on --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
assert_marker persistent_file "present:$boot1_id"
