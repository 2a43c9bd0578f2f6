#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The same rootfs, kernel, initrd and options give a bit-identical unsigned
# image at a later time; signing (sbsign stamps a signing time) changes only
# the UKI, never the root hash or the verity partitions.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
for fs in erofs ext4; do
	mkimage_build "$TMP/a-$fs" --raw-only --no-sign --fs "$fs"
	sleep 1.1
	mkimage_build "$TMP/b-$fs" --raw-only --no-sign --fs "$fs"
	cmp -s "$TMP/a-$fs/uki.efi" "$TMP/b-$fs/uki.efi" || fail "$fs: unsigned UKI differs between two builds"
	cmp -s "$TMP/a-$fs/image.raw" "$TMP/b-$fs/image.raw" || fail "$fs: image.raw differs between two builds"
done
[ "$(cat "$TMP/a-erofs/roothash.txt")" != "$(cat "$TMP/a-ext4/roothash.txt")" ] || fail "erofs and ext4 gave the same root hash"
# A signed PCR policy (--pcr-key) is deterministic too (RSA PKCS#1 v1.5).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/pcr.key" 2>/dev/null
mkimage_build "$TMP/a-pcr" --raw-only --no-sign --pcr-key "$TMP/pcr.key"
sleep 1.1
mkimage_build "$TMP/b-pcr" --raw-only --no-sign --pcr-key "$TMP/pcr.key"
for f in uki.efi pcr-signature.json image.raw; do
	cmp -s "$TMP/a-pcr/$f" "$TMP/b-pcr/$f" || fail "--pcr-key: $f differs between two builds"
done
! cmp -s "$TMP/a-pcr/uki.efi" "$TMP/a-erofs/uki.efi" || fail "--pcr-key did not change the UKI"
assert_eq "$(cat "$TMP/a-pcr/roothash.txt")" "$(cat "$TMP/a-erofs/roothash.txt")" "root hash with --pcr-key"

# Packaging options do not change the root hash.
mkimage_build "$TMP/signed" --fec --cmdline quiet
assert_eq "$(cat "$TMP/signed/roothash.txt")" "$(cat "$TMP/a-erofs/roothash.txt")" "root hash with other packaging options"
# SOURCE_DATE_EPOCH is the one timestamp in the image: another value, another image.
SOURCE_DATE_EPOCH=1700000000 mkimage_build "$TMP/epoch" --raw-only --no-sign
[ "$(cat "$TMP/epoch/roothash.txt")" != "$(cat "$TMP/a-erofs/roothash.txt")" ] ||
	fail "SOURCE_DATE_EPOCH did not reach the file system"
assert_eq "$(jq -r .inputs.source_date_epoch "$TMP/epoch/manifest.json")" 1700000000 "manifest source_date_epoch"
echo "ok: reproducible images ($(cut -c1-16 "$TMP/a-erofs/image.raw.sha256")…)"
