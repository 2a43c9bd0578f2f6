#!/bin/bash
# 'persist reseal' works on the booted system, after the unlock extended the
# lock PCR 15: the new policy binds PCR 15 to its value before the unlock
# (taken from the old token, or zero when no token records it) and the other
# PCRs to their current values or to --pcr-value.  Each reseal is followed by
# a new "boot" (swtpm restarted: PCRs reset, the firmware's PCR 7 measurements
# replayed) in which 'persist check' and 'persist open' succeed.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
img=$(new_image img)
zero=$(printf '0%.0s' $(seq 64))
d1=$(printf 'firmware 2' | sha256sum | cut -d' ' -f1)
d2=$(printf 'firmware 3' | sha256sum | cut -d' ' -f1)
extend() { printf '%s%s' "$1" "$2" | xxd -r -p | sha256sum | cut -d' ' -f1; }
pcr() { "$DRIVER" "$TCTI" pcr-read "$1" | cut -d' ' -f2; }
lock_value() { # IMG: the PCR 15 value the TPM2 token expects
	local tid
	tid=$(cryptsetup luksDump "$1" | sed -n 's/^  \([0-9]*\): systemd-tpm2$/\1/p')
	token_json "$1" "$tid" | jq -r '."sealroot-pcr-values"."15" // "none"'
}
open_ok() {
	run_expect_rc 0 "$SEALROOT" persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate
	[ "$(pcr 15)" != "$zero" ] || fail "PCR 15 not extended by the unlock"
}

run_expect_rc 0 provision "$img" --pcrs 7 --recovery-key --recovery-key-output "$TMP/rk"
recovery_key_from "$TMP/rk" >"$TMP/keyfile"
cryptsetup config --subsystem "" "$img" # as after the first boot's mkfs

# Boot 1: unlock (PCR 15 extended), then a firmware update changes PCR 7.
open_ok
tpm2_pcrextend 7:sha256="$d1"
v1=$(pcr 7)
assert_eq "$v1" "$(extend "$zero" "$d1")" "PCR 7 after the firmware update"
run_expect_rc 0 "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI" \
	--recovery-key-file "$TMP/keyfile"
assert_grep "PCR 15: its value before the unlock as recorded in token 0" "$TMP/out"
assert_grep "PCRs 7: their current values" "$TMP/out"
assert_eq "$(lock_value "$img")" "$zero" "recorded PCR 15 value"
# Not this boot: PCR 15 is locked.
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"

# Boot 2 with the new firmware.
swtpm_reboot
tpm2_pcrextend 7:sha256="$d1"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
open_ok

# Still in boot 2: predict the PCR 7 value of the next firmware (3) and reseal
# to it.  A PCR given with --pcr-value must be one of --pcrs.
v2=$(extend "$v1" "$d2")
before=$(sha256sum <"$img")
run_expect_rc 1 "$SEALROOT" persist reseal "$img" --pcrs 7 --pcr-value 0="$v2" \
	--tpm2-device "$TCTI" --recovery-key-file "$TMP/keyfile"
assert_grep "names PCR 0, which is not in --pcrs" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after the refused reseal"
run_expect_rc 0 "$SEALROOT" persist reseal "$img" --pcrs 7 --pcr-value 7="$v2" \
	--tpm2-device "$TCTI" --recovery-key-file "$TMP/keyfile"
assert_grep "PCR 7: the value given with --pcr-value" "$TMP/out"

# Boot 3 with firmware 2 only: refused, naming PCR 7; with firmware 3: opens.
swtpm_reboot
tpm2_pcrextend 7:sha256="$d1"
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "PCR 7 \(was .*\) changed" "$TMP/out"
swtpm_reboot
tpm2_pcrextend 7:sha256="$d1"
tpm2_pcrextend 7:sha256="$d2"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
open_ok

# A token that does not record PCR 15 (as systemd-cryptenroll's): the reset
# value, zero, is used.
tid=$(cryptsetup luksDump "$img" | sed -n 's/^  \([0-9]*\): systemd-tpm2$/\1/p')
token_json "$img" "$tid" | jq -c 'del(."sealroot-pcr-values")' >"$TMP/tok.json"
cryptsetup token remove --token-id "$tid" "$img"
cryptsetup token import --token-id "$tid" --json-file "$TMP/tok.json" "$img"
run_expect_rc 0 "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI" \
	--recovery-key-file "$TMP/keyfile"
assert_grep "PCR 15: its reset value \(all zeros\)" "$TMP/out"
swtpm_reboot
tpm2_pcrextend 7:sha256="$d1"
tpm2_pcrextend 7:sha256="$d2"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_eq "$(keyslot_count "$img")" 2 "keyslots (TPM2 + recovery) after three reseals"
echo "ok: reseal on the booted system"
