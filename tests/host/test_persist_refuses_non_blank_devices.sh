#!/bin/bash
# Provisioning never formats something that may hold data: a filesystem, a
# LUKS2 volume with a keyslot but no token, one carrying sealroot's
# provisioning marker but a token or keyslot sealroot never writes before its
# TPM2 token (a foreign token, a second keyslot, a recovery token), a LUKS1
# header, unknown non-zero bytes.  A corrupted systemd-tpm2 token gives a clear error, no reformat.
source "$(dirname "$0")/lib-persist.sh"
persist_setup

# A filesystem.
img=$(new_image ext4)
mkfs.ext4 -q -F "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 provision "$img"
assert_grep "is not blank: it holds ext4; refusing to format it" "$TMP/out"
run_expect_rc 1 "$SEALROOT" persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate
assert_grep "refusing to format" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "ext4 image"

# Unknown data in the first MiB.
img=$(new_image junk)
printf 'precious data' | dd of="$img" bs=1 seek=70000 conv=notrunc status=none
before=$(sha256sum <"$img")
run_expect_rc 1 provision "$img"
assert_grep "first MiB is not zero; refusing" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "junk image"

# LUKS2 with a passphrase keyslot and no token (someone else's volume).
img=$(new_image luks)
printf pw >"$TMP/pw"
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pw" "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 provision "$img"
assert_grep "already a provisioned LUKS2 volume; refusing" "$TMP/out"
run_expect_rc 1 "$SEALROOT" persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate
assert_grep "has no systemd-tpm2 token" "$TMP/out"
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "has no systemd-tpm2 token" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "foreign LUKS2 image"
# ... even when it claims to be ours mid-provisioning but has a token sealroot
# did not write.
cryptsetup config --subsystem sealroot-provisioning "$img"
printf '{"type":"other","keyslots":["0"]}' | cryptsetup token import "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 provision "$img"
assert_grep "did not expect; refusing to touch it" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "marked LUKS2 image with a foreign token"
# ... or a second keyslot and no token at all (provisioning writes one keyslot
# before its token; a second one is someone's data key) ...
img=$(new_image luks-marked-two-slots)
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pw" "$img"
printf pw2 >"$TMP/pw2"
cryptsetup luksAddKey -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$TMP/pw" \
	"$img" "$TMP/pw2"
cryptsetup config --subsystem sealroot-provisioning "$img"
assert_eq "$(keyslot_count "$img")" 2 "keyslots of the marked image (test set-up)"
before=$(sha256sum <"$img")
run_expect_rc 1 provision "$img"
assert_grep "but also 0 token\(s\) and 2 keyslot\(s\) sealroot did not expect; refusing" "$TMP/out"
run_expect_rc 1 "$SEALROOT" persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate
assert_grep "did not expect; refusing to touch it" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "marked LUKS2 image with two keyslots"
# ... or one keyslot that a recovery token names (a recovery key exists).
img=$(new_image luks-marked-recovery)
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pw" "$img"
cryptsetup config --subsystem sealroot-provisioning "$img"
printf '{"type":"systemd-recovery","keyslots":["0"]}' | cryptsetup token import "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 provision "$img"
assert_grep "but also 1 token\(s\) and 1 keyslot\(s\) sealroot did not expect; refusing" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "marked LUKS2 image with a recovery token"

# LUKS1.
img=$(new_image luks1)
cryptsetup luksFormat --type luks1 -q --pbkdf-force-iterations 1000 --key-file "$TMP/pw" "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 provision "$img"
assert_grep "LUKS1 header" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "LUKS1 image"

# A corrupted systemd-tpm2 token on a provisioned volume.
img=$(new_image corrupt)
run_expect_rc 0 provision "$img" --pcrs 7
cryptsetup config --subsystem "" "$img"
token_json "$img" 0 >"$TMP/good.json"
jq -c '."tpm2-blob" = "not*base64"' "$TMP/good.json" >"$TMP/bad.json"
cryptsetup token remove --token-id 0 "$img"
cryptsetup token import --disable-external-tokens --token-id 0 --json-file "$TMP/bad.json" "$img"
before=$(sha256sum <"$img")
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "token 0 on $img is corrupted: tpm2-blob is not base64" "$TMP/out"
run_expect_rc 1 "$SEALROOT" persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate
assert_grep "token 0 on $img is corrupted: tpm2-blob is not base64" "$TMP/out"
run_expect_rc 1 provision "$img"
assert_eq "$(sha256sum <"$img")" "$before" "provisioned volume with a corrupted token"
tried=0
for field in '."tpm2-pcrs" = "seven"' '."tpm2-policy-hash" = 5' '.keyslots = ["77"]' \
	'."tpm2-blob" = "AAAA"'; do
	jq -c "$field" "$TMP/good.json" >"$TMP/bad.json"
	cryptsetup token remove --token-id 0 "$img" 2>/dev/null || true
	cryptsetup token import --disable-external-tokens --token-id 0 --json-file "$TMP/bad.json" "$img" 2>/dev/null || continue
	tried=$((tried + 1))
	run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
	assert_grep "token 0 on $img (is corrupted|cannot be used)|could not load the sealed key" "$TMP/out"
	note "$field: $(grep -m1 -oE 'token 0 on [^ ]+ .*|could not load.*' "$TMP/out" | cut -c1-110)"
done
[ "$tried" -ge 3 ] || fail "only $tried corrupted tokens could be imported"
assert_eq "$(keyslot_count "$img")" 1 "keyslots of the corrupted-token image"
echo "ok: non-blank devices refused, corrupted tokens explained"
