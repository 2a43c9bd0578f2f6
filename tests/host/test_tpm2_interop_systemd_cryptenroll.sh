#!/bin/bash
# Interop with systemd 252: a "systemd-tpm2" token enrolled by
# systemd-cryptenroll is unsealed by sealroot, and base64 of the secret opens
# the keyslot; a blob sealed by sealroot to the same PCRs has the same policy
# digest and the same public area (all but the per-object unique hash) as
# systemd's, i.e. the same primary key, object template and PolicyPCR.
source "$(dirname "$0")/lib-tpm2.sh"
command -v systemd-cryptenroll >/dev/null || fail "systemd-cryptenroll missing (package systemd)"
swtpm_start "$TMP/tpm"
export TPM2TOOLS_TCTI="$SWTPM_TCTI"
tpm2_pcrextend 7:sha256="$(printf secureboot | sha256sum | cut -d' ' -f1)"

img=$TMP/img
printf 'initial-passphrase' >"$TMP/pass"
truncate -s 32M "$img"
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pass" "$img"
# systemd 252 has no --unlock-key-file; it reads the current passphrase from $PASSWORD.
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$SWTPM_TCTI" --tpm2-pcrs=7 "$img"

cryptsetup token export --token-id 0 "$img" >"$TMP/token.json"
assert_eq "$(jq -r .type "$TMP/token.json")" systemd-tpm2 "token type"
assert_eq "$(jq -r '."tpm2-primary-alg"' "$TMP/token.json")" ecc "primary algorithm"
assert_eq "$(jq -r '."tpm2-pcr-bank"' "$TMP/token.json")" sha256 "PCR bank"
jq -r '."tpm2-blob"' "$TMP/token.json" | base64 -d >"$TMP/sd.blob"
jq -r '."tpm2-policy-hash"' "$TMP/token.json" >"$TMP/sd.policy"

b64=$("$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/sd.blob" "$TMP/sd.policy" base64)
[ -n "$b64" ] || fail "empty secret"
cryptsetup luksOpen --test-passphrase --key-slot 1 --key-file=<(printf %s "$b64") "$img" ||
	fail "base64 of the secret sealroot unsealed does not open systemd's keyslot"
cryptsetup luksOpen --test-passphrase --key-file=<(printf %s "${b64}x") "$img" 2>/dev/null &&
	fail "a wrong passphrase opened the image (test is broken)"

# sealroot's own seal: same policy digest, same public area but for 'unique'.
head -c 32 /dev/urandom | "$DRIVER" "$SWTPM_TCTI" seal 7 "$TMP/our.blob" "$TMP/our.policy" >/dev/null
assert_eq "$(cat "$TMP/our.policy")" "$(cat "$TMP/sd.policy")" "policy digest for PCR 7"
public_of() { # strip the leading TPM2B_PRIVATE (big-endian 16-bit size + body)
	local n
	n=$(($(od -An -tu1 -N1 "$1") * 256 + $(od -An -tu1 -j1 -N1 "$1") + 2))
	tail -c +$((n + 1)) "$1" >"$2"
}
public_of "$TMP/sd.blob" "$TMP/sd.pub"
public_of "$TMP/our.blob" "$TMP/our.pub"
tpm2_print -t TPM2B_PUBLIC "$TMP/sd.pub" | grep -v '^keyedhash:' >"$TMP/sd.txt"
tpm2_print -t TPM2B_PUBLIC "$TMP/our.pub" | grep -v '^keyedhash:' >"$TMP/our.txt"
assert_grep "value: fixedtpm[|]fixedparent$" "$TMP/our.txt"
diff -u "$TMP/sd.txt" "$TMP/our.txt" || fail "sealed object public area differs from systemd's"

# After the PCR changes, systemd's token is refused with -EPERM.
tpm2_pcrextend 7:sha256="$(printf other | sha256sum | cut -d' ' -f1)"
run_expect_rc 1 "$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/sd.blob" "$TMP/sd.policy"

# A token enrolled with no PCRs (--tpm2-pcrs= empty): no PolicyPCR, an
# all-zero policy digest, no "tpm2-pcr-bank"; it unseals too.
img2=$TMP/img2
truncate -s 32M "$img2"
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pass" "$img2"
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$SWTPM_TCTI" --tpm2-pcrs= "$img2"
cryptsetup token export --token-id 0 "$img2" >"$TMP/token2.json"
assert_eq "$(jq -c '."tpm2-pcrs"' "$TMP/token2.json")" "[]" "PCRs of the PCR-less token"
jq -r '."tpm2-blob"' "$TMP/token2.json" | base64 -d >"$TMP/sd2.blob"
jq -r '."tpm2-policy-hash"' "$TMP/token2.json" >"$TMP/sd2.policy"
b64=$("$DRIVER" "$SWTPM_TCTI" unseal none "$TMP/sd2.blob" "$TMP/sd2.policy" base64)
cryptsetup luksOpen --test-passphrase --key-slot 1 --key-file=<(printf %s "$b64") "$img2" ||
	fail "PCR-less systemd token: unsealed secret does not open the keyslot"
echo "ok: systemd-cryptenroll interop"
