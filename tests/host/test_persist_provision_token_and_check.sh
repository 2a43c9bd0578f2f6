#!/bin/bash
# Provisioning a blank image writes a LUKS2 header (marker set, 4 KiB
# sectors, PBKDF2-1000 keyslot) with a systemd-tpm2 token carrying every
# systemd field plus sealroot-pcr-values; 'persist check' then passes; the
# report names the action and when each step ended (provisioning: the new
# keyslot and token, then the keyslot gives up the volume key; nothing is
# measured by 'provision'); systemd's own token plugin validates the token.
# At the end 'persist open --no-activate' of the provisioned image reports
# its unlock's steps: device, classified, tpm, unsealed, keyslot, measured.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
img=$(new_image img)

run_expect_rc 0 provision "$img" --pcrs 7
assert_grep "Provisioning .*PCRs 7,15" "$TMP/out"

cryptsetup luksDump "$img" >"$TMP/dump"
assert_grep "^Label:[[:space:]]+sealroot-persist" "$TMP/dump"
assert_grep "^Subsystem:[[:space:]]+sealroot-provisioning" "$TMP/dump"
assert_grep "sector: 4096 \[bytes\]" "$TMP/dump"
assert_grep "cipher: aes-xts-plain64" "$TMP/dump"
assert_grep "PBKDF:[[:space:]]+pbkdf2" "$TMP/dump"
assert_grep "Iterations:[[:space:]]+1000$" "$TMP/dump"
# systemd's token plugin parsed and validated our token (it prints these lines).
assert_grep "0: systemd-tpm2" "$TMP/dump"
assert_grep "tpm2-hash-pcrs:[[:space:]]+7\+15" "$TMP/dump"
assert_eq "$(keyslot_count "$img")" 1 "keyslots after provisioning without recovery key"

token_json "$img" 0 >"$TMP/token.json"
assert_eq "$(jq -r .type "$TMP/token.json")" systemd-tpm2 "type"
assert_eq "$(jq -c .keyslots "$TMP/token.json")" '["0"]' "keyslots"
assert_eq "$(jq -c '."tpm2-pcrs"' "$TMP/token.json")" '[7,15]' "tpm2-pcrs"
assert_eq "$(jq -r '."tpm2-pcr-bank"' "$TMP/token.json")" sha256 "bank"
assert_eq "$(jq -r '."tpm2-primary-alg"' "$TMP/token.json")" ecc "primary alg"
assert_eq "$(jq -r '."tpm2-pin"' "$TMP/token.json")" false "pin"
jq -r '."tpm2-policy-hash"' "$TMP/token.json" | grep -qE '^[0-9a-f]{64}$' || fail "policy hash"
jq -r '."tpm2-blob"' "$TMP/token.json" | base64 -d >/dev/null || fail "blob is not base64"
pcr7=$(tpm2_pcrread sha256:7 | awk '/7 :/ {print tolower($3)}' | sed 's/^0x//')
assert_eq "$(jq -r '."sealroot-pcr-values"."7"' "$TMP/token.json")" "$pcr7" "recorded PCR 7"
assert_eq "$(jq -r '."sealroot-pcr-values"."15"' "$TMP/token.json")" \
	0000000000000000000000000000000000000000000000000000000000000000 "recorded PCR 15"

jq -e '.stages[] | select(.name == "persist") | .action == "provisioned" and .pcrs == "7,15"
	and .token_type == "systemd-tpm2" and .result == "ok"' "$SEALROOT_REPORT" >/dev/null ||
	{ cat "$SEALROOT_REPORT"; fail "report stage"; }
assert_steps persist "device classified tpm provisioned keyslot"

run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "OK: this TPM2 unseals token 0 .* keyslot 0" "$TMP/out"

# The keyslot passphrase is base64 of the sealed secret, as systemd does;
# the secret is stored nowhere in the image or the token.
jq -r '."tpm2-blob"' "$TMP/token.json" | base64 -d >"$TMP/blob"
jq -r '."tpm2-policy-hash"' "$TMP/token.json" >"$TMP/policy"
b64=$("$DRIVER" "$TCTI" unseal 7,15 "$TMP/blob" "$TMP/policy" base64)
hex=$("$DRIVER" "$TCTI" unseal 7,15 "$TMP/blob" "$TMP/policy" hex)
[ ${#b64} -eq 44 ] || fail "secret is not 32 bytes: $b64"
cryptsetup luksOpen --test-passphrase --key-slot 0 --key-file=<(printf %s "$b64") "$img" ||
	fail "base64(secret) does not open keyslot 0"
! grep -qF "$b64" "$TMP/token.json" || fail "token JSON holds the passphrase"
! grep -qaF "$b64" "$img" || fail "image holds the passphrase"
! grep -qiF "$hex" "$TMP/token.json" || fail "token JSON holds the secret"

# Running it again (host: never activated, so the marker is still set)
# resumes: it unlocks with the TPM and changes nothing.
before=$(header_sum "$img")
run_expect_rc 0 provision "$img" --pcrs 7
assert_grep "Resuming the interrupted provisioning" "$TMP/out"
assert_eq "$(header_sum "$img")" "$before" "header after a resume with nothing to do"

# Once provisioning is complete (marker cleared, as after mkfs+mount in the
# guest), 'provision' refuses and leaves the header alone.
cryptsetup config --subsystem "" "$img"
before=$(header_sum "$img")
run_expect_rc 1 provision "$img" --pcrs 7
assert_grep "already a provisioned LUKS2 volume; refusing" "$TMP/out"
assert_eq "$(header_sum "$img")" "$before" "header after refused provisioning"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"

# The unlock of a provisioned volume, step by step; 'status' shows the list whole.
run_expect_rc 0 "$SEALROOT" persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" \
	--no-activate
assert_steps persist "device classified tpm unsealed keyslot measured"
run_expect_rc 0 "$SEALROOT" status
assert_grep "^persist .* steps=device@[0-9]+\.[0-9],classified@[0-9.]+,tpm@[0-9.]+,unsealed@[0-9.]+,keyslot@[0-9.]+,measured@[0-9]+\.[0-9] " \
	"$TMP/out"
echo "ok: provision + token + check + open's steps"
