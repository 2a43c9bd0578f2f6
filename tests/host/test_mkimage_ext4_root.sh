#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --fs ext4 puts a read-only-ready ext4 (no journal) with the rootfs content
# in the verity-protected root partition.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
out=$TMP/build
mkimage_build "$out" --raw-only --fs ext4
rh=$(cat "$out/roothash.txt")
assert_eq "$(jq -r .fs_type "$out/manifest.json")" ext4 "manifest fs_type"
extract_part "$out/image.raw" "$out" root-a "$TMP/data"
extract_part "$out/image.raw" "$out" root-a-verity "$TMP/hash"
assert_eq "$(blkid -p -o value -s TYPE "$TMP/data")" ext4 "root file system"
dumpe2fs -h "$TMP/data" 2>/dev/null >"$TMP/sb"
assert_no_grep 'has_journal' "$TMP/sb"
# The content is the rootfs (read back without mounting).
debugfs -R "cat /usr/lib/blob" "$TMP/data" 2>/dev/null | cmp -s - "$TMP/rootfs/usr/lib/blob" ||
	fail "/usr/lib/blob in the ext4 image differs from the rootfs"
assert_eq "$(debugfs -R "stat /bin/sh" "$TMP/data" 2>/dev/null | grep -c 'Fast link dest: "busybox"')" 1 "symlink /bin/sh"
e2fsck -fn "$TMP/data" >"$TMP/fsck" 2>&1 || { cat "$TMP/fsck"; fail "e2fsck finds errors in the ext4 root"; }
veritysetup verify "$TMP/data" "$TMP/hash" "$rh" || fail "ext4 root does not verify against $rh"
echo "ok: ext4 root verifies against $rh"
