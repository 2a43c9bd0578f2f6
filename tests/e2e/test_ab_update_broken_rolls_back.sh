#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A/B update to a broken slot B rolls back to A without a person: slot A
# (version 1) boots and writes persistent data; version 2 is installed into
# B with 2 tries, then one byte of B's root file system is flipped on the
# disk (a tampered or corrupted slot).  Each B boot stops in the initramfs
# (dm-verity corruption -> restart) and systemd-boot counts the try down;
# with no tries left the entry is bad and the next boot is slot A again,
# with the persistent data intact.  Prints the boots and time the rollback
# took.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ab/lib-ab-host.sh"

ab_build v1 1 --slots ab
ab_build v2 2
e2e_disk "$TMP/v1"

ab_boot a1 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot a
assert_marker persistent_write ok
a1_id=$(marker boot_id)

ab_update v2 --tries 2
# Corrupt slot B after the verified install: erofs superblock block.
pos=$(($(sfdisk -J "$E2E_DISK" | jq '.partitiontable.partitions[] | select(.name == "root-b") | .start * 512') + 1024 + 8))
flip_byte "$E2E_DISK" "$pos"

t0=$(date +%s)
boots0=$AB_BOOTS
E2E_TIMEOUT=300 ab_boot b-try1 --args "sealroot_test=basic"
assert_not_done
grep -aq 'SEALROOT-E2E: AB-BEGIN' "$BOOT_LOG" && fail "the tampered slot B reached its init"
assert_grep 'device-mapper: verity: .*(is corrupted|corruption)' "$BOOT_LOG"
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b+1-1.efi" "entries after the first failed try"
note "why B failed (try 1): $(grep -a -m1 -E 'device-mapper: verity: .*(is corrupted|corruption)' "$BOOT_LOG" | tr -d '\r')"

E2E_TIMEOUT=300 ab_boot b-try2 --args "sealroot_test=basic"
assert_not_done
assert_grep 'device-mapper: verity: .*(is corrupted|corruption)' "$BOOT_LOG"
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b+0-2.efi" "entries after the second failed try"

ab_boot a-back --args "sealroot_test=basic"
assert_done
assert_marker ab_slot a
assert_marker ab_version 1
assert_marker ab_bad_entry sealroot-2-b+0-2.efi
assert_marker ab_health ok
assert_marker stage:persist ok
assert_marker persistent_file "present:$a1_id"
assert_marker boot_count 2
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b+0-2.efi" "entries back on A"
ab_record "tampered B rolled back to A: $((AB_BOOTS - boots0)) boots (2 failed B tries + 1 A), $(($(date +%s) - t0)) s from the first B boot to A's init done"
