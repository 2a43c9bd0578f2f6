#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Three-way merge of an image update into the persistent copies: a file new
# in the image is added, a file the user never changed is updated (content,
# mode and owner), a file the user changed is kept and listed as a conflict
# when the image changed it too, a file the user deleted stays deleted (also
# one the image changed, and one added by an earlier merge), a file the new
# image dropped stays; a file bind is merged too, and a bind nested in
# another one on its own (read from the image, not from the outer copy
# mounted over it); a second boot of the same image changes nothing
# (idempotent); sealroot status shows the result.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
mkdir -p "$S/image/etc/ssh/keys"
echo "Port 22" >"$S/image/etc/ssh/sshd_config"
echo "Host *" >"$S/image/etc/ssh/ssh_config"
echo "moduli v1" >"$S/image/etc/ssh/moduli"
echo "banner v1" >"$S/image/etc/ssh/banner"
echo "old tool" >"$S/image/etc/ssh/dropped_in_v2"
echo "ca v1" >"$S/image/etc/ssh/keys/ca.pub"
echo "127.0.0.1 localhost" >"$S/image/etc/hosts"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/etc/ssh /etc/hosts /etc/ssh/keys"
L
export LAYOUT=$TMP/layout.env
M=$S/persist/.sealroot-manifest
report_field() { # KEY: the layout stage's field, or "none"
	python3 - "$SEALROOT_REPORT" "$1" <<'PY'
import json, sys
st = [s for s in json.load(open(sys.argv[1]))["stages"] if s["name"] == "layout"][0]
print(st.get(sys.argv[2], "none"))
PY
}
merge_items() {
	python3 - "$SEALROOT_REPORT" <<'PY'
import json, sys
st = [s for s in json.load(open(sys.argv[1]))["stages"] if s["name"] == "layout"][0]
for m in st.get("merge", []):
    print(m["result"], m["path"])
PY
}

# Boot 1: seeding records what the image shipped.
boot 'apply'
assert_file "$M"
assert_eq "$(head -1 "$M")" "sealroot-manifest 1" "manifest header"
assert_grep '^E tree:[0-9a-f]{64} /etc/ssh$' "$M"
assert_grep '^R f 0644 0 0 8 [0-9a-f]{64} /etc/ssh/sshd_config$' "$M"
assert_grep '^R d 0755 0 0 0 - /etc/ssh/keys$' "$M"
assert_grep '^E tree:[0-9a-f]{64} /etc/ssh/keys$' "$M"
assert_eq "$(grep -c '^R .* /etc/ssh/keys$' "$M")" 1 "the nested bind is recorded by its own entry only"
assert_eq "$(report_field merge_added)" none "no merge on the seeding boot"

# The user changes things (on the running system, through the binds).
boot '
	apply
	echo "Port 2222" >"$R/etc/ssh/sshd_config"
	rm "$R/etc/ssh/moduli" "$R/etc/ssh/banner"
	echo "mine" >"$R/etc/ssh/user_file"
'
sum1=$(sha256sum "$M")
# Boot 3, same image: nothing to merge, manifest untouched.
boot 'apply'
assert_eq "$(sha256sum "$M")" "$sum1" "the same image leaves the manifest as it is"
assert_eq "$(report_field merge_added)" none "the same image is not merged"

# Image v2.
echo "Port 22 # v2" >"$S/image/etc/ssh/sshd_config"
echo "Host * # v2" >"$S/image/etc/ssh/ssh_config"
chmod 0600 "$S/image/etc/ssh/ssh_config"
chown 7:8 "$S/image/etc/ssh/ssh_config"
echo "moduli v2" >"$S/image/etc/ssh/moduli"
rm "$S/image/etc/ssh/dropped_in_v2"
mkdir -p "$S/image/etc/ssh/sshd_config.d"
echo "PasswordAuthentication no" >"$S/image/etc/ssh/sshd_config.d/10-image.conf"
echo "key v2" >"$S/image/etc/ssh/new_key.pub"
echo "ca v2" >"$S/image/etc/ssh/keys/ca.pub"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$S/image/etc/hosts"
boot '
	apply
	"$SEALROOT" status >"$S/status" || true
'
P=$S/persist/etc/ssh
assert_eq "$(cat "$P/sshd_config")" "Port 2222" "user-changed file kept"
assert_eq "$(cat "$P/ssh_config")" "Host * # v2" "unchanged file updated"
assert_eq "$(stat -c '%a %u:%g' "$P/ssh_config")" "600 7:8" "mode and owner updated"
assert_eq "$(cat "$P/keys/ca.pub")" "ca v2" "unchanged file in a nested bind updated"
assert_no_file "$P/moduli"
assert_no_file "$P/banner"
assert_eq "$(cat "$P/user_file")" "mine" "user's own file kept"
assert_eq "$(cat "$P/dropped_in_v2")" "old tool" "a file the image dropped stays"
assert_eq "$(cat "$P/sshd_config.d/10-image.conf")" "PasswordAuthentication no" "new directory added"
assert_eq "$(cat "$P/new_key.pub")" "key v2" "new file added"
assert_eq "$(cat "$S/persist/etc/hosts")" "$(printf '127.0.0.1 localhost\n::1 localhost')" "file bind updated"
assert_eq "$(report_field merge_added)" 3 "added: sshd_config.d, its file, new_key.pub"
assert_eq "$(report_field merge_updated)" 3 "updated: ssh_config, keys/ca.pub, /etc/hosts"
assert_eq "$(report_field merge_kept)" 2 "kept: moduli (deleted), dropped_in_v2 (dropped)"
assert_eq "$(report_field merge_conflicts)" 1 "one conflict"
assert_eq "$(merge_items)" "conflict /etc/ssh/sshd_config" "the conflict is listed"
assert_eq "$(report_field result)" ok "a merge with a conflict does not fail the step"
assert_grep '^MERGE of the image update into the persistent copies: added 3 updated 3 kept 2 conflicts 1$' "$S/status"
assert_grep '^conflict +/etc/ssh/sshd_config +changed on this device and in the new image' "$S/status"
assert_grep '^R f 0600 7 8 12 [0-9a-f]{64} /etc/ssh/ssh_config$' "$M"
assert_no_grep 'dropped_in_v2' "$M"

# Boot 5, same image v2: idempotent.
find "$S/persist" -printf '%p %y %m %U:%G %s %T@\n' | sort >"$TMP/tree.before"
sum2=$(sha256sum "$M")
boot '
	apply
	rm "$R/etc/ssh/new_key.pub"
'
assert_eq "$(report_field merge_added)" none "second boot of v2: no merge"
assert_eq "$(sha256sum "$M")" "$sum2" "second boot of v2: manifest unchanged"
rm -f "$TMP/tree.after"
find "$S/persist" -printf '%p %y %m %U:%G %s %T@\n' | sort | grep -v 'new_key.pub' >"$TMP/tree.after"
assert_eq "$(grep -v new_key.pub "$TMP/tree.before" | grep -v "^$S/persist/etc/ssh " )" \
	"$(grep -v "^$S/persist/etc/ssh " "$TMP/tree.after")" "second boot of v2: store unchanged"

# Image v3 changes the file the user deleted after v2 added it: stays deleted.
echo "key v3" >"$S/image/etc/ssh/new_key.pub"
boot 'apply'
assert_no_file "$P/new_key.pub"
assert_eq "$(report_field merge_kept)" 1 "deleted after being added: kept deleted"
assert_eq "$(report_field merge_added)" 0 "nothing added by v3"
echo PASS
