#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Induced failures, as an attacker with the disk in hand causes them, on the
# image as mkimage ships it (its default command line: no initramfs shell):
# every failure locks the TPM (sealroot: locked:, before emergency mode and
# the reboot) and reboots; no shell or password prompt is offered and the
# persistent partition is byte-identical afterwards.
#
# One machine provisions once (boot "provision"); each attack starts from a
# copy of that disk and machine state (TPM, firmware variables):
#   control   the normal boot unlocks the data (positive control), then, as
#             the booted system, damages the persistent ext4 (unknown
#             INCOMPAT bit, written through /dev/mapper/sealroot-persist)
#   (c)       the next boot activates the volume, the mount fails: locked,
#             the mapping closed, rebooted
#   (a)       one flipped byte in the verity hash partition: sealroot refuses
#             the root, locked, rebooted; the unlock, which runs beside the
#             verity stage, never reaches the mount, and a volume it opened
#             before the verity stage failed is closed by the lock
#   (a) with an image built with --emergency-shell (the opt-out), same disk:
#             at dracut's shell, "sealroot persist check" is refused (the TPM
#             no longer unseals) and no sealroot-persist mapping exists --
#             the lock itself, not only the missing shell
#   (b)       the TPM2 token's sealed blob corrupted: the unseal fails,
#             locked, rebooted
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

# flip_byte FILE OFFSET: invert one byte in place.
flip_byte() {
	local orig
	orig=$(dd if="$1" bs=1 skip="$2" count=1 status=none | od -An -tu1 | tr -d ' ')
	# shellcheck disable=SC2059  # an octal escape on purpose
	printf "$(printf '\\%03o' $(((orig ^ 0xff) & 0xff)))" |
		dd of="$1" bs=1 seek="$2" count=1 conv=notrunc status=none
}

# The unlock runs beside the verity stage (sealroot-persist.service): when
# it completed before the verity stage failed, the lock closed its volume
# after it, and PCR 15 holds the volume measurement and the lock's
# extends; when it had not completed, systemd stopped it first (its
# stage never reports ok afterwards).
assert_unlock_undone_by_lock() {
	local ok closed
	ok=$(_first_line 'sealroot: stage persist ok')
	if [ -z "$ok" ]; then
		note "the verity stage failed before the unlock completed"
		return 0
	fi
	note "the unlock completed before the verity stage failed"
	assert_grep 'sealroot: PCR 15 extended with the volume key measurement of /dev/mapper/sealroot-persist' "$BOOT_LOG"
	closed=$(_first_line 'sealroot: Closed /dev/mapper/sealroot-persist')
	[ -n "$closed" ] && [ "$closed" -gt "$ok" ] ||
		fail "the unlock opened /dev/mapper/sealroot-persist and no lock closed it afterwards (log $BOOT_LOG)"
}

e2e_disk
t0=$(date +%s)
e2e_boot provision --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
assert_marker persist_action provisioned
assert_marker dm_names "root sealroot-persist"
boot1_id=$(marker boot_id)
e2e_save provisioned
note "provisioned in $(($(date +%s) - t0)) s"

# Positive control: the normal boot unlocks; then the booted system damages the ext4.
e2e_boot control --args "sealroot_test=damage-persist"
assert_done
assert_marker stage:persist ok
assert_marker persist_action unlocked
assert_marker persistent_file "present:$boot1_id"
assert_marker damage_remount ok
assert_marker persist_damaged yes

# (c) failure after activation.
sha=$(part_sha256 sealroot-persist)
e2e_boot attack-c-unmountable-fs --args "sealroot_test=basic"
assert_grep 'sealroot: (Failed to mount /dev/mapper/sealroot-persist|e2fsck -p on /dev/mapper/sealroot-persist exited)' "$BOOT_LOG"
# Opened in this boot, closed again on the way out.
assert_grep 'sealroot: PCR 15 extended with the volume key measurement of /dev/mapper/sealroot-persist' "$BOOT_LOG"
assert_grep 'sealroot: Closed /dev/mapper/sealroot-persist' "$BOOT_LOG"
assert_locked_no_shell "$sha"

# (a) flipped byte in the hash partition.
e2e_restore provisioned
off=$(part_offset root-a-verity)
flip_byte "$E2E_DISK" $((off + 100))
sha=$(part_sha256 sealroot-persist)
e2e_boot attack-a-hash-flipped --args "sealroot_test=basic"
assert_grep 'sealroot: root hash mismatch' "$BOOT_LOG"
assert_no_grep 'sealroot: stage persist-mount' "$BOOT_LOG"
assert_unlock_undone_by_lock
assert_locked_no_shell "$sha"

# (a) again with the opt-out image: a shell is reachable, the TPM is locked.
e2e_variant emergency-shell "$E2E_ARTIFACTS/rootfs" "$E2E_ARTIFACTS/initrd-systemd.img" "" --emergency-shell
[ "$(jq -r .emergency_shell "$VARIANT/manifest.json")" = true ] || fail "the opt-out variant is not recorded as emergency_shell"
e2e_put_uki "$VARIANT/uki.efi"
e2e_boot attack-a-opt-out-shell --args "sealroot_test=basic" \
	--answer "Press Enter for maintenance=" \
	--answer "root# =sealroot persist check /dev/vda4; echo LOCKCHECK=\$?; ls /dev/mapper; echo DMLIST-END" \
	--answer "DMLIST-END=echo o >/proc/sysrq-trigger"
assert_grep 'sealroot: root hash mismatch' "$BOOT_LOG"
assert_grep 'sealroot: locked:' "$BOOT_LOG"
assert_unlock_undone_by_lock
tr -d '\r' <"$BOOT_LOG" | grep -aq '^LOCKCHECK=[0-9]' || fail "the shell did not run the check (log $BOOT_LOG)"
rc=$(tr -d '\r' <"$BOOT_LOG" | sed -n 's/^LOCKCHECK=\([0-9]*\)$/\1/p' | tail -1)
[ "$rc" != 0 ] || fail "at the opt-out shell the TPM still unseals the persistent partition (persist check exit 0)"
# ls /dev/mapper's output: the lines between the command and DMLIST-END.
tr -d '\r' <"$BOOT_LOG" | sed -n '/^LOCKCHECK=/,/^DMLIST-END/p' >"$TMP/dm.txt"
grep -q 'control' "$TMP/dm.txt" || fail "no 'ls /dev/mapper' output at the shell (log $BOOT_LOG)"
assert_no_grep 'sealroot-persist' "$TMP/dm.txt"

# (b) the sealed blob of the TPM2 token corrupted.
e2e_restore provisioned
part_extract sealroot-persist "$TMP/persist.img"
tok=$(cryptsetup luksDump --dump-json-metadata "$TMP/persist.img" |
	jq -r '.tokens | to_entries[] | select(.value.type == "systemd-tpm2") | .key' | head -1)
[ -n "$tok" ] || fail "no systemd-tpm2 token on the provisioned partition"
cryptsetup token export --token-id "$tok" "$TMP/persist.img" >"$TMP/token.json"
jq -r '.["tpm2-blob"]' "$TMP/token.json" | base64 -d >"$TMP/blob"
flip_byte "$TMP/blob" 40
jq --arg b "$(base64 -w0 "$TMP/blob")" '.["tpm2-blob"] = $b' "$TMP/token.json" >"$TMP/token.bad.json"
cryptsetup token import --token-id "$tok" --token-replace --json-file "$TMP/token.bad.json" "$TMP/persist.img" ||
	fail "cannot write the corrupted token"
part_write_back sealroot-persist "$TMP/persist.img"
sha=$(part_sha256 sealroot-persist)
e2e_boot attack-b-token-corrupted --args "sealroot_test=basic"
assert_grep 'sealroot: stage persist failed' "$BOOT_LOG"
assert_locked_no_shell "$sha"
