#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The GPT image has the four partitions sealroot expects: names, types,
# PARTUUIDs derived from the root hash, 1 MiB alignment, the UKI on the ESP
# and a zeroed persistent partition.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
out=$TMP/build
mkimage_build "$out" --raw-only --persist-size 8M
img=$out/image.raw
rh=$(cat "$out/roothash.txt")
[[ "$rh" =~ ^[0-9a-f]{64}$ ]] || fail "roothash.txt is not 64 hex digits: '$rh'"
uuid() { echo "${1:0:8}-${1:8:4}-${1:12:4}-${1:16:4}-${1:20:12}"; }

sfdisk -J "$img" >"$TMP/pt.json" || fail "sfdisk cannot read the partition table of $img"
assert_eq "$(jq -r .partitiontable.label "$TMP/pt.json")" gpt "label"
assert_eq "$(jq '.partitiontable.partitions | length' "$TMP/pt.json")" 4 "partition count"
check_part() { # index name type partuuid(or "") 
	local p
	p=$(jq -c ".partitiontable.partitions[$1]" "$TMP/pt.json")
	assert_eq "$(jq -r .name <<<"$p")" "$2" "name of partition $(($1 + 1))"
	assert_eq "$(jq -r '.type | ascii_downcase' <<<"$p")" "$3" "type of $2"
	[ -z "$4" ] || assert_eq "$(jq -r '.uuid | ascii_downcase' <<<"$p")" "$4" "PARTUUID of $2"
	[ $(($(jq .start <<<"$p") % 2048)) -eq 0 ] || fail "$2 does not start on a 1 MiB boundary"
	[ $(($(jq .size <<<"$p") % 2048)) -eq 0 ] || fail "$2 is not a whole number of MiB"
	# The manifest describes the same table.
	assert_eq "$(part_field "$out" "$2" offset)" $(($(jq .start <<<"$p") * 512)) "manifest offset of $2"
	assert_eq "$(part_field "$out" "$2" partuuid)" "$(jq -r '.uuid | ascii_downcase' <<<"$p")" "manifest PARTUUID of $2"
}
check_part 0 esp c12a7328-f81f-11d2-ba4b-00a0c93ec93b ""
check_part 1 root-a 4f68bce3-e8cd-4db1-96e7-fbcaf984b709 "$(uuid "${rh:0:32}")"
check_part 2 root-a-verity 2c7357ed-ebd2-46d9-aec1-23d437ec2bf5 "$(uuid "${rh:32:32}")"
check_part 3 sealroot-persist 0fc63daf-8483-4772-8e79-3d69d8477de4 ""
assert_eq "$(part_field "$out" sealroot-persist bytes)" $((8 * 1048576)) "persist size from --persist-size"

# The ESP is a FAT file system holding exactly the UKI as the removable-media path.
extract_part "$img" "$out" esp "$TMP/esp.img"
assert_eq "$(blkid -p -o value -s TYPE "$TMP/esp.img")" vfat "ESP file system"
MTOOLS_SKIP_CHECK=1 mcopy -i "$TMP/esp.img" ::EFI/BOOT/BOOTX64.EFI "$TMP/bootx64.efi" ||
	fail "EFI/BOOT/BOOTX64.EFI missing on the ESP"
cmp -s "$TMP/bootx64.efi" "$out/uki.efi" || fail "BOOTX64.EFI on the ESP differs from uki.efi"

# The root partition holds the erofs image; the persistent partition is all zeros.
extract_part "$img" "$out" root-a "$TMP/root.img"
assert_eq "$(blkid -p -o value -s TYPE "$TMP/root.img")" erofs "root file system"
extract_part "$img" "$out" sealroot-persist "$TMP/persist.img"
cmp -s "$TMP/persist.img" <(head -c $((8 * 1048576)) /dev/zero) || fail "persistent partition is not zeroed"
echo "ok: GPT layout, PARTUUIDs from root hash $rh"
