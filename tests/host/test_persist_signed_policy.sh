#!/bin/bash
# Signed PCR 11 policies through 'sealroot persist' (issue 12), on swtpm with
# PCR 11 measured as systemd-stub 252 does for a test UKI:
#   - a systemd-cryptenroll token (--tpm2-public-key, --tpm2-signature) opens
#     with the signature systemd-measure made; the report names the policy;
#   - provisioning with the image's PCR key seals the same policy digest
#     cryptenroll computes for the same key and PCRs;
#   - the PCR floor counts only the PCRs bound by value;
#   - a missing signature, one by another key and one for other PCR 11
#     values are refused, each with its own message, and lock PCR 15;
#     provisioning is refused when the image's signature cannot unseal;
#   - sealroot measures enter-initrd before it unseals (no systemd-pcrphase
#     on the host) and leave-initrd on every way out, each once per boot;
#     after that a token without the lock PCR no longer unseals either;
#   - 'persist reseal --pcr-key' turns a PCR 7 volume into a signed one.
source "$(dirname "$0")/lib-lock.sh"
source "$(dirname "$0")/lib-pcrsig.sh"
command -v systemd-cryptenroll >/dev/null || fail "systemd-cryptenroll missing (package systemd)"
persist_setup
uki_enter_initrd
pcr_key builder
measure_sign builder "$TMP/sig.json"
fp=$(key_fingerprint builder)
signed="sealroot.tpm2_pcr_pubkey=$TMP/builder.pem sealroot.tpm2_pcr_signature=$TMP/sig.json"

pcr11() { tpm2_pcrread sha256:11 | awk '{print tolower($NF)}' | tail -1 | sed 's/^0x//'; }
word() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
boot() { # a new boot of the same UKI: the stub measured it, the initrd starts
	swtpm_reboot
	uki_stub_measure
}

# --- systemd-cryptenroll's signed token, opened by sealroot ------------------
cimg=$(new_image cimg 32M)
printf 'initial-passphrase' >"$TMP/pass"
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pass" "$cimg"
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$TCTI" --tpm2-pcrs=7 \
	--tpm2-public-key="$TMP/builder.pem" --tpm2-public-key-pcrs=11 \
	--tpm2-signature="$TMP/sig.json" "$cimg" >"$TMP/enroll" 2>&1 ||
	{ cat "$TMP/enroll"; fail "systemd-cryptenroll failed"; }
boot
stub=$(pcr11)
run_expect_rc 0 "$SEALROOT" persist open --cmdline "$signed" --device "$cimg" \
	--tpm2-device "$TCTI" --no-activate
assert_grep "persist: unlocked" "$TMP/out"
jq -e --arg fp "$fp" '.stages[] | select(.name == "persist") | .policy == "signed" and .pcr_key == $fp and
	.signed_pcrs == "11" and .pcr11_phase == "left"' "$SEALROOT_REPORT" >/dev/null ||
	{ jq . "$SEALROOT_REPORT"; fail "report of the signed unlock"; }
assert_grep 'PCR 11: measured "enter-initrd"' "$TMP/out"
assert_eq "$(pcr11)" "$(extend "$(extend "$stub" "$(word enter-initrd)")" "$(word leave-initrd)")" \
	"PCR 11 after the unlock: the stub's, enter-initrd, leave-initrd, as systemd-pcrphase measures them"
# Once per boot: neither another open nor the emergency lock measures again.
left=$(pcr11)
run_expect_rc 1 "$SEALROOT" persist open --cmdline "$signed" --device "$cimg" \
	--tpm2-device "$TCTI" --no-activate
assert_eq "$(pcr11)" "$left" "PCR 11 after a second open in the same boot"
run_expect_rc 0 "$SEALROOT" lock --cmdline "$signed" --tpm2-device "$TCTI" --name "sr-$$-none"
assert_eq "$(pcr11)" "$left" "PCR 11 after a second way out of the same boot"
jq -e '.stages[] | select(.name == "lock") | .pcr11_phase == "already left"' "$SEALROOT_REPORT" >/dev/null ||
	fail "lock report: phase"
# That token has no lock PCR 15: only the left phase stops it now.
run_expect_rc 1 "$SEALROOT" persist check "$cimg" --tpm2-device "$TCTI" \
	--pcr-signature "$TMP/sig.json"
assert_grep "none for the current values of PCR 11 \(11=$left" "$TMP/out"

# The floor counts only PCRs bound by value: PCR 7 under the signature does
# not satisfy sealroot.tpm2_pcrs=7.
wimg=$(new_image wimg 32M)
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pass" "$wimg"
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$TCTI" --tpm2-pcrs= \
	--tpm2-public-key="$TMP/builder.pem" --tpm2-public-key-pcrs=7+11 "$wimg" >/dev/null 2>&1 ||
	fail "systemd-cryptenroll (signed 7+11) failed"
run_expect_rc 1 "$SEALROOT" persist check "$wimg" --tpm2-device "$TCTI" --pcr-signature "$TMP/sig.json"
assert_grep "Refusing token 0 of $wimg without unsealing it: it is bound to PCRs \[\], which lacks PCR 7" "$TMP/out"

# --- sealroot provisions the same policy -------------------------------------
boot
img=$(new_image img)
provision "$img" --cmdline "$signed" >"$TMP/prov" 2>&1 || { cat "$TMP/prov"; fail "provision"; }
token_json "$img" 0 >"$TMP/token.json"
assert_eq "$(jq -c '.tpm2_pubkey_pcrs' "$TMP/token.json")" "[11]" "signed PCRs of our token"
assert_eq "$(jq -c '."tpm2-pcrs"' "$TMP/token.json")" "[7,15]" "PCRs our token binds by value"
jq -r .tpm2_pubkey "$TMP/token.json" | base64 -d | cmp - "$TMP/builder.pem" || fail "tpm2_pubkey"
cimg2=$(new_image cimg2 32M)
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pass" "$cimg2"
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$TCTI" --tpm2-pcrs=7+15 \
	--tpm2-public-key="$TMP/builder.pem" --tpm2-public-key-pcrs=11 "$cimg2" >/dev/null 2>&1 ||
	fail "systemd-cryptenroll (7+15) failed"
assert_eq "$(jq -r '."tpm2-policy-hash"' "$TMP/token.json")" \
	"$(token_json "$cimg2" 0 | jq -r '."tpm2-policy-hash"')" \
	"sealroot's signed policy digest vs systemd-cryptenroll's for the same key and PCRs"
run_expect_rc 0 "$SEALROOT" persist open --cmdline "$signed" --device "$img" \
	--tpm2-device "$TCTI" --no-activate
assert_grep "persist: (unlocked|provisioned)" "$TMP/out"

# The real first boot: 'persist open' provisions a blank device with the
# image's key (after checking its signature fits), the next boot unlocks it.
boot
fimg=$(new_image fimg)
run_expect_rc 0 "$SEALROOT" persist open --cmdline "$signed" --device "$fimg" \
	--tpm2-device "$TCTI" --no-activate
assert_grep "persist: provisioned" "$TMP/out"
assert_eq "$(token_json "$fimg" 0 | jq -c '[.tpm2_pubkey_pcrs, ."tpm2-pcrs"]')" "[[11],[7,15]]" \
	"first-boot token"
jq -e --arg fp "$fp" '.stages[] | select(.name == "persist") | .policy == "signed" and
	.pcr_key == $fp and .pcr11_phase == "left"' "$SEALROOT_REPORT" >/dev/null ||
	fail "report of the first boot"
boot
run_expect_rc 0 "$SEALROOT" persist open --cmdline "$signed" --device "$fimg" \
	--tpm2-device "$TCTI" --no-activate
assert_grep "Unsealed token 0 of $fimg" "$TMP/out"

# --- refusals: each names what is wrong, each locks ---------------------------
refused() { # CMDLINE REGEX: persist open fails with REGEX, PCR 15 locked
	boot
	run_expect_rc 1 "$SEALROOT" persist open --cmdline "$1" --device "$img" \
		--tpm2-device "$TCTI" --no-activate
	assert_grep "$2" "$TMP/out"
	expect_pcr15 "$(extend "$ZERO32" "$(event_digest failure:persist)")" "PCR 15 after: $2"
	assert_eq "$(jq -r '.stages[] | select(.name == "persist") | .pcr11_phase' "$SEALROOT_REPORT")" left "PCR 11 after: $2"
}
refused "sealroot.tpm2_pcr_pubkey=$TMP/builder.pem sealroot.tpm2_pcr_signature=$TMP/none.json" \
	"needs a signature of PCR 11 by the key with fingerprint $fp, and there is no signature file $TMP/none.json"
pcr_key other
measure_sign other "$TMP/other.json"
refused "sealroot.tpm2_pcr_pubkey=$TMP/builder.pem sealroot.tpm2_pcr_signature=$TMP/other.json" \
	"$TMP/other.json holds no signature of PCR 11 by its key \(fingerprint $fp\): this image was signed with another PCR key"
cp "$TMP/uki-linux" "$TMP/uki-linux.booted"
printf 'another kernel' >"$TMP/uki-linux"
measure_sign builder "$TMP/old-image.json" # signed for another image
mv "$TMP/uki-linux.booted" "$TMP/uki-linux"
refused "sealroot.tpm2_pcr_pubkey=$TMP/builder.pem sealroot.tpm2_pcr_signature=$TMP/old-image.json" \
	"has signatures by its key \(fingerprint $fp\), but none for the current values of PCR 11 \(11=[0-9a-f]{64}"

# First boot of an image whose signature does not fit: nothing is provisioned.
boot
bimg=$(new_image bimg)
blank=$(sha256sum <"$bimg")
run_expect_rc 1 "$SEALROOT" persist open --device "$bimg" --tpm2-device "$TCTI" --no-activate \
	--cmdline "sealroot.tpm2_pcr_pubkey=$TMP/builder.pem sealroot.tpm2_pcr_signature=$TMP/old-image.json"
assert_grep "Not provisioning $bimg: $TMP/old-image.json has no signature by the PCR key $TMP/builder.pem \(fingerprint $fp\) for the current value of PCR 11" "$TMP/out"
assert_eq "$(sha256sum <"$bimg")" "$blank" "blank device after the refused provisioning"
expect_pcr15 "$(extend "$ZERO32" "$(event_digest failure:persist)")" "PCR 15 after the refused provisioning"

# A boot whose initrd phase was left before persist open (an earlier step
# failed and locked) never enters it again: nothing unseals.
boot
run_expect_rc 0 "$SEALROOT" lock --cmdline "$signed" --tpm2-device "$TCTI" --name "sr-$$-none"
run_expect_rc 1 "$SEALROOT" persist open --cmdline "$signed" --device "$img" \
	--tpm2-device "$TCTI" --no-activate
assert_no_grep 'measured "enter-initrd"' "$TMP/out"
assert_eq "$(pcr11)" "$(extend "$stub" "$(word leave-initrd)")" "PCR 11 after lock, then open"

# --- reseal --pcr-key migrates a PCR 7 volume ---------------------------------
boot
pimg=$(new_image pimg)
provision "$pimg" >/dev/null 2>&1 || fail "provision (PCR 7)"
assert_eq "$(token_json "$pimg" 0 | jq -c '.tpm2_pubkey_pcrs')" "null" "PCR 7 token before"
run_expect_rc 0 "$SEALROOT" persist reseal "$pimg" --tpm2-device "$TCTI" --pcrs 7 \
	--pcr-key "$TMP/builder.pem"
assert_grep "Resealed .* to PCRs 11 signed by the key in $TMP/builder.pem, and PCRs 7,15" "$TMP/out"
token_json "$pimg" 1 >"$TMP/resealed.json" 2>/dev/null || token_json "$pimg" 0 >"$TMP/resealed.json"
assert_eq "$(jq -c '.tpm2_pubkey_pcrs' "$TMP/resealed.json")" "[11]" "signed PCRs after reseal"
run_expect_rc 0 "$SEALROOT" persist open --cmdline "$signed" --device "$pimg" \
	--tpm2-device "$TCTI" --no-activate
assert_grep "persist: (unlocked|provisioned)" "$TMP/out"
jq -e '.stages[] | select(.name == "persist") | .policy == "signed"' "$SEALROOT_REPORT" >/dev/null ||
	fail "report after reseal"
# 'persist check' in the initrd phase of the next boot names the policy.
boot
pcr11_extend_word enter-initrd
run_expect_rc 0 "$SEALROOT" persist check "$pimg" --tpm2-device "$TCTI" --pcr-signature "$TMP/sig.json"
assert_grep "policy: signed; PCR key fingerprint $fp; signed PCRs 11; PCRs by value 7,15\." "$TMP/out"
echo "ok: signed PCR policies through sealroot persist"
