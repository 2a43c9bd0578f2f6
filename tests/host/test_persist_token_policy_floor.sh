#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A systemd-tpm2 token is unsealed only when its PCR selection covers
# sealroot.tpm2_pcrs= (the floor, default 7) and its sealed object's authPolicy
# is its tpm2-policy-hash and the PolicyPCR digest of that selection now:
#  - a systemd-cryptenroll token with no PCR is refused at the default floor;
#  - one with PCR 7 unlocks with a warning that the lock PCR 15 does not
#    protect it, and the report shows its real selection (7, lock not bound);
#  - a sealroot token whose "tpm2-pcrs" or "tpm2-policy-hash" was edited is
#    refused with a message naming what was altered; a changed PCR still
#    gets the "PCR 7 changed" explanation.
# Nothing on disk changes in any of these.
source "$(dirname "$0")/lib-persist.sh"
command -v systemd-cryptenroll >/dev/null || fail "systemd-cryptenroll missing (package systemd)"
persist_setup

open_img() { # IMG [CMDLINE]
	"$SEALROOT" persist open --cmdline "${2:-}" --device "$1" --tpm2-device "$TCTI" --no-activate
}
stage() { jq -r ".stages[-1].$1" "$SEALROOT_REPORT"; }

# A LUKS2 image with a systemd-cryptenroll token over PCRS.
cryptenroll_img() { # NAME PCRS
	local img
	img=$(new_image "$1" 32M)
	printf 'initial-passphrase' >"$TMP/pass"
	cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--key-file "$TMP/pass" "$img"
	PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$TCTI" --tpm2-pcrs="$2" \
		"$img" >"$TMP/enroll" 2>&1 || { cat "$TMP/enroll"; fail "systemd-cryptenroll failed"; }
	echo "$img"
}

# Replace token 0 of IMG by the JSON on stdin.
replace_token() {
	cat >"$TMP/new-token.json"
	cryptsetup token import --token-id 0 --token-replace --json-file "$TMP/new-token.json" "$1" ||
		fail "could not replace token 0 of $1"
}

note "no PCR at all: refused at the default floor, without unsealing"
img=$(cryptenroll_img nopcr "")
assert_eq "$(token_json "$img" 0 | jq -c '."tpm2-pcrs"')" "[]" "cryptenroll token PCRs"
before=$(sha256sum <"$img")
run_expect_rc 1 open_img "$img"
assert_grep "Refusing token 0 of $img without unsealing it: it is bound to PCRs \[\], which lacks PCR 7 required by sealroot.tpm2_pcrs=7" "$TMP/out"
assert_grep "'sealroot persist reseal $img --pcrs 7'" "$TMP/out"
assert_no_grep "persist: unlocked" "$TMP/out"
assert_eq "$(stage action)" failed "report action"
assert_eq "$(stage pcrs)" "" "report PCRs when nothing unlocked"
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "Refusing token 0 of $img" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after the refusal"
# An explicitly empty floor accepts it (the builder asked for no PCR).
run_expect_rc 0 open_img "$img" "sealroot.tpm2_pcrs="
assert_grep "persist: unlocked" "$TMP/out"

note "PCR 7 only: unlocks, warns that the lock does not protect it"
img=$(cryptenroll_img pcr7 7)
before=$(sha256sum <"$img")
run_expect_rc 0 open_img "$img"
assert_grep "persist: unlocked" "$TMP/out"
assert_grep "token 0 of $img is bound to PCRs \[7\] but not to the lock PCR 15" "$TMP/out"
assert_eq "$(stage token_type)" systemd-tpm2 "report token type"
assert_eq "$(stage pcrs)" 7 "report shows the token's real selection"
assert_eq "$(stage lock_pcr_bound)" no "report: lock PCR not bound"
# A higher floor than the token has: refused.
run_expect_rc 1 open_img "$img" "sealroot.tpm2_pcrs=0+7"
assert_grep "bound to PCRs \[7\], which lacks PCR 0 required by sealroot.tpm2_pcrs=0,7" "$TMP/out"
# Requiring the SRK pin refuses it too (systemd-cryptenroll 252 records none).
run_expect_rc 1 open_img "$img" "sealroot.tpm2_srk_pin=required"
assert_grep "Refusing token 0 of $img without unsealing it: it does not pin the TPM's storage key" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after unlocking the PCR 7 token"

note "a sealroot token: 7,15 and lock bound in the report"
swtpm_reboot # PCR 15 back to zero, as at boot
img=$(new_image sealed)
run_expect_rc 0 provision "$img" --pcrs 7
token_json "$img" 0 >"$TMP/orig.json"
run_expect_rc 0 open_img "$img"
assert_eq "$(stage pcrs)" 7,15 "report PCRs of a sealroot token"
assert_eq "$(stage lock_pcr_bound)" yes "report: lock PCR bound"
assert_no_grep "not to the lock PCR" "$TMP/out"
swtpm_reboot

note "tpm2-pcrs edited from 7,15 to 7 alone: the recorded values contradict it"
jq -c '."tpm2-pcrs" = [7]' "$TMP/orig.json" | replace_token "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 open_img "$img"
assert_grep "token 0 on $img is corrupted: sealroot-pcr-values names a PCR not in tpm2-pcrs" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after refusing the contradictory token"

note "tpm2-pcrs edited from 7,15 to 7 (and its recorded value dropped)"
jq -c '."tpm2-pcrs" = [7] | del(."sealroot-pcr-values"."15")' "$TMP/orig.json" | replace_token "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 open_img "$img"
assert_grep "token 0 of $img was altered: its sealed object is not bound to the PCRs \[7\] it claims" "$TMP/out"
assert_no_grep "persist: unlocked" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after refusing the edited selection"

note "tpm2-policy-hash edited"
jq -c '."tpm2-policy-hash" = "'"$(printf x | sha256sum | cut -d' ' -f1)"'"' "$TMP/orig.json" |
	replace_token "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 open_img "$img"
assert_grep "token 0 of $img was altered: its tpm2-policy-hash is not the policy of the sealed object" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after refusing the edited policy hash"

note "the genuine token after a PCR 7 change: explained as a PCR change"
replace_token "$img" <"$TMP/orig.json"
# The refusals above extended the lock PCR 15 (every exit of persist open
# does): a new boot before the genuine token can unseal again.
swtpm_reboot
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
tpm2_pcrextend 7:sha256="$(printf other | sha256sum | cut -d' ' -f1)"
before=$(sha256sum <"$img")
run_expect_rc 1 open_img "$img"
assert_grep "The TPM2 refused to unseal token 0 of $img: PCR 7 \(was .*, now .*\) changed since enrollment" "$TMP/out"
assert_no_grep "was altered" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after the PCR change"
echo "ok: PCR floor and authPolicy binding are checked before unsealing"
