#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/update refuses, with a message saying what is wrong, and without
# changing a single byte of the disk: a build whose image or UKI does not
# match its manifest, a modified manifest, a root file system that does not
# match its hash tree, a UKI signed by another key (--cert), a version that
# is not newer than the active slot, the build that is already active, a
# disk without A/B slots, and bad options.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"
. "$(dirname "$0")/lib-update.sh"

ab_fixture
disk=$TMP/disk.raw
cp --sparse=always "$TMP/v1/image.raw" "$disk"
sum0=$(sha256sum <"$disk")
unchanged() { [ "$(sha256sum <"$disk")" = "$sum0" ] || fail "the disk changed after: $1"; }
copy_build() { rm -rf "$TMP/bad"; cp -a "$TMP/$1" "$TMP/bad"; }

copy_build v2
flip_byte "$TMP/bad/image.raw" $(($(part_field "$TMP/bad" root-a offset) + 4096))
run_expect_rc 1 "$UPDATE" "$TMP/bad" --disk "$disk"
assert_grep 'image.raw has sha256 .* the manifest says' "$TMP/out"
unchanged "a corrupted image.raw"

copy_build v2
flip_byte "$TMP/bad/uki.efi" 4096
run_expect_rc 1 "$UPDATE" "$TMP/bad" --disk "$disk"
assert_grep 'uki.efi has sha256' "$TMP/out"
unchanged "a corrupted uki.efi"

copy_build v2
jq '.version = "9"' "$TMP/bad/manifest.json" >"$TMP/m" && mv "$TMP/m" "$TMP/bad/manifest.json"
run_expect_rc 1 "$UPDATE" "$TMP/bad" --disk "$disk"
assert_grep 'manifest.json does not match manifest.json.sha256' "$TMP/out"
unchanged "a modified manifest"

# Tampered root whose checksums were regenerated: the hash tree catches it.
copy_build v2
flip_byte "$TMP/bad/image.raw" $(($(part_field "$TMP/bad" root-a offset) + 4096))
(cd "$TMP/bad" && sha256sum image.raw >image.raw.sha256)
jq --arg s "$(sha256sum <"$TMP/bad/image.raw" | cut -d' ' -f1)" '.files["image.raw"].sha256 = $s' \
	"$TMP/bad/manifest.json" >"$TMP/m" && mv "$TMP/m" "$TMP/bad/manifest.json"
(cd "$TMP/bad" && sha256sum manifest.json >manifest.json.sha256)
run_expect_rc 1 "$UPDATE" "$TMP/bad" --disk "$disk"
assert_grep 'root file system does not match its root hash' "$TMP/out"
unchanged "a root that does not match its hash tree"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/other.key" -out "$TMP/other.pem" -days 1 -subj /CN=other >/dev/null 2>&1
run_expect_rc 1 "$UPDATE" "$TMP/v2" --disk "$disk" --cert "$TMP/other.pem"
assert_grep 'is not signed by' "$TMP/out"
unchanged "a UKI signed by another key"

build_version old 0.9
run_expect_rc 1 "$UPDATE" "$TMP/old" --disk "$disk"
assert_grep "version '0.9' is not newer than the active slot's '1'" "$TMP/out"
unchanged "an older version"

run_expect_rc 1 "$UPDATE" "$TMP/v1" --disk "$disk"
assert_grep 'already in the active slot A' "$TMP/out"
unchanged "the active build"

run_expect_rc 1 "$UPDATE" "$TMP/v2" --disk "$TMP/v2/image.raw"
assert_grep "no partition named 'root-b': it is not an A/B disk" "$TMP/out"

run_expect_rc 2 "$UPDATE" "$TMP/v2" --disk "$disk" --tries 0
run_expect_rc 2 "$UPDATE" "$TMP/v2"
run_expect_rc 2 "$UPDATE" --disk "$disk"
run_expect_rc 1 "$UPDATE" "$TMP/nope" --disk "$disk"
unchanged "usage errors"

# The signature check passes with the right certificate.
run_expect_rc 0 "$UPDATE" "$TMP/v2" --disk "$disk" --cert "$SNAKEOIL_PEM"
echo "ok: bad builds and options refused, disk unchanged"
