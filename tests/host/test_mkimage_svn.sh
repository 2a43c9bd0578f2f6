#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mkimage --svn N puts sealroot.svn=N on the UKI's (signed) command line and
# "svn": N in the manifest; without it there is neither. Bad values and a
# sealroot.svn= smuggled in through --cmdline are usage errors.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
for bad in 64 01 -1 x ""; do
	run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" --svn "$bad"
	assert_grep "must be a security version 0-63|needs a value" "$TMP/out"
done
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" \
	--cmdline "quiet sealroot.svn=9"
assert_grep "use --svn N" "$TMP/out"
assert_no_file "$TMP/o/manifest.json"

mkimage_build "$TMP/a" --fast --raw-only --no-sign --svn 3
assert_grep "(^| )sealroot\.svn=3( |\$)" "$TMP/a/cmdline.txt"
assert_eq "$(jq -r .svn "$TMP/a/manifest.json")" 3 "manifest svn"
objcopy -O binary --only-section=.cmdline "$TMP/a/uki.efi" "$TMP/uki.cmdline"
assert_grep "sealroot\.svn=3" "$TMP/uki.cmdline"

mkimage_build "$TMP/b" --fast --raw-only --no-sign
assert_no_grep "sealroot\.svn=" "$TMP/b/cmdline.txt"
assert_eq "$(jq -r .svn "$TMP/b/manifest.json")" null "manifest svn without --svn"
echo "ok: mkimage --svn"
