#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# With Secure Boot enforced (OVMF snakeoil keys), the firmware refuses a UKI
# that is not signed; the kernel never starts.  The signed image of the same
# inputs boots (control).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

"$E2E_MKIMAGE" -q --rootfs "$E2E_ARTIFACTS/rootfs" --initrd "$E2E_ARTIFACTS/initrd-systemd.img" \
	--out "$TMP/unsigned" --raw-only --fast --no-sign \
	--cmdline "$E2E_CMDLINE" >"$E2E_LOGDIR/mkimage.log" 2>&1 ||
	fail "mkimage --no-sign failed (see $E2E_LOGDIR/mkimage.log)"
e2e_disk "$TMP/unsigned"

E2E_TIMEOUT=120 e2e_boot unsigned --kill-at "Access Denied"
assert_grep 'Access Denied' "$BOOT_LOG"
assert_no_grep 'Linux version' "$BOOT_LOG"
assert_not_done

# Control: the same firmware and keys accept the signed UKI.
rm -rf "$TMP/machine"
e2e_disk
E2E_TIMEOUT=240 e2e_boot signed --kill-at "Linux version"
assert_grep 'Linux version' "$BOOT_LOG"
assert_no_grep 'Access Denied' "$BOOT_LOG"
