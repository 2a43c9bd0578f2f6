#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The root hash in the manifest, roothash.txt and the UKI command line is the
# one the partitions in image.raw verify against, and one flipped byte in the
# data or in the hash partition is detected.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
out=$TMP/build
mkimage_build "$out" --raw-only
rh=$(cat "$out/roothash.txt")
assert_eq "$(jq -r .verity.root_hash "$out/manifest.json")" "$rh" "manifest root hash"
assert_grep "(^| )roothash=$rh( |\$)" "$out/cmdline.txt"
cmdline=$(cat "$out/cmdline.txt")

extract_part "$out/image.raw" "$out" root-a "$TMP/data"
extract_part "$out/image.raw" "$out" root-a-verity "$TMP/hash"
veritysetup verify "$TMP/data" "$TMP/hash" "$rh" || fail "veritysetup verify rejected the untouched partitions"
# The salt in the manifest is the one in the verity superblock.
veritysetup dump "$TMP/hash" >"$TMP/dump" || fail "veritysetup dump failed"
assert_grep "^Salt:[[:space:]]+$(jq -r .verity.salt "$out/manifest.json")\$" "$TMP/dump"

sealroot_verity_verify "$TMP/data" "$TMP/hash" "$cmdline" ||
	{ cat "$TMP/sv.log"; fail "sealroot verity verify rejected the untouched partitions"; }

# A wrong root hash is rejected.
wrong=$(printf '%s' "$rh" | tr '0-9a-f' '1-9a-f0')
run_expect_rc 1 veritysetup verify "$TMP/data" "$TMP/hash" "$wrong"

# expect_rejected DATA HASH WHAT — both verifiers must refuse the pair.
expect_rejected() {
	local rc=0
	veritysetup verify "$1" "$2" "$rh" >"$TMP/v.log" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || fail "veritysetup verify accepted $3"
	rc=0
	sealroot_verity_verify "$1" "$2" "$cmdline" || rc=$?
	assert_eq "$rc" 1 "sealroot verity verify on $3"
}
# One byte in a data block (inside the erofs image) …
cp "$TMP/data" "$TMP/data.bad"
flip_byte "$TMP/data.bad" $((4096 + 123))
expect_rejected "$TMP/data.bad" "$TMP/hash" "a data partition with a flipped byte"
# … and in a hash block, after the 4 KiB verity superblock.
cp "$TMP/hash" "$TMP/hash.bad"
flip_byte "$TMP/hash.bad" $((4096 + 7))
expect_rejected "$TMP/data" "$TMP/hash.bad" "a hash partition with a flipped byte"
echo "ok: verity root hash $rh verifies; tampering detected"
