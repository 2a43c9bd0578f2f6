#!/bin/bash
# Signed PCR 11 policies at the TPM layer, against systemd 252 on swtpm:
# a token systemd-cryptenroll enrolled with --tpm2-public-key and
# --tpm2-signature is unsealed by sealroot with the signature systemd-measure
# made; sealroot's own seal to the same key and PCRs has the policy digest
# cryptenroll wrote; an ECC P-256 key works with an openssl signature; a
# signature by another key, a tampered signature and PCR 11 after the
# leave-initrd phase are each refused with their own message.
source "$(dirname "$0")/lib-tpm2.sh"
source "$(dirname "$0")/lib-pcrsig.sh"
command -v systemd-cryptenroll >/dev/null || fail "systemd-cryptenroll missing (package systemd)"
swtpm_start "$TMP/tpm"
uki_enter_initrd
pcr_key builder
measure_sign builder "$TMP/sig.json"

img=$TMP/img
printf 'initial-passphrase' >"$TMP/pass"
truncate -s 32M "$img"
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pass" "$img"
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$SWTPM_TCTI" --tpm2-pcrs=7+15 \
	--tpm2-public-key="$TMP/builder.pem" --tpm2-public-key-pcrs=11 \
	--tpm2-signature="$TMP/sig.json" "$img"
cryptsetup token export --token-id 0 "$img" >"$TMP/token.json"
assert_eq "$(jq -c '.tpm2_pubkey_pcrs' "$TMP/token.json")" "[11]" "signed PCRs"
assert_eq "$(jq -c '."tpm2-pcrs"' "$TMP/token.json")" "[7,15]" "PCRs bound by value"
jq -r '.tpm2_pubkey' "$TMP/token.json" | base64 -d | cmp - "$TMP/builder.pem" ||
	fail "tpm2_pubkey is not the PEM file"
jq -r '."tpm2-blob"' "$TMP/token.json" | base64 -d >"$TMP/sd.blob"
jq -r '."tpm2-policy-hash"' "$TMP/token.json" >"$TMP/sd.policy"

# systemd's token, sealroot's unseal: base64(secret) opens the keyslot.
b64=$("$DRIVER" "$SWTPM_TCTI" unseal-signed 7,15 "$TMP/builder.pem" 11 "$TMP/sig.json" \
	"$TMP/sd.blob" "$TMP/sd.policy" base64)
cryptsetup luksOpen --test-passphrase --key-slot 1 --key-file=<(printf %s "$b64") "$img" ||
	fail "the secret sealroot unsealed from cryptenroll's signed token does not open its keyslot"

# sealroot's seal: the policy digest systemd computed, in software and on the TPM.
assert_eq "$("$DRIVER" "$SWTPM_TCTI" policy-signed "$TMP/builder.pem" 7,15)" \
	"$(cat "$TMP/sd.policy")" "software signed-policy digest"
head -c 32 /dev/urandom >"$TMP/secret"
"$DRIVER" "$SWTPM_TCTI" seal-signed 7,15 "$TMP/builder.pem" 11 "$TMP/our.blob" "$TMP/our.policy" \
	<"$TMP/secret"
assert_eq "$(cat "$TMP/our.policy")" "$(cat "$TMP/sd.policy")" "sealroot's policy vs cryptenroll's"
assert_eq "$("$DRIVER" "$SWTPM_TCTI" unseal-signed 7,15 "$TMP/builder.pem" 11 "$TMP/sig.json" \
	"$TMP/our.blob" "$TMP/our.policy")" "$(xxd -p -c 64 "$TMP/secret")" "unsealed secret"

# ECC P-256 key, signature made with openssl over the current PCR 11 policy.
pcr_key ecckey ecc
pol=$("$DRIVER" "$SWTPM_TCTI" policy-pcr 11)
openssl_sign ecckey "$TMP/ecc-sig.json" "$pol"
"$DRIVER" "$SWTPM_TCTI" seal-signed 15 "$TMP/ecckey.pem" 11 "$TMP/ecc.blob" "$TMP/ecc.policy" \
	<"$TMP/secret"
assert_eq "$("$DRIVER" "$SWTPM_TCTI" unseal-signed 15 "$TMP/ecckey.pem" 11 "$TMP/ecc-sig.json" \
	"$TMP/ecc.blob" "$TMP/ecc.policy")" "$(xxd -p -c 64 "$TMP/secret")" "ECC unseal"

# Another key signed this image: refused before the TPM sees the object.
pcr_key other
measure_sign other "$TMP/other-sig.json"
run_expect_rc 126 "$DRIVER" "$SWTPM_TCTI" unseal-signed 7,15 "$TMP/builder.pem" 11 \
	"$TMP/other-sig.json" "$TMP/our.blob" "$TMP/our.policy"
assert_grep "holds no signature of PCR 11 by its key \(fingerprint $(key_fingerprint builder)\)" "$TMP/out"

# The right key's entry with a signature that does not verify (the TPM says so).
jq '.sha256[0].sig = "'"$(head -c 256 /dev/urandom | base64 -w0)"'"' "$TMP/sig.json" >"$TMP/forged.json"
run_expect_rc 128 "$DRIVER" "$SWTPM_TCTI" unseal-signed 7,15 "$TMP/builder.pem" 11 \
	"$TMP/forged.json" "$TMP/our.blob" "$TMP/our.policy"

# Phase left: PCR 11 no longer holds a signed value.
pcr11_extend_word leave-initrd
run_expect_rc 129 "$DRIVER" "$SWTPM_TCTI" unseal-signed 7,15 "$TMP/builder.pem" 11 \
	"$TMP/sig.json" "$TMP/our.blob" "$TMP/our.policy"
assert_grep "none for the current values of PCR 11 \(11=[0-9a-f]{64}" "$TMP/out"
run_expect_rc 129 "$DRIVER" "$SWTPM_TCTI" unseal-signed 7,15 "$TMP/builder.pem" 11 \
	"$TMP/sig.json" "$TMP/sd.blob" "$TMP/sd.policy"
echo "ok: signed PCR policies match systemd 252"
