#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The same two boots as test_provision_then_reboot, with a classic (shell,
# non-systemd) dracut initramfs: verity opened from the initqueue (the root
# hash signature verified in userspace), persist and layout from the
# pre-pivot hook (every mount nosuid,nodev, overlays writing to their tmpfs).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_disk "$E2E_ARTIFACTS/img-classic"

e2e_boot boot1 --args "sealroot_test=basic"
assert_done
assert_marker root_source "/dev/mapper/root,erofs"
assert_marker mount:/opt ext4
assert_marker mount:/var overlay
assert_marker mount:/etc/ssh ext4
assert_marker stage:verity ok
assert_marker stage:persist ok
assert_marker stage:layout ok
assert_marker status_rc 0
assert_marker persistent_write ok
# Boot 2's "tmpfs file missing" means something only if boot 1 wrote it.
assert_marker tmpfs_file missing
assert_marker tmpfs_write ok
assert_root_hash_signature_userspace
assert_layout_mounts_hardened
boot1_id=$(marker boot_id)

e2e_boot boot2 --args "sealroot_test=basic"
assert_done
assert_marker persistent_file "present:$boot1_id"
assert_marker tmpfs_file missing
assert_marker status_rc 0
