#!/bin/bash
# A systemd-tpm2 token enrolled by systemd-cryptenroll (systemd 252) passes
# 'sealroot persist check' and unlocks with 'persist open'; a PCR change is
# reported (the token has no recorded values, so the message says so).
source "$(dirname "$0")/lib-persist.sh"
command -v systemd-cryptenroll >/dev/null || fail "systemd-cryptenroll missing (package systemd)"
persist_setup
img=$(new_image img 32M)
printf 'initial-passphrase' >"$TMP/pass"
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pass" "$img"
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$TCTI" --tpm2-pcrs=7 "$img" \
	>"$TMP/enroll" 2>&1 || { cat "$TMP/enroll"; fail "systemd-cryptenroll failed"; }
token_json "$img" 0 >"$TMP/token.json"
assert_eq "$(jq -r .type "$TMP/token.json")" systemd-tpm2 "cryptenroll token type"
assert_eq "$(jq -r 'has("sealroot-pcr-values")' "$TMP/token.json")" false "foreign token"

run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "OK: this TPM2 unseals token 0 .* keyslot 1 accepts" "$TMP/out"
assert_grep "policy: pcr; PCRs by value 7\." "$TMP/out"

before=$(sha256sum <"$img")
run_expect_rc 0 "$SEALROOT" persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate
assert_grep "persist: unlocked" "$TMP/out"
jq -e '.stages[-1].token_type == "systemd-tpm2"' "$SEALROOT_REPORT" >/dev/null || fail "report"
assert_eq "$(sha256sum <"$img")" "$before" "image after unlocking a cryptenroll token"

tpm2_pcrextend "7:sha256=$(printf other | sha256sum | cut -d' ' -f1)"
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "current values of PCRs 7 differ from those it was sealed to \(the token does not record which\)" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after the refused unseal"
echo "ok: systemd-cryptenroll tokens work"
