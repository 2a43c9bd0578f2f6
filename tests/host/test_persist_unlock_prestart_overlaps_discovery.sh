#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 'persist unlock' runs its TPM2 pre-start (tpm2_prestart_job.h) on a thread
# of its own, beside the wait for the partition and its classification:
# - the pre-start starts before the partition is there: the test attaches the
#   partition's loop device only once TPM2_CreatePrimary reached the TPM;
# - the wait and the classification do not wait for the pre-start: a relay
#   holds that CreatePrimary (up to 60 s) until the unlock has found and
#   classified the partition, which it could not do within the test's 20 s
#   if the pre-start ran in line;
# - the unlock then unseals in the pre-started session.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
export SEALROOT_RUN_DIR=$TMP/run # the unlock's handoff
prestarted="unsealing under the primary key and with the policy session started before"
label="st-persist-$$"

img=$(new_image late)
run_expect_rc 0 provision "$img"
# Provisioned, as after its first mount; the label is what the unlock looks for.
cryptsetup config --subsystem "" --label "$label" "$img"
swtpm_reboot

relay_start hold-primary "$TMP/go" 60

note "the pre-start reaches the TPM before the partition appears"
"$SEALROOT" --verbose persist unlock --no-activate \
	--cmdline "sealroot.persist=LABEL=$label sealroot.device_timeout=40s" \
	--tpm2-device "$RELAY_TCTI" >"$TMP/out" 2>&1 &
unlock_pid=$!
cleanup_add "kill $unlock_pid 2>/dev/null"
wait_for_line create-primary "$TMP/relay.out" "TPM2_CreatePrimary from the pre-start"
dev=$(losetup -f --show "$img")
cleanup_add "losetup -d $dev"

note "the partition is found and classified while CreatePrimary is held"
wait_for_line "$dev: provisioned" "$TMP/out" "the classification of $dev"
assert_no_grep "timed out" "$TMP/relay.err"
touch "$TMP/go"
rc=0
wait "$unlock_pid" || rc=$?
[ "$rc" = 0 ] || { cat "$TMP/out"; fail "persist unlock exited $rc"; }
assert_grep released "$TMP/relay.err"
assert_no_grep "timed out" "$TMP/relay.err"
assert_grep "persist: unlocked" "$TMP/out"
assert_eq "$(grep -c "$prestarted" "$TMP/out")" 1 "unseals in the pre-started session"
assert_steps persist "device classified tpm unsealed keyslot measured"
echo "ok: the TPM2 pre-start overlaps the wait for the partition"
