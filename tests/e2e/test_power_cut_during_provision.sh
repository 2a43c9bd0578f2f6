#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Power cut (qemu killed with SIGKILL) while the first boot provisions the
# persistent partition: at the start of provisioning (LUKS2 format) and just
# before mkfs (after the TPM2 token was written).  The next boot must recover
# by itself -- provision again or resume -- and reach the image's init with the
# partition unlocked; the boot after that still unlocks the same data.
# Then a power cut right after a synced write to a persistent path (the guest
# writes, syncs and prints HOLD; qemu is killed): the next boot has the data,
# and the persistent file system has no errors (e2fsck -p fixed nothing, the
# kernel counts no ext4 errors).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

for cut in "Provisioning /dev/" "Creating the ext4 filesystem"; do
	tag=$(echo "$cut" | tr -c 'A-Za-z0-9\n' '-' | tr '[:upper:]' '[:lower:]')
	rm -rf "$TMP/machine"
	e2e_disk

	E2E_TIMEOUT=300 e2e_boot "cut-$tag" --kill-at "$cut" --args "sealroot_test=basic"
	[ "$BOOT_RC" = 0 ] || fail "the power cut at '$cut' did not happen (boot rc $BOOT_RC, log $BOOT_LOG)"
	assert_not_done

	e2e_boot "after-cut-$tag" --args "sealroot_test=basic"
	assert_done
	assert_marker stage:persist ok
	assert_marker persistent_write ok
done

# The machine of the last cut keeps working: the data written after recovery
# is there -- on a boot that writes, syncs and loses power.
written=$(marker boot_id)
e2e_boot "cut-after-synced-write" --kill-at "SEALROOT-E2E: HOLD" --args "sealroot_test=hold"
[ "$BOOT_RC" = 0 ] || fail "the power cut at HOLD did not happen (boot rc $BOOT_RC, log $BOOT_LOG)"
assert_marker persistent_file "present:$written"
assert_marker persistent_write ok
written=$(marker boot_id)

e2e_boot "after-cut-after-synced-write" --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
assert_marker persist_action unlocked
assert_marker persistent_file "present:$written"
assert_marker "fs_errors:/opt" 0
assert_no_grep 'e2fsck fixed problems|EXT4-fs error' "$BOOT_LOG"
