#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A power cut while scripts/update writes slot B (SIGKILL half-way through
# the root file system) leaves slot A bootable: no entry for B exists, the
# machine boots A with its persistent data.  The retried update completes.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ab/lib-ab-host.sh"

ab_build v1 1 --slots ab
ab_build v2 2
e2e_disk "$TMP/v1"

ab_boot a1 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot a
a1_id=$(marker boot_id)

rc=0
SEALROOT_UPDATE_FAULT=mid-root-b "$TOP/scripts/update" "$TMP/v2" --disk "$E2E_DISK" >"$E2E_LOGDIR/update-cut.log" 2>&1 || rc=$?
[ "$rc" -eq 137 ] || { cat "$E2E_LOGDIR/update-cut.log" >&2; fail "the update was not killed mid-write (rc $rc)"; }
assert_grep "test fault: killed at 'mid-root-b'" "$E2E_LOGDIR/update-cut.log"
assert_eq "$(ab_entries)" "sealroot-1-a.efi" "entries after the cut"

ab_boot a-after-cut --args "sealroot_test=basic"
assert_done
assert_marker ab_slot a
assert_marker ab_version 1
assert_marker stage:persist ok
assert_marker persistent_file "present:$a1_id"

ab_update v2 --tries 2
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b+2.efi" "entries after the retried update"
ab_record "power cut during update: $AB_BOOTS boots, A booted after the cut"
