#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every artifact is there with a .sha256 that verifies; the manifest describes
# the build; image.raw.gz and image.vhd hold the same disk; packages.txt lists
# the rootfs's packages; builds run from any directory.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
out=$TMP/build
# From an unrelated cwd, with relative paths.
(cd "$TMP" && "$MKIMAGE" --rootfs rootfs --initrd initrd.cpio --out build --version 7 >"$TMP/build.log" 2>&1) ||
	{ cat "$TMP/build.log"; fail "mkimage failed when run from $TMP with relative paths"; }
for a in build-id manifest.json packages.txt image.raw image.raw.gz image.vhd uki.efi cmdline.txt \
	signing-cert.pem roothash.txt; do
	assert_file "$out/$a"
	assert_file "$out/$a.sha256"
done
(cd "$out" && sha256sum --quiet -c ./*.sha256) || fail "a .sha256 file does not verify"
assert_grep '^mkimage: built .* in [0-9]+\.[0-9]{3}s$' "$TMP/build.log"
assert_grep 'image\.raw\.gz' "$TMP/build.log"

m=$out/manifest.json
assert_eq "$(jq -r .build_id "$m")" "$(cat "$out/build-id")" "manifest build_id"
assert_eq "$(jq -r .version "$m")" 7 "manifest version"
assert_eq "$(jq -r .fs_type "$m")" erofs "manifest fs_type"
assert_eq "$(jq -r .verity.root_hash "$m")" "$(cat "$out/roothash.txt")" "manifest root hash"
kv=$(jq -r .kernel_version "$m")
[[ "$kv" =~ ^[0-9]+\.[0-9]+ ]] || fail "manifest kernel_version '$kv' is not a kernel version"
assert_eq "$(jq '.disk.partitions | length' "$m")" 4 "manifest partition count"
assert_eq "$(jq -r '.files["image.raw"].bytes' "$m")" "$(stat -c %s "$out/image.raw")" "manifest image.raw size"
assert_eq "$(jq -r '.files["uki.efi"].sha256' "$m")" "$(cut -d' ' -f1 "$out/uki.efi.sha256")" "manifest uki.efi sha256"

# The compressed and VHD forms hold the same disk.
pigz -dc "$out/image.raw.gz" | cmp -s - "$out/image.raw" || fail "image.raw.gz does not decompress to image.raw"
assert_eq "$(qemu-img info --output=json "$out/image.vhd" | jq -r .format)" vpc "image.vhd format"
qemu-img compare -f vpc -F raw "$out/image.vhd" "$out/image.raw" >/dev/null || fail "image.vhd differs from image.raw"

# packages.txt: busybox rootfs without a package database …
assert_grep '^busybox [0-9]+\.[0-9]+' "$out/packages.txt"
# … and a dpkg database, installed packages only.
mkdir -p "$TMP/rootfs/var/lib/dpkg"
cat >"$TMP/rootfs/var/lib/dpkg/status" <<'DPKG'
Package: zlib1g
Status: install ok installed
Architecture: amd64
Version: 1:1.2.13.dfsg-1

Package: removed-thing
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: base-files
Status: install ok installed
Architecture: amd64
Version: 12.4+deb12u5
DPKG
mkimage_build "$TMP/build2" --raw-only
assert_eq "$(grep -v '^#' "$TMP/build2/packages.txt")" "base-files 12.4+deb12u5 amd64
zlib1g 1:1.2.13.dfsg-1 amd64" "packages.txt from dpkg status"

# Same inputs again: nothing rebuilt; --force rebuilds with a new build id.
id=$(cat "$TMP/build2/build-id")
mkimage_build "$TMP/build2" --raw-only
assert_grep 'reusing' "$TMP/build.log"
assert_eq "$(cat "$TMP/build2/build-id")" "$id" "build id after a cached run"
mkimage_build "$TMP/build2" --raw-only --force
[ "$(cat "$TMP/build2/build-id")" != "$id" ] || fail "--force did not rebuild"
# A changed rootfs is rebuilt.
echo changed >"$TMP/rootfs/etc/motd"
mkimage_build "$TMP/build2" --raw-only
assert_no_grep 'reusing' "$TMP/build.log"
[ "$(cat "$TMP/build2/roothash.txt")" != "$(cat "$out/roothash.txt")" ] || fail "root hash did not change with the rootfs"
# --raw-only drops the compressed forms left by an earlier full build.
mkimage_build "$out" --raw-only
assert_no_file "$out/image.raw.gz"
assert_no_file "$out/image.vhd"
(cd "$out" && sha256sum --quiet -c ./*.sha256) || fail "a .sha256 file does not verify after --raw-only"
# Two builds into one --out at once: the second waits for the first.
"$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/par" --raw-only >"$TMP/p1.log" 2>&1 &
p1=$!
"$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/par" --raw-only >"$TMP/p2.log" 2>&1 ||
	{ cat "$TMP/p2.log"; fail "second of two parallel builds failed"; }
wait "$p1" || { cat "$TMP/p1.log"; fail "first of two parallel builds failed"; }
(cd "$TMP/par" && sha256sum --quiet -c ./*.sha256) || fail "parallel builds left inconsistent artifacts"
echo "ok: artifacts, checksums, manifest, packages, cache"
