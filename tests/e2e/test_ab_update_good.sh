#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A/B update with a good image: slot A (version 1) boots and provisions the
# persistent partition; scripts/update writes version 2 into slot B with
# 2 tries; the next boot runs B, passes the health check and blesses its
# entry (the counter disappears from the file name); B stays the default on
# the boot after; the persistent data written under A is there, unlocked by
# the same TPM policy (PCR 7 + lock PCR 15 do not change with a new UKI).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ab/lib-ab-host.sh"

ab_build v1 1 --slots ab
ab_build v2 2
e2e_disk "$TMP/v1"
assert_eq "$(ab_entries)" "sealroot-1-a.efi" "fresh A/B disk entries"

ab_boot a1 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot a
assert_marker ab_version 1
assert_marker ab_health ok
assert_marker stage:persist ok
assert_marker persistent_write ok
assert_marker boot_count 1
a1_id=$(marker boot_id)

ab_update v2 --tries 2
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b+2.efi" "entries after the update"

t0=$(date +%s)
ab_boot b1 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot b
assert_marker ab_version 2
assert_marker ab_boot_count_path /EFI/Linux/sealroot-2-b+1-1.efi
assert_marker ab_health ok
assert_marker ab_blessed sealroot-2-b.efi
assert_marker root_source "/dev/mapper/root,erofs"
assert_marker stage:verity ok
assert_marker stage:persist ok
assert_marker stage:layout ok
assert_marker persistent_file "present:$a1_id"
assert_marker boot_count 2
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b.efi" "entries after B was blessed"
ab_record "update to good B: first B boot blessed in $(($(date +%s) - t0)) s"

ab_boot b2 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot b
assert_marker ab_boot_count_path none
assert_marker ab_blessed "already (no boot counter)"
assert_marker persistent_file "present:$(marker boot_id "$E2E_LOGDIR/b1.log")"
assert_marker boot_count 3
ab_record "update to good B: $AB_BOOTS boots, $AB_SECONDS s of boots"
