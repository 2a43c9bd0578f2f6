#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A merge step that fails (here: the copy's directory is immutable, as a full
# or broken partition would refuse a write) is logged and listed as failed,
# does not fail the layout step, and leaves that bind's base as it was: the
# next boot retries the whole merge of that bind and finishes it.  Another
# bind's merge in the same boot is done and recorded.
. "$(dirname "$0")/lib-layout.sh"
scratch_init ext4
command -v chattr >/dev/null || skip "chattr (e2fsprogs) is missing"
mkdir -p "$S/image/etc/app" "$S/image/etc/other"
echo "a v1" >"$S/image/etc/app/a.conf"
echo "o v1" >"$S/image/etc/other/o.conf"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/etc/app /etc/other"
L
export LAYOUT=$TMP/layout.env
field() {
	python3 - "$SEALROOT_REPORT" "$1" <<'PY'
import json, sys
st = [s for s in json.load(open(sys.argv[1]))["stages"] if s["name"] == "layout"][0]
v = st.get(sys.argv[2], "-")
print(" ".join(m["result"] + " " + m["path"] for m in v) if isinstance(v, list) else v)
PY
}
M=$S/persist/.sealroot-manifest

boot 'apply'
echo "a v2" >"$S/image/etc/app/a.conf"
echo "o v2" >"$S/image/etc/other/o.conf"
grep -E ' /etc/app(/|$)' "$M" >"$TMP/app.base"
chattr +i "$S/persist/etc/app"
cleanup_add "chattr -i $S/persist/etc/app 2>/dev/null"
boot 'apply'
chattr -i "$S/persist/etc/app"
assert_eq "$(field result)" ok "a failed merge step does not fail the layout step"
assert_eq "$(field merge_failed)" 1 "one failed step"
assert_eq "$(field merge)" "failed /etc/app/a.conf" "the failed path is listed"
assert_grep "error: layout: /etc/app/a.conf: merge of the image update: cannot replace it with the image's version: Operation not permitted; the persistent copy is left as it was, the next boot tries again" "$S/out"
assert_eq "$(cat "$S/persist/etc/app/a.conf")" "a v1" "left as it was"
assert_eq "$(cat "$S/persist/etc/other/o.conf")" "o v2" "the other bind is merged"
assert_eq "$(grep -E ' /etc/app(/|$)' "$M")" "$(cat "$TMP/app.base")" "the base of /etc/app is kept"
boot 'apply'
assert_eq "$(cat "$S/persist/etc/app/a.conf")" "a v2" "the next boot retries and finishes"
assert_eq "$(field merge_updated)" 1 "only /etc/app is merged again"
assert_eq "$(field merge_failed)" - "nothing failed"
boot 'apply'
assert_eq "$(field merge_updated)" - "and the boot after that merges nothing"
echo PASS
