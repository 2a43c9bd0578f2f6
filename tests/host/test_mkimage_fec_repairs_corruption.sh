#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --fec stores Reed-Solomon parity after the hash tree in the verity
# partition; the command line names it, and a damaged data block that plain
# verification rejects is reported repairable with it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
out=$TMP/build
mkimage_build "$out" --raw-only --fec
rh=$(cat "$out/roothash.txt")
fec_off=$(jq -r .verity.fec.offset "$out/manifest.json")
assert_eq "$(jq -r .verity.fec.roots "$out/manifest.json")" 2 "manifest fec roots"
if [ "$fec_off" -le 0 ] || [ $((fec_off % 4096)) -ne 0 ]; then
	fail "bad FEC offset '$fec_off' in the manifest"
fi
assert_eq "$fec_off" "$(jq -r .verity.hash_tree_bytes "$out/manifest.json")" "FEC starts right after the hash tree"
hash_uuid=$(part_field "$out" root-a-verity partuuid)
assert_grep "systemd\\.verity_root_options=restart-on-corruption,fec-device=PARTUUID=$hash_uuid,fec-offset=$fec_off,fec-roots=2( |\$)" \
	"$out/cmdline.txt"

extract_part "$out/image.raw" "$out" root-a "$TMP/data"
extract_part "$out/image.raw" "$out" root-a-verity "$TMP/hash"
fec=(--fec-device "$TMP/hash" --fec-offset "$fec_off" --fec-roots 2)
veritysetup verify "${fec[@]}" "$TMP/data" "$TMP/hash" "$rh" || fail "untouched image with FEC does not verify"

flip_byte "$TMP/data" $((4096 + 99))
run_expect_rc 2 veritysetup verify "$TMP/data" "$TMP/hash" "$rh"
run_expect_rc 0 veritysetup verify "${fec[@]}" "$TMP/data" "$TMP/hash" "$rh"
assert_grep 'repairable errors with FEC' "$TMP/out"

# Without --fec the verity partition holds the hash tree only.
mkimage_build "$TMP/build2" --raw-only
assert_eq "$(jq -r .verity.fec "$TMP/build2/manifest.json")" null "manifest fec without --fec"
assert_no_grep 'fec-' "$TMP/build2/cmdline.txt"
echo "ok: FEC at offset $fec_off repairs a flipped byte"
