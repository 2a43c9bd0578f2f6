#!/bin/bash
# 'sealroot verity verify' on plain files made by veritysetup: a good image
# passes; a flipped byte in the data or the hash tree, or a wrong root hash,
# fails with a message saying which; data+hash in one file via hash-offset.
source "$(dirname "$0")/../lib.sh"

cd "$TMP"
dd if=/dev/urandom of=data.img bs=4096 count=300 status=none
veritysetup format data.img hash.img >fmt.txt
RH=$(awk '/^Root hash:/ {print $3}' fmt.txt)
[ ${#RH} -eq 64 ] || fail "no root hash from veritysetup"

note "good image verifies"
run_expect_rc 0 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "quiet roothash=$RH" data.img hash.img
assert_grep "root hash matches" "$TMP/out"

note "flipped byte in the data fails"
cp data.img bad-data.img
flip_byte bad-data.img $((4096 * 123 + 17))
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH" bad-data.img hash.img
assert_grep "corruption detected" "$TMP/out"
assert_grep "bad-data.img" "$TMP/out"

note "flipped byte in a leaf block of the hash tree fails"
cp hash.img bad-hash.img
flip_byte bad-hash.img $((4096 * 3 + 5))
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH" data.img bad-hash.img
assert_grep "corruption detected" "$TMP/out"

note "flipped byte in the top block of the hash tree is a root hash mismatch"
cp hash.img bad-top.img
flip_byte bad-top.img $((4096 + 9))
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH" data.img bad-top.img
assert_grep "root hash mismatch" "$TMP/out"

note "wrong root hash fails"
WRONG=$(printf '%s' "$RH" | tr '0-9a-f' '1-9a-f0')
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$WRONG" data.img hash.img
assert_grep "root hash mismatch" "$TMP/out"

note "sha512 root hash of the wrong size for a sha256 tree fails"
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH$RH" data.img hash.img
assert_grep "root hash mismatch" "$TMP/out"

note "no roothash= fails"
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "quiet" data.img hash.img
assert_grep "no roothash=" "$TMP/out"

note "malformed command line fails naming the option"
run_expect_rc 1 "$SEALROOT" verity verify --cmdline "roothash=abc" data.img hash.img
assert_grep 'roothash="abc"' "$TMP/out"

note "hash device that is not a verity superblock fails"
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH" data.img data.img
assert_grep "No valid dm-verity superblock on hash device data.img" "$TMP/out"

note "missing hash file fails"
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH" data.img nonexistent.img
assert_grep "nonexistent.img" "$TMP/out"

note "data and hash in one file with hash-offset"
OFF=$((4096 * 300))
cp data.img combined.img
veritysetup format --hash-offset=$OFF combined.img combined.img >fmt2.txt
RH2=$(awk '/^Root hash:/ {print $3}' fmt2.txt)
run_expect_rc 0 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" \
	--cmdline "roothash=$RH2 systemd.verity_root_options=hash-offset=$OFF" combined.img combined.img
note "  without the offset there is no superblock at 0"
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH2" combined.img combined.img
note "  corruption in the data part is found"
flip_byte combined.img $((4096 * 7))
run_expect_rc 1 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" \
	--cmdline "roothash=$RH2 systemd.verity_root_options=hash-offset=$OFF" combined.img combined.img
assert_grep "corruption detected" "$TMP/out"

note "sha512 tree verifies with a 128-hex-digit root hash"
veritysetup format --hash=sha512 data.img hash512.img >fmt3.txt
RH3=$(awk '/^Root hash:/ {print $3}' fmt3.txt)
[ ${#RH3} -eq 128 ] || fail "expected a sha512 root hash"
run_expect_rc 0 "$SEALROOT" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH3" data.img hash512.img
echo "ok"
