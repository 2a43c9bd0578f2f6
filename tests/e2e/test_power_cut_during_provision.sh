#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Power cuts (qemu killed with SIGKILL) on one machine, each boot starting
# from what the previous cut left:
#   1. the first boot is cut as provisioning starts (LUKS2 format);
#   2. the next boot must recover by itself and provision again: it is cut
#      just before mkfs (after the TPM2 token was written);
#   3. the next boot recovers from that, reaches the image's init with the
#      partition unlocked and writable, writes, syncs, prints HOLD and loses
#      power;
#   4. the last boot unlocks the same volume (no reprovisioning) and has the
#      data of boot 3; the persistent file system has no errors (e2fsck -p
#      fixed nothing, the kernel counts no ext4 errors).
# (Chained, not one fresh machine per cut: 4 boots instead of 6.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_disk
E2E_TIMEOUT=300 e2e_boot cut-provisioning --kill-at "Provisioning /dev/" --args "sealroot_test=basic"
[ "$BOOT_RC" = 0 ] || fail "the power cut as provisioning started did not happen (boot rc $BOOT_RC, log $BOOT_LOG)"
assert_not_done

# Recovery from cut 1 provisions again: the cut before mkfs proves it got there.
E2E_TIMEOUT=300 e2e_boot cut-before-mkfs --kill-at "Creating the ext4 filesystem" --args "sealroot_test=basic"
[ "$BOOT_RC" = 0 ] || fail "the boot after the first cut did not provision again up to mkfs (boot rc $BOOT_RC, log $BOOT_LOG)"
assert_not_done

e2e_boot cut-after-synced-write --kill-at "SEALROOT-E2E: HOLD" --args "sealroot_test=hold"
[ "$BOOT_RC" = 0 ] || fail "the power cut at HOLD did not happen (boot rc $BOOT_RC, log $BOOT_LOG)"
assert_marker stage:persist ok
assert_marker persist_action provisioned
assert_marker persistent_write ok
written=$(marker boot_id)
[ -n "$written" ] || fail "boot 3 printed no boot_id (log $BOOT_LOG)"

e2e_boot after-cut-after-synced-write --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
assert_marker persist_action unlocked
assert_marker persistent_file "present:$written"
assert_marker "fs_errors:/opt" 0
assert_no_grep 'e2fsck fixed problems|EXT4-fs error' "$BOOT_LOG"
