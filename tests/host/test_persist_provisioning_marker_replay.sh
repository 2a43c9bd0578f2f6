#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The provisioning marker is authenticated: provisioning puts
# HMAC-SHA256(sealed secret, "sealroot-provisioning:" + LUKS UUID) into the
# TPM2 token and provision_complete removes it (tests/unit/test_provision.c).
# Setting the marker back on a provisioned volume and deleting its recovery
# token (or planting another volume's HMAC) no longer makes sealroot "resume"
# provisioning: it refuses, enrols and prints no recovery key and changes
# nothing on disk.  A genuine interrupted provisioning (after-token) resumes,
# also after a reseal (whose new token carries a new HMAC).
source "$(dirname "$0")/lib-persist.sh"
persist_setup
[ -x "$SEALROOT_TEST" ] || fail "missing $SEALROOT_TEST"

hmac_of() { token_json "$1" 0 | jq -r '."sealroot-provisioning-hmac" // empty'; }
# What provision_complete does when the volume is activated and mounted
# (host tests cannot activate): drop the proof, then clear the marker.
complete_by_hand() {
	token_json "$1" 0 | jq -c 'del(."sealroot-provisioning-hmac")' >"$TMP/done.json"
	cryptsetup token import --token-id 0 --token-replace --json-file "$TMP/done.json" "$1"
	cryptsetup config --subsystem "" "$1"
}
replay_marker() { # IMG: what an attacker with the disk does
	cryptsetup config --subsystem sealroot-provisioning "$1"
	cryptsetup token remove --token-id 1 "$1"
}
open_resume() { # IMG KEY_OUTPUT
	"$SEALROOT" persist open --cmdline "sealroot.recovery_key=1" --device "$1" \
		--tpm2-device "$TCTI" --no-activate --recovery-key-output "$2"
}

img=$(new_image genuine)
run_expect_rc 0 provision "$img" --pcrs 7 --recovery-key --recovery-key-output "$TMP/rk1"
[[ $(hmac_of "$img") =~ ^[0-9a-f]{64}$ ]] || fail "no provisioning HMAC in the new token"
cryptsetup luksDump "$img" | grep -qE '^Subsystem:[[:space:]]+sealroot-provisioning' ||
	fail "marker missing after provisioning"
complete_by_hand "$img"

note "marker set back, recovery token removed: refused"
replay_marker "$img"
assert_eq "$(keyslot_count "$img")" 2 "keyslots before the replay"
before=$(sha256sum <"$img")
swtpm_reboot
run_expect_rc 1 open_resume "$img" "$TMP/rk2"
assert_grep "$img carries sealroot's provisioning marker, but the marker is not authenticated: the TPM2 token that unlocked it carries no sealroot-provisioning-hmac" "$TMP/out"
assert_grep "no recovery key is enrolled or shown" "$TMP/out"
assert_no_grep "Enrolled a recovery key|A recovery key was enrolled" "$TMP/out"
assert_no_file "$TMP/rk2"
assert_eq "$(sha256sum <"$img")" "$before" "image after the refused replay"

note "another volume's HMAC planted in the token: refused"
other=$(new_image other)
run_expect_rc 0 provision "$other" --pcrs 7
token_json "$img" 0 | jq -c --arg h "$(hmac_of "$other")" '."sealroot-provisioning-hmac" = $h' \
	>"$TMP/planted.json"
cryptsetup token import --token-id 0 --token-replace --json-file "$TMP/planted.json" "$img"
before=$(sha256sum <"$img")
swtpm_reboot
run_expect_rc 1 open_resume "$img" "$TMP/rk3"
assert_grep "not authenticated: its sealroot-provisioning-hmac does not match this volume and key" "$TMP/out"
assert_no_file "$TMP/rk3"
assert_eq "$(sha256sum <"$img")" "$before" "image after the planted HMAC"

note "a genuine interruption after the token resumes and enrols the recovery key"
img=$(new_image interrupted)
swtpm_reboot
rc=0
SEALROOT_FAULT_INJECT=after-token "$SEALROOT_TEST" persist provision "$img" --cmdline "" \
	--tpm2-device "$TCTI" --no-activate --pcrs 7 >"$TMP/out" 2>&1 || rc=$?
assert_eq "$rc" 99 "exit status at the fault point"
[ -n "$(hmac_of "$img")" ] || fail "interrupted provisioning left no HMAC"
swtpm_reboot
run_expect_rc 0 open_resume "$img" "$TMP/rk4"
assert_grep "Resuming the interrupted provisioning" "$TMP/out"
key=$(recovery_key_from "$TMP/rk4")
[ -n "$key" ] || fail "no recovery key printed on the genuine resume"
cryptsetup luksOpen --test-passphrase --key-file=<(printf %s "$key") "$img" ||
	fail "the recovery key of the genuine resume does not open the image"
note "a reseal before provisioning completed keeps the marker authenticated"
img=$(new_image resealed)
swtpm_reboot
run_expect_rc 0 provision "$img" --pcrs 7
old_hmac=$(hmac_of "$img")
run_expect_rc 0 "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI"
tid=$(cryptsetup luksDump "$img" | sed -nE 's/^  ([0-9]+): systemd-tpm2$/\1/p')
new_hmac=$(token_json "$img" "$tid" | jq -r '."sealroot-provisioning-hmac" // empty')
[[ $new_hmac =~ ^[0-9a-f]{64}$ ]] || fail "the resealed token carries no provisioning HMAC"
[ "$new_hmac" != "$old_hmac" ] || fail "the HMAC was copied, not recomputed for the new secret"
run_expect_rc 0 open_resume "$img" "$TMP/rk5"
assert_grep "Resuming the interrupted provisioning" "$TMP/out"
[ -n "$(recovery_key_from "$TMP/rk5")" ] || fail "no recovery key after the resealed resume"
echo "ok: a replayed provisioning marker is refused, a genuine one resumes"
