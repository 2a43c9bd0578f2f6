#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The manifest is on a partition anyone with the disk can write.  A corrupt
# one (a bad line, or a symbolic link) is an error naming the file and line,
# kept aside as .sealroot-manifest.corrupt, and the merge goes on with an
# unknown base: no persistent file is overwritten (not even one the user
# never changed), files the copy lacks are added, differing ones are listed
# as conflicts; the boot goes on (stage ok) and `sealroot status` shows the
# error.  A fresh manifest is saved, so the next boot of that image does
# nothing.  A symbolic link planted as the manifest is never followed.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
mkdir -p "$S/image/etc/app"
echo "a v1" >"$S/image/etc/app/a.conf"
echo "b v1" >"$S/image/etc/app/b.conf"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/etc/app"
L
export LAYOUT=$TMP/layout.env
M=$S/persist/.sealroot-manifest
field() {
	python3 - "$SEALROOT_REPORT" "$1" <<'PY'
import json, sys
st = [s for s in json.load(open(sys.argv[1]))["stages"] if s["name"] == "layout"][0]
print(st.get(sys.argv[2], "-"))
PY
}

boot 'apply'
assert_file "$M"
echo "R f 0644 0 0 1 zz /etc/app/x" >>"$M"
lines=$(wc -l <"$M")
cp "$M" "$TMP/corrupt"
echo "a v2" >"$S/image/etc/app/a.conf"
echo "new v2" >"$S/image/etc/app/new.conf"
boot '
	apply
	"$SEALROOT" status >"$S/status" || true
'
assert_grep "error: layout: /opt/.mount/persistence/.sealroot-manifest:$lines: a SHA-256 of 64 lowercase hex digits was expected; the manifest is not used" "$S/out"
assert_eq "$(cat "$S/persist/etc/app/a.conf")" "a v1" "unknown base: an unchanged file is not overwritten"
assert_eq "$(cat "$S/persist/etc/app/new.conf")" "new v2" "unknown base: a missing file is added"
assert_eq "$(field result)" ok "a corrupt manifest does not stop the boot"
assert_eq "$(field merge_conflicts)" 1 "the differing file is a conflict"
assert_eq "$(field merge_added)" 1 "one file added"
assert_eq "$(field merge_updated)" 0 "nothing updated"
assert_grep "^error +/opt/.mount/persistence/.sealroot-manifest:$lines: a SHA-256" "$S/status"
assert_grep "^conflict +/etc/app/a.conf " "$S/status"
assert_eq "$(cat "$S/persist/.sealroot-manifest.corrupt")" "$(cat "$TMP/corrupt")" "kept aside"
assert_eq "$(head -1 "$M")" "sealroot-manifest 1" "a valid manifest replaces it"
boot 'apply'
assert_eq "$(field merge_added)" - "the next boot of the same image merges nothing"
assert_eq "$(field merge_error)" - "and reports no error"

# A symbolic link as the manifest: not followed, its target untouched.
echo "precious" >"$S/outside"
rm "$M"
ln -s "$S/outside" "$M"
echo "a v3" >"$S/image/etc/app/a.conf"
boot 'apply'
assert_grep "sealroot-manifest: a symbolic link; the manifest is not used" "$S/out"
assert_eq "$(cat "$S/outside")" precious "the link's target is untouched"
[ -L "$S/persist/.sealroot-manifest.corrupt" ] || fail "the link is kept aside, not followed"
[ -f "$M" ] && [ ! -L "$M" ] || fail "a real manifest replaces the link"
assert_eq "$(cat "$S/persist/etc/app/a.conf")" "a v1" "still nothing overwritten"
echo PASS
