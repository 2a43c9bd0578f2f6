#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# With roothash= on the kernel command line (as at every verity boot), the
# root hash is the image's identity in the manifest: a boot with the same
# root hash merges nothing and reads nothing of the image for it (here even
# a changed tree is not looked at: with dm-verity it cannot change without
# its root hash), a new root hash merges the update, once.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
mkdir -p "$S/image/etc/app"
echo "v1" >"$S/image/etc/app/app.conf"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/etc/app"
L
export LAYOUT=$TMP/layout.env
A=$(printf 'a%.0s' $(seq 64))
B=$(printf 'b%.0s' $(seq 64))
export A B
apply_rh() { # ROOTHASH: layout apply as at boot
	boot '"$SEALROOT" layout apply --cmdline "roothash='"$1"' quiet" --root "$R" "$LAYOUT" >"$S/out" 2>&1'
}
M=$S/persist/.sealroot-manifest

apply_rh "$A"
assert_grep "^E roothash:$A /etc/app$" "$M"
echo "v2" >"$S/image/etc/app/app.conf"
sum=$(sha256sum <"$M")
apply_rh "$A"
assert_eq "$(cat "$S/persist/etc/app/app.conf")" v1 "same root hash: not merged"
assert_eq "$(sha256sum <"$M")" "$sum" "same root hash: manifest untouched"
assert_no_grep "merging" "$S/out"
apply_rh "$B"
assert_eq "$(cat "$S/persist/etc/app/app.conf")" v2 "new root hash: the update is merged"
assert_grep "^E roothash:$B /etc/app$" "$M"
assert_grep "/etc/app: image update merged: 0 added, 1 updated, 0 kept, 0 conflicts" "$S/out"
sum=$(sha256sum <"$M")
apply_rh "$B"
assert_no_grep "merging" "$S/out"
assert_eq "$(sha256sum <"$M")" "$sum" "second boot of the new root hash: nothing"
echo PASS
