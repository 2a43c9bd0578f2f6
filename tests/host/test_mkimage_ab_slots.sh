#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mkimage --slots ab: six partitions (ESP, root-a/-verity, root-b/-verity of
# equal sizes, persist), slot A named by its root hash and slot B by PARTUUIDs
# no root hash can produce, a signed systemd-boot as the removable-media
# loader, loader.conf, and slot A's UKI as a Type #2 entry (blessed, or with
# a boot counter from --tries).  Single-slot stays the default.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"
. "$(dirname "$0")/lib-update.sh"

mkimage_fixture
mkimage_build "$TMP/ab" --raw-only --fast --slots ab --version 1.0 --slot-size 24M --persist-size 4M
img=$TMP/ab/image.raw
rh=$(cat "$TMP/ab/roothash.txt")
names=$(sfdisk -J "$img" | jq -r '[.partitiontable.partitions[].name] | join(" ")')
assert_eq "$names" "esp root-a root-a-verity root-b root-b-verity sealroot-persist" "A/B partitions"
assert_eq "$(disk_part "$img" root-a uuid)" "$(uuid_of "${rh:0:32}")" "root-a PARTUUID"
assert_eq "$(disk_part "$img" root-a-verity uuid)" "$(uuid_of "${rh:32:32}")" "root-a-verity PARTUUID"
assert_eq "$(disk_part "$img" root-a size)" $((24 * 1048576)) "root-a size from --slot-size"
assert_eq "$(disk_part "$img" root-b size)" "$(disk_part "$img" root-a size)" "slot sizes"
assert_eq "$(disk_part "$img" root-b-verity size)" "$(disk_part "$img" root-a-verity size)" "verity slot sizes"
for p in root-b root-b-verity; do
	u=$(disk_part "$img" "$p" uuid)
	[ "$u" != "$(uuid_of "${rh:0:32}")" ] && [ "$u" != "$(uuid_of "${rh:32:32}")" ] || fail "$p reuses a PARTUUID of slot A"
	[ "$(part_sha "$img" "$p")" = "$(head -c "$(disk_part "$img" "$p" size)" /dev/zero | sha256sum | cut -d' ' -f1)" ] ||
		fail "$p is not empty"
done
assert_eq "$(jq -r .slots.layout "$TMP/ab/manifest.json")" ab "manifest slots.layout"
slot_verifies "$img" a "$TMP/ab" || fail "slot A does not verify against roothash.txt"

off=$(disk_part "$img" esp start)
assert_eq "$(esp_entries "$img")" "sealroot-1.0-a.efi" "ESP entries"
mcopy -i "$img@@$off" ::EFI/BOOT/BOOTX64.EFI "$TMP/boot.efi"
sbverify --cert "$SNAKEOIL_PEM" "$TMP/boot.efi" >/dev/null 2>&1 || fail "BOOTX64.EFI is not signed with the snakeoil key"
grep -aq 'LoaderInfo: systemd-boot' "$TMP/boot.efi" || fail "BOOTX64.EFI is not systemd-boot"
mcopy -i "$img@@$off" ::EFI/Linux/sealroot-1.0-a.efi "$TMP/entry.efi"
cmp -s "$TMP/entry.efi" "$TMP/ab/uki.efi" || fail "the slot A entry differs from uki.efi"
mtype -i "$img@@$off" ::loader/loader.conf >"$TMP/loader.conf"
assert_grep '^timeout 0$' "$TMP/loader.conf"
assert_grep '^default sealroot-\*$' "$TMP/loader.conf"
assert_grep '^editor no$' "$TMP/loader.conf"

# --tries puts a boot counter on slot A's entry.
mkimage_build "$TMP/ab3" --raw-only --fast --slots ab --version 1.0 --tries 3
assert_eq "$(esp_entries "$TMP/ab3/image.raw")" "sealroot-1.0-a+3.efi" "entry with --tries 3"

# Usage errors: '+' in the version (boot counter separator), A/B-only options.
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/x" --slots ab --version 1+2
assert_grep "must not contain '\+'" "$TMP/out"
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/x" --slot-size 64M
assert_grep 'only makes sense with --slots ab' "$TMP/out"
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/x" --slots abc
run_expect_rc 1 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/x" --slots ab --slot-size 1M
assert_grep 'cannot hold' "$TMP/out"
echo "ok: A/B layout, signed systemd-boot, entry sealroot-1.0-a.efi"
