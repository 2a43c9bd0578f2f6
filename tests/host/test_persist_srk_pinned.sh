#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sealroot pins the storage primary key: a token it seals records the key's
# TPM name ("sealroot-srk-name"), and an unseal first checks that the key the
# TPM answers CreatePrimary with has that name, before the session that
# carries the secret is salted to it.  A different key (here: a recorded
# name that differs, and a cleared TPM) is refused with its own message and
# nothing changes on disk; systemd-cryptenroll tokens (no pin) still unlock
# (test_persist_cryptenroll_interop.sh) unless sealroot.tpm2_srk_pin=required,
# which refuses any token without the pin (a header writer can delete it).
# 'persist unlock' creates the primary key and salts its policy session
# before the partition appears (tpm2_prestart.h): the same pin guards that
# key, before anything is loaded under it or sent in the session.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
export SEALROOT_RUN_DIR=$TMP/run # the unlock's handoff

open_img() { # IMG [CMDLINE]
	"$SEALROOT" persist open --cmdline "${2:-}" --device "$1" --tpm2-device "$TCTI" --no-activate
}
img=$(new_image img)
run_expect_rc 0 provision "$img" --pcrs 7
token_json "$img" 0 >"$TMP/orig.json"
name=$(jq -r '."sealroot-srk-name"' "$TMP/orig.json")
[[ $name =~ ^000b[0-9a-f]{64}$ ]] || fail "no SHA-256 primary key name in the token: '$name'"
# The pin is the name of the ECC primary key on this TPM, computed by tpm2-tools.
tpm2_createprimary -C o -G ecc256:aes128cfb -g sha256 -c "$TMP/primary.ctx" \
	-a 'restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth' >/dev/null
tpm2_readpublic -c "$TMP/primary.ctx" -n "$TMP/primary.name" >/dev/null
tpm2_flushcontext -t
assert_eq "$(od -An -tx1 -v "$TMP/primary.name" | tr -d ' \n')" "$name" "pinned name"
run_expect_rc 0 open_img "$img"
swtpm_reboot

note "another key answers: refused before the secret is sent"
if [ "${name: -1}" = 0 ]; then other=${name%?}1; else other=${name%?}0; fi
jq -c --arg n "$other" '."sealroot-srk-name" = $n' "$TMP/orig.json" >"$TMP/other.json"
cryptsetup token import --token-id 0 --token-replace --json-file "$TMP/other.json" "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 open_img "$img"
assert_grep "The TPM2's storage key is not the one token 0 of $img was sealed under \(sealroot-srk-name\)" "$TMP/out"
assert_no_grep "persist: unlocked" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after the refusal"
swtpm_reboot # the refusal extended the lock PCR 15: a new boot
note "the same through 'persist unlock', whose primary key was created before the disk appeared"
cryptsetup config --subsystem "" "$img" # provisioned: as after its first mount
before=$(sha256sum <"$img")
run_expect_rc 1 "$SEALROOT" --verbose persist unlock --cmdline "" --device "$img" --tpm2-device "$TCTI" \
	--no-activate
assert_grep "unsealing under the primary key and with the policy session started before" "$TMP/out"
assert_grep "The TPM2's storage key is not the one token 0 of $img was sealed under \(sealroot-srk-name\)" "$TMP/out"
assert_no_grep "persist: unlocked" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after the refusal (unlock)"
swtpm_reboot
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "storage key is not the one token 0" "$TMP/out"

note "a malformed pin makes the token unusable, not ignored"
jq -c '."sealroot-srk-name" = "00"' "$TMP/orig.json" >"$TMP/bad.json"
cryptsetup token import --token-id 0 --token-replace --json-file "$TMP/bad.json" "$img"
run_expect_rc 1 open_img "$img"
assert_grep "sealroot-srk-name is not a SHA-256 TPM object name" "$TMP/out"
swtpm_reboot # the refusal extended the lock PCR 15: a new boot

note "sealroot.tpm2_srk_pin=required: a token without the pin is refused"
cryptsetup token import --token-id 0 --token-replace --json-file "$TMP/orig.json" "$img"
run_expect_rc 0 open_img "$img" "sealroot.tpm2_srk_pin=required"
assert_grep "persist: " "$TMP/out"
swtpm_reboot
jq -c 'del(."sealroot-srk-name")' "$TMP/orig.json" >"$TMP/stripped.json"
cryptsetup token import --token-id 0 --token-replace --json-file "$TMP/stripped.json" "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 open_img "$img" "sealroot.tpm2_srk_pin=required"
assert_grep "Refusing token 0 of $img without unsealing it: it does not pin the TPM's storage key \(no sealroot-srk-name\), which sealroot.tpm2_srk_pin=required asks for" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after refusing the unpinned token"
swtpm_reboot # the refusal extended the lock PCR 15: a new boot
# Optional (the default): the stripped token still unlocks -- why the
# requirement exists.
run_expect_rc 0 open_img "$img"
swtpm_reboot
run_expect_rc 2 open_img "$img" "sealroot.tpm2_srk_pin=yes"
assert_grep "sealroot.tpm2_srk_pin" "$TMP/out"

note "a cleared TPM: the pin says so"
cryptsetup token import --token-id 0 --token-replace --json-file "$TMP/orig.json" "$img"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
tpm2_clear -c p
run_expect_rc 1 open_img "$img"
assert_grep "storage key is not the one token 0 of $img was sealed under" "$TMP/out"
echo "ok: the storage primary key is pinned"
