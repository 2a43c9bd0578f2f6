#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A/B update to an image that boots but fails its health check: version 2
# (built to fail: /etc/sealroot-ab/fail-health) is installed into slot B with
# 1 try.  B unlocks the persistent partition and runs, the health check
# fails, B records why on the persistent partition and reboots without
# blessing; its entry is now bad (+0-1) and the next boot is slot A, which
# reports the bad entry and B's reason, with A's persistent data intact.
# Anti-rollback (issue 13): A has security version 1, B 2; B's failed trial
# raised nothing, so A (SVN 1) still unlocks.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ab/lib-ab-host.sh"

reason="e2e: the application service of version 2 did not start"
ab_build v1 1 --slots ab --svn 1
ab_build v2 2 --fail-health "$reason" --svn 2
e2e_disk "$TMP/v1"

ab_boot a1 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot a
assert_marker persist_svn_minimum 1
a1_id=$(marker boot_id)

ab_update v2 --tries 1
t0=$(date +%s)
boots0=$AB_BOOTS
ab_boot b-try1 --args "sealroot_test=basic"
assert_not_done_init() { ! grep -aq '^SEALROOT-E2E: DONE' "$BOOT_LOG" || fail "B finished its init despite the failed health check"; }
assert_not_done_init
assert_marker ab_slot b
assert_marker ab_version 2
assert_marker ab_health failed
assert_grep "SEALROOT-E2E: ab_health_reason=$reason" "$BOOT_LOG"
assert_marker ab_reboot "health check failed, entry not blessed"
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b+0-1.efi" "entries after the failed health check"

ab_boot a-back --args "sealroot_test=basic"
assert_done
assert_marker ab_slot a
assert_marker ab_bad_entry sealroot-2-b+0-1.efi
assert_grep "SEALROOT-E2E: ab_last_failure=version=2 entry=sealroot-2-b\+1.efi reason=$reason" "$BOOT_LOG"
assert_marker ab_health ok
assert_marker persistent_file "present:$a1_id"
assert_marker stage:persist ok
assert_marker persist_svn_image 1
assert_marker persist_svn_minimum 1
ab_record "B failing its health check rolled back to A: $((AB_BOOTS - boots0)) boots (1 failed B try + 1 A), $(($(date +%s) - t0)) s from the first B boot to A's init done"
