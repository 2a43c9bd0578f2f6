#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The lab itself works: a plain signed image (ext4 root, no roothash=, so the
# sealroot units stay inactive) boots under Secure Boot with a TPM and reaches
# the test init, which sees the fw_cfg arguments.  When this passes and the
# sealroot scenarios fail, the problem is in sealroot, not in the lab.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

"$(dirname "$0")/mksmoke-image" "$E2E_ARTIFACTS/rootfs" "$E2E_ARTIFACTS/initrd-systemd.img" \
	"$TMP/disk.raw" >"$E2E_LOGDIR/mksmoke.log" 2>&1 || fail "mksmoke-image failed (see $E2E_LOGDIR/mksmoke.log)"
E2E_DISK=$TMP/disk.raw

E2E_TIMEOUT=240 e2e_boot plain --args "sealroot_test=basic"
assert_done
assert_grep 'secureboot: Secure boot enabled' "$BOOT_LOG"
assert_marker scenario basic
assert_marker fw_cfg yes
assert_marker tpm present
assert_marker root_source "/dev/vda2,ext4"
assert_marker run_report missing
assert_marker status_rc 1
