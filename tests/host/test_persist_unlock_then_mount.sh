#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 'persist unlock' then 'persist mount': the split 'persist open' of the
# systemd initramfs, whose unlock runs while the verity stage opens the root.
# - unlock of a provisioned volume: PCR 15 holds exactly what 'open' extends
#   (the volume measurement), the sealed key no longer unseals, the handoff
#   says "unlocked", nothing is mounted;
# - unlock of a blank partition and of one whose provisioning was interrupted
#   (marker set): not a byte written, PCR 15 untouched, handoff "provision"
#   (the mount step provisions, after the root was verified);
# - the unlock reads and classifies the partition once: the decision to
#   defer and the unlock share it (one debug line, one error message);
# - a stale handoff of an earlier run is gone before the unlock decides: a
#   failed unlock leaves none, and the mount then fails closed;
# - mount without a handoff, or with a word it does not know: exit 1,
#   nothing mounted;
# - mount after "unlocked": it mounts /dev/mapper/NAME (absent on the host: the
#   mount of exactly that device fails);
# - under sealroot.on_unlock_failure=volatile an unlock that fails extends
#   PCR 15 with "volatile", mounts nothing and says "volatile"; the mount
#   step then puts an empty tmpfs (nosuid,nodev) there, with the warning;
# - the unlock keeps OpenSSL's legacy name table empty (it fetches only);
# - the report says when each step of the unlock and of the mount ended
#   ("steps"): an unlock device, classified, tpm, unsealed, keyslot,
#   measured; a deferred one device, classified; a volatile one device,
#   classified, tpm, measured (nothing unsealed); a mount that failed
#   nothing, one that mounted "mounted";
# - 'layout apply --mount-persist' (sealroot-layout.service): the mount step,
#   then the layout, in one process; without the unlock's word it fails
#   closed and applies nothing of the layout (no 'layout' stage).
source "$(dirname "$0")/lib-lock.sh"
persist_setup
export SEALROOT_RUN_DIR=$TMP/run
handoff=$SEALROOT_RUN_DIR/persist-unlocked
mp=$TMP/sysroot/opt
genuine=$(new_image genuine)
run_expect_rc 0 provision "$genuine" --recovery-key --recovery-key-output "$TMP/rk"
cryptsetup config --subsystem "" "$genuine" # as after mkfs+mount in the guest
rk=$(recovery_key_from "$TMP/rk")

unlock() { # RC IMG [GLOBAL-OPTION…]
	swtpm_reboot
	run_expect_rc "$1" "$SEALROOT" "${@:3}" persist unlock --cmdline "" --device "$2" \
		--tpm2-device "$TCTI" --no-activate
}
mount_step() { # RC [CMD…]: persist mount, then CMD, in one private mount namespace
	local rc=$1
	shift
	run_expect_rc "$rc" unshare -m sh -c '"$1" persist mount --cmdline "" --mount-point "$2" &&
		shift 2 && "$@"' - "$SEALROOT" "$mp" "$@"
}

note "provisioned volume"
unlock 0 "$genuine" --verbose
assert_eq "$(grep -c "$genuine: provisioned\$" "$TMP/out")" 1 "classifications of the provisioned volume"
# Before its first fetch (warm.h): no new OpenSSL library context of the
# unlock (libcryptsetup's, tpm2-tss's per hash) copies the legacy name table.
assert_grep "OpenSSL's legacy name table is left empty in this process" "$TMP/out"
expect_pcr15 "$(extend $ZERO32 "$(volume_digest "$genuine" "$rk")")" "unlock"
assert_eq "$(cat "$handoff")" unlocked "handoff after the unlock"
"$SEALROOT" persist check "$genuine" --tpm2-device "$TCTI" >"$TMP/check" 2>&1 &&
	fail "the sealed key still unseals after 'persist unlock'"
jq -e '.stages[] | select(.name == "persist") | .action == "unlocked" and .mount == "deferred"
	and .mount_point == ""' "$SEALROOT_REPORT" >/dev/null || { cat "$SEALROOT_REPORT"; fail "report: unlock"; }
assert_steps persist "device classified tpm unsealed keyslot measured"
[ ! -e "$mp" ] || fail "the unlock created or mounted $mp"
mount_step 1
assert_grep "Failed to mount /dev/mapper/sealroot-persist \(ext4\) on $mp" "$TMP/out"
jq -e '.stages[] | select(.name == "persist-mount") | .result == "failed"' "$SEALROOT_REPORT" >/dev/null ||
	{ cat "$SEALROOT_REPORT"; fail "report: failed mount"; }
assert_steps persist-mount ""

for kind in blank interrupted; do
	note "$kind partition: the unlock leaves it to the mount step"
	img=$(new_image "$kind")
	if [ "$kind" = interrupted ]; then
		run_expect_rc 0 provision "$img" # the provisioning marker is still set
	fi
	before=$(sha256sum <"$img")
	unlock 0 "$img"
	assert_eq "$(sha256sum <"$img")" "$before" "$kind: bytes after the unlock"
	expect_pcr15 $ZERO32 "$kind: PCR 15 after a deferred unlock"
	assert_eq "$(cat "$handoff")" provision "$kind: handoff"
	jq -e '.stages[] | select(.name == "persist") | .action == "deferred"' "$SEALROOT_REPORT" >/dev/null ||
		{ cat "$SEALROOT_REPORT"; fail "report: $kind"; }
	assert_steps persist "device classified"
done

note "a failed unlock leaves no handoff: the mount fails closed"
echo unlocked >"$handoff"
unlock 1 "$TMP/does-not-exist"
assert_eq "$(grep -c "Failed to read $TMP/does-not-exist" "$TMP/out")" 1 "messages about the missing partition"
[ ! -e "$handoff" ] || fail "the stale handoff survived a failed unlock"
mount_step 1
assert_grep "persist-unlocked is missing: 'sealroot persist unlock' did not complete" "$TMP/out"
echo opened >"$handoff"
mount_step 1
assert_grep "holds 'opened', not unlocked/provisioned/volatile/provision" "$TMP/out"
mkdir -p "$TMP/sysroot/etc/sealroot" "$TMP/sysroot/var"
echo 'TMPFS_OVERLAYS_PATHS="/var"' >"$TMP/sysroot/etc/sealroot/layout.env"
rm -f "$handoff" "$SEALROOT_REPORT"
run_expect_rc 1 unshare -m sh -c '"$1" layout apply --mount-persist --root "$2" --cmdline "" ||
	{ rc=$?; findmnt "$2/var" && exit 9; exit $rc; }' - "$SEALROOT" "$TMP/sysroot"
assert_grep "persist-unlocked is missing: 'sealroot persist unlock' did not complete" "$TMP/out"
jq -e '[.stages[] | .name] == ["persist-mount"]' "$SEALROOT_REPORT" >/dev/null ||
	{ cat "$SEALROOT_REPORT"; fail "report: a failed --mount-persist applied the layout"; }

note "volatile policy: the unlock fails over without mounting, the mount step puts the tmpfs up"
bad=$TMP/corrupted
cp --sparse=always "$genuine" "$bad"
token_json "$bad" 0 | jq -c '."tpm2-blob" = "AAAAAAAAAAAAAAAAAAAAAA=="' >"$TMP/tok.json"
cryptsetup token remove --token-id 0 "$bad"
cryptsetup token import --token-id 0 --json-file "$TMP/tok.json" "$bad"
swtpm_reboot
run_expect_rc 0 unshare -m sh -c '"$1" persist unlock --cmdline sealroot.on_unlock_failure=volatile \
	--device "$2" --tpm2-device "$3" --no-activate && ! findmnt "$4"' - "$SEALROOT" "$bad" "$TCTI" "$mp"
expect_pcr15 "$(extend $ZERO32 "$(event_digest volatile)")" "volatile unlock"
assert_eq "$(cat "$handoff")" volatile "handoff after a volatile unlock"
assert_no_grep "EMPTY tmpfs" "$TMP/out"
assert_steps persist "device classified tpm measured"
mount_step 0 findmnt -n -o FSTYPE,OPTIONS "$mp"
assert_grep '^tmpfs .*nosuid,nodev' "$TMP/out"
assert_grep "EMPTY tmpfs" "$TMP/out"
jq -e '.stages[] | select(.name == "persist-mount") | .action == "volatile" and .result == "ok"' \
	"$SEALROOT_REPORT" >/dev/null || { cat "$SEALROOT_REPORT"; fail "report: volatile mount"; }
assert_steps persist-mount "mounted"
note "layout apply --mount-persist: the mount step, then the layout, one process"
echo volatile >"$handoff"
run_expect_rc 0 unshare -m sh -c '"$1" layout apply --mount-persist --root "$2" --cmdline "" &&
	findmnt -n -o FSTYPE "$2/opt" && findmnt -n -o FSTYPE "$2/var"' - "$SEALROOT" "$TMP/sysroot"
assert_eq "$(grep -cxE 'tmpfs|overlay' "$TMP/out")" 2 "file systems at /opt and /var"
jq -e '[.stages[] | select(.name == "persist-mount" or .name == "layout") | .result] == ["ok", "ok"]' \
	"$SEALROOT_REPORT" >/dev/null || { cat "$SEALROOT_REPORT"; fail "report: --mount-persist"; }
echo "ok: unlock and mount hand over through $handoff, fail closed without it"
