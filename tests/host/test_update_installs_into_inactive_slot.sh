#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/update writes a verified build into the inactive slot only: the new
# slot verifies against the build's root hash and carries its PARTUUIDs, the
# entry appears with the boot counter, and the active slot (partitions and
# entry), the persistent partition, systemd-boot and loader.conf are
# byte-identical.  The active slot is the newest blessed entry: while B is
# only being tried, the next update replaces B again; once B is blessed, the
# next update goes to A.  The UKI is installed unchanged, its signed PCR
# policy (.pcrsig, .pcrpkey) included; an update whose PCR key differs from
# the active slot's, or that has none, is installed with a warning.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"
. "$(dirname "$0")/lib-update.sh"

ab_fixture --pcr-key
disk=$TMP/disk.raw
cp --sparse=always "$TMP/v1/image.raw" "$disk"
# Something on the persistent partition that must survive.
printf 'persistent data' | dd of="$disk" bs=1M seek=$(($(disk_part "$disk" sealroot-persist start) / 1048576)) conv=notrunc status=none
protected_sums "$disk" a >"$TMP/before"

run_expect_rc 0 "$UPDATE" "$TMP/v2" --disk "$disk" --tries 2
assert_grep '^update: installed 2 into slot B as EFI/Linux/sealroot-2-b\+2.efi' "$TMP/out"
assert_eq "$(esp_entries "$disk")" "sealroot-1-a.efi sealroot-2-b+2.efi" "entries after update 1"
protected_sums "$disk" a >"$TMP/after"
diff "$TMP/before" "$TMP/after" >&2 || fail "the update changed slot A, the persistent partition or the loader"
rh2=$(cat "$TMP/v2/roothash.txt")
assert_eq "$(disk_part "$disk" root-b uuid)" "$(uuid_of "${rh2:0:32}")" "root-b PARTUUID"
assert_eq "$(disk_part "$disk" root-b-verity uuid)" "$(uuid_of "${rh2:32:32}")" "root-b-verity PARTUUID"
slot_verifies "$disk" b "$TMP/v2" || fail "slot B does not verify against build 2's root hash"
mcopy -i "$disk@@$(disk_part "$disk" esp start)" "::EFI/Linux/sealroot-2-b+2.efi" "$TMP/e.efi"
cmp -s "$TMP/e.efi" "$TMP/v2/uki.efi" || fail "the slot B entry is not build 2's UKI"
objcopy -O binary --only-section=.pcrsig "$TMP/e.efi" "$TMP/e.pcrsig"
cmp -s "$TMP/e.pcrsig" "$TMP/v2/pcr-signature.json" || fail "the slot B entry lost build 2's .pcrsig"
assert_grep "^  pcr policy    signed for PCR 11, key pkfp $(jq -r .uki.pcr_signature.pkfp "$TMP/v2/manifest.json")\$" "$TMP/out"
assert_no_grep 'warning' "$TMP/out"

# B not yet blessed (still trying): A is active, version 3 replaces B.
run_expect_rc 0 "$UPDATE" "$TMP/v3" --disk "$disk"
assert_grep 'active slot: A \(sealroot-1-a.efi, blessed\)' "$TMP/out"
assert_grep "warning: $TMP/v3/uki.efi is signed by another PCR key than the active slot's sealroot-1-a.efi" "$TMP/out"
assert_eq "$(esp_entries "$disk")" "sealroot-1-a.efi sealroot-3-b+3.efi" "entries after update 2"
slot_verifies "$disk" b "$TMP/v3" || fail "slot B does not verify against build 3"
protected_sums "$disk" a >"$TMP/after"
diff "$TMP/before" "$TMP/after" >&2 || fail "the second update changed slot A"

# B blessed (what the booted system does after its health check): B is
# active now, version 4 goes into A.
mren -i "$disk@@$(disk_part "$disk" esp start)" ::EFI/Linux/sealroot-3-b+3.efi sealroot-3-b.efi
build_version v4 4
protected_sums "$disk" b >"$TMP/before-b"
run_expect_rc 0 "$UPDATE" "$TMP/v4" --disk "$disk" --tries 1
assert_grep 'active slot: B \(sealroot-3-b.efi, blessed\)' "$TMP/out"
assert_grep "warning: $TMP/v4/uki.efi has no signed PCR policy \(.pcrsig\), the active slot's sealroot-3-b.efi has one" "$TMP/out"
assert_grep '^  pcr policy    none' "$TMP/out"
assert_eq "$(esp_entries "$disk")" "sealroot-3-b.efi sealroot-4-a+1.efi" "entries after update 3"
slot_verifies "$disk" a "$TMP/v4" || fail "slot A does not verify against build 4"
protected_sums "$disk" b >"$TMP/after-b"
diff "$TMP/before-b" "$TMP/after-b" >&2 || fail "the update into A changed slot B"
dd if="$disk" bs=1 skip="$(disk_part "$disk" sealroot-persist start)" count=15 status=none | grep -qx 'persistent data' ||
	fail "the persistent partition lost its data"

# A bad entry (tries used up) does not count as active: B stays active.
mren -i "$disk@@$(disk_part "$disk" esp start)" ::EFI/Linux/sealroot-4-a+1.efi sealroot-4-a+0-1.efi
build_version v5 5
run_expect_rc 0 "$UPDATE" "$TMP/v5" --disk "$disk"
assert_grep 'active slot: B ' "$TMP/out"
assert_eq "$(esp_entries "$disk")" "sealroot-3-b.efi sealroot-5-a+3.efi" "the bad entry was replaced"
# --esp DIR: a mounted ESP (here a plain directory with the ESP's files) is
# edited through the file system; the ESP inside the disk is not touched.
cp --sparse=always "$TMP/v1/image.raw" "$disk"
mkdir -p "$TMP/espdir"
mcopy -s -i "$disk@@$(disk_part "$disk" esp start)" ::EFI ::loader "$TMP/espdir/"
esp_before=$(part_sha "$disk" esp)
run_expect_rc 0 "$UPDATE" "$TMP/v2" --disk "$disk" --esp "$TMP/espdir" --tries 2
assert_eq "$(ls "$TMP/espdir/EFI/Linux" | tr '\n' ' ')" "sealroot-1-a.efi sealroot-2-b+2.efi " "entries in --esp DIR"
cmp -s "$TMP/espdir/EFI/Linux/sealroot-2-b+2.efi" "$TMP/v2/uki.efi" || fail "the --esp entry is not build 2's UKI"
assert_eq "$(part_sha "$disk" esp)" "$esp_before" "the disk's ESP with --esp DIR"
slot_verifies "$disk" b "$TMP/v2" || fail "slot B does not verify after an update with --esp"
echo "ok: updates go to the inactive slot; active slot, persist and loader untouched"
