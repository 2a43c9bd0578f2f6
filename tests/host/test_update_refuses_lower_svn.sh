#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/update compares the security version (sealroot.svn= on the UKI's
# command line, none = 0) of the build with the active slot's: a lower one
# (and a build without SVN over a slot with SVN 2) is refused before a byte
# of the disk is written, with both numbers, the file and the fix in the
# message; an equal or higher SVN is installed; --allow-lower-svn installs a
# lower one with a warning.  A manifest whose svn disagrees with its UKI's
# command line is refused too, and so is an update whose active slot's UKI
# cannot be read (unless --allow-lower-svn).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"
. "$(dirname "$0")/lib-update.sh"

mkimage_fixture
build_version v1 1 --slots ab --persist-size 4M --svn 2
build_version low 2 --svn 1
build_version nosvn 3
build_version same 4 --svn 2
build_version high 5 --svn 3
disk=$TMP/disk.raw
cp --sparse=always "$TMP/v1/image.raw" "$disk"
sum0=$(sha256sum <"$disk")
unchanged() { [ "$(sha256sum <"$disk")" = "$sum0" ] || fail "the disk changed after: $1"; }
active="the active slot A's security version 2 \(sealroot.svn=2\) \(EFI/Linux/sealroot-1-a.efi\)"
fix="Rebuild with scripts/mkimage --svn 2 \(or higher\); only if the TPM's minimum was never raised to 2, pass --allow-lower-svn"

run_expect_rc 1 "$UPDATE" "$TMP/low" --disk "$disk"
assert_grep "^update: error: $TMP/low/uki.efi has security version 1 \(sealroot.svn=1\), lower than $active" "$TMP/out"
assert_grep "$fix" "$TMP/out"
unchanged "a build with a lower SVN"

run_expect_rc 1 "$UPDATE" "$TMP/nosvn" --disk "$disk"
assert_grep "^update: error: $TMP/nosvn/uki.efi has no security version \(no sealroot.svn=, counts as 0\), lower than $active" "$TMP/out"
assert_grep "$fix" "$TMP/out"
unchanged "a build without SVN over SVN 2"

rm -rf "$TMP/bad"
cp -a "$TMP/same" "$TMP/bad"
jq '.svn = 7' "$TMP/same/manifest.json" >"$TMP/bad/manifest.json"
(cd "$TMP/bad" && sha256sum manifest.json >manifest.json.sha256)
run_expect_rc 1 "$UPDATE" "$TMP/bad" --disk "$disk"
assert_grep "manifest.json records svn 7, the UKI's command line sealroot.svn=2" "$TMP/out"
unchanged "a manifest whose svn is not the UKI's"

run_expect_rc 0 "$UPDATE" "$TMP/same" --disk "$disk"
assert_grep '^update: installed 4 into slot B' "$TMP/out"
assert_grep '^  svn           2 \(slot A: 2\)$' "$TMP/out"
assert_no_grep 'warning' "$TMP/out"
slot_verifies "$disk" b "$TMP/same" || fail "slot B does not verify against the build with the same SVN"

run_expect_rc 0 "$UPDATE" "$TMP/high" --disk "$disk"
assert_grep '^update: installed 5 into slot B' "$TMP/out"
assert_grep '^  svn           3 \(slot A: 2\)$' "$TMP/out"
assert_eq "$(esp_entries "$disk")" "sealroot-1-a.efi sealroot-5-b+3.efi" "entries after the higher SVN"

run_expect_rc 0 "$UPDATE" "$TMP/low" --disk "$disk" --allow-lower-svn
assert_grep "^update: warning: $TMP/low/uki.efi has security version 1 \(sealroot.svn=1\), lower than $active; installing it anyway \(--allow-lower-svn\)" "$TMP/out"
assert_grep '^update: installed 2 into slot B' "$TMP/out"
assert_eq "$(esp_entries "$disk")" "sealroot-1-a.efi sealroot-2-b+3.efi" "entries after --allow-lower-svn"
slot_verifies "$disk" b "$TMP/low" || fail "slot B does not verify against the lower build (--allow-lower-svn)"

# The active slot's UKI unreadable (here through --esp DIR): its SVN is
# unknown, so the update stops unless --allow-lower-svn is given.
mkdir -p "$TMP/espdir"
mcopy -s -i "$disk@@$(disk_part "$disk" esp start)" ::EFI ::loader "$TMP/espdir/"
echo "not a UKI" >"$TMP/espdir/EFI/Linux/sealroot-1-a.efi"
sum1=$(cat "$disk" "$TMP/espdir"/EFI/Linux/* | sha256sum)
run_expect_rc 1 "$UPDATE" "$TMP/high" --disk "$disk" --esp "$TMP/espdir"
assert_grep "cannot read the command line of the active slot's UKI EFI/Linux/sealroot-1-a.efi on $disk, so its security version is unknown" "$TMP/out"
assert_eq "$(cat "$disk" "$TMP/espdir"/EFI/Linux/* | sha256sum)" "$sum1" "disk and ESP after an unreadable active UKI"
run_expect_rc 0 "$UPDATE" "$TMP/high" --disk "$disk" --esp "$TMP/espdir" --allow-lower-svn
assert_grep '^  svn           3 \(slot A: unknown, --allow-lower-svn\)$' "$TMP/out"
echo "ok: lower SVN refused with the disk unchanged, equal and higher installed, --allow-lower-svn overrides"
