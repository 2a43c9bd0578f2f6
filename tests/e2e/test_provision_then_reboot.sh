#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# First boot of a fresh machine provisions the TPM-sealed persistent partition
# and applies the layout.  The key is sealed to PCR 7 (Secure Boot state): a
# boot with Secure Boot off (other firmware variables, so PCR 7 changes) must
# NOT unlock it -- the boot stops with a message naming PCR 7 and nothing is
# reformatted.  The boot after it, Secure Boot on again, unlocks the same data:
# the persistent file written in boot 1 is there, the tmpfs file is gone, and
# `sealroot status` shows this boot's report.  Boot 1's unlock (beside the
# verity stage) leaves the blank partition to the mount step, which provisions
# after the root is verified; boot 2's unlock runs while the verity stage
# opens the root and the report shows it (overlaps=), then the mount step.
# The root hash signature (every test image has one) was verified in
# userspace, the kernel having no key for it; every layout mount is
# nosuid,nodev and the overlays write to their tmpfs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_disk

e2e_boot boot1 --args "sealroot_test=basic"
assert_done
assert_marker root_source "/dev/mapper/root,erofs"
assert_marker root_writable no
assert_marker tpm present
assert_marker mount:/opt ext4
assert_marker mount:/var overlay
assert_marker mount:/etc/ssh ext4
assert_marker stage:verity ok
assert_marker stage:persist ok
assert_marker stage:persist-mount absent
assert_marker stage:layout ok
assert_marker run_report present
assert_grep "sealroot: persist: .* needs provisioning: left to 'persist mount'" "$BOOT_LOG"
assert_marker status_rc 0
assert_marker persistent_file missing
assert_marker tmpfs_file missing
assert_marker persistent_write ok
assert_marker tmpfs_write ok
assert_marker boot_count 1
assert_grep 'sealroot: stage verity ok [0-9.]+ ms' "$BOOT_LOG"
assert_root_hash_signature_userspace
assert_layout_mounts_hardened
boot1_id=$(marker boot_id)
[ -n "$boot1_id" ] || fail "boot 1 printed no boot_id"

e2e_boot sb-off --secure-boot off --args "sealroot_test=basic"
assert_not_done
assert_grep 'secureboot: Secure boot disabled' "$BOOT_LOG"
assert_grep 'sealroot.*(PCR|pcr).*7' "$BOOT_LOG"

e2e_boot boot2 --secure-boot on --args "sealroot_test=basic"
assert_done
assert_marker stage:verity ok
assert_marker stage:persist ok
assert_marker stage:persist-mount ok
assert_marker stage:layout ok
assert_marker persistent_file "present:$boot1_id"
assert_marker tmpfs_file missing
assert_marker boot_count 2
assert_marker status_rc 0
assert_grep 'SEALROOT-E2E-STATUS: persist +ok' "$BOOT_LOG"
assert_grep 'SEALROOT-E2E-STATUS: persist-mount +ok .*action=unlocked' "$BOOT_LOG"
# The unlock started before the verity stage ended: it ran beside it.
u=$(_first_line 'sealroot: stage persist started')
v=$(_first_line 'sealroot: stage verity ok')
[ -n "$u" ] && [ -n "$v" ] && [ "$u" -lt "$v" ] ||
	fail "boot 2: the unlock did not start before the verity stage ended (lines $u, $v; log $BOOT_LOG)"
assert_grep 'SEALROOT-E2E-STATUS: verity +ok .*overlaps=persist [0-9.]+ ms' "$BOOT_LOG"
assert_layout_mounts_hardened
[ "$(marker boot_id)" != "$boot1_id" ] || fail "boot 2 has the boot_id of boot 1"
