#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The EMT store is untrusted input.  A symlink planted as an EMT copy (a
# directory's or a file's) or on the way to the sealroot place is refused
# with a message naming it, and nothing is moved, followed or written through
# it.  An EMT copy whose sealroot copy exists too is a conflict: both are
# kept untouched and the sealroot copy is used.  Two entries with one EMT name
# (/etc/a-b and /etc/a/b: EMT does not escape '-') are left alone.
. "$(dirname "$0")/lib-layout.sh"
. "$(dirname "$0")/lib-emt.sh"
scratch_init
emt_image
mkdir -p "$S/image/etc/a-b" "$S/image/etc/a/b" "$S/image/srv/data" "$S/outside" "$S/outside2"
echo "image ab" >"$S/image/etc/a-b/f"
echo "do not read" >"$S/outside/secret"
cat >"$TMP/layout.env" <<'L'
TMPFS_OVERLAYS_PATHS="/var"
PERSISTENT_BIND_PATHS="
	/etc/machine-id
	/etc/ssh
	/etc/app
	/etc/hosts
	/etc/a-b
	/etc/a/b
	/srv/data
"
L
export LAYOUT=$TMP/layout.env
export SEALROOT_REPORT=$S/report.json
P=$S/persist

ln -s "$S/outside" "$P/etc-ssh.bind"                       # a directory's EMT copy
mkdir "$P/etc-machine-id.bind"
ln -s "$S/outside/secret" "$P/etc-machine-id.bind/machine-id" # a file's EMT copy
mkdir -p "$P/etc-app.bind" "$P/etc/app"                   # conflict
echo "emt copy" >"$P/etc-app.bind/app.conf"
echo "sealroot copy" >"$P/etc/app/app.conf"
mkdir "$P/etc-hosts.bind"                                 # conflict, a file
echo "emt hosts" >"$P/etc-hosts.bind/hosts"
echo "sealroot hosts" >"$P/etc/hosts"
mkdir "$P/etc-a-b.bind"                                   # ambiguous
echo "emt ab" >"$P/etc-a-b.bind/f"
mkdir "$P/srv-data.bind"                                  # sealroot parent is a symlink
echo "emt data" >"$P/srv-data.bind/d"
ln -s "$S/outside2" "$P/srv"
manifest "$P/etc-app.bind" >"$TMP/emt-app"
manifest "$P/etc/app" >"$TMP/sr-app"
manifest "$S/outside" >"$TMP/outside"

boot '
	apply 1
	cp "$S/out" "$S/out.1"
	chk() { [ "$(cat "$R$1")" = "$2" ] || { echo "FAIL: $R$1 is \"$(cat "$R$1")\", expected \"$2\""; exit 1; }; }
	chk /etc/app/app.conf "sealroot copy"
	chk /etc/hosts "sealroot hosts"
	chk /etc/ssh/sshd_config "Port 22"       # seeded from the image
	[ ! -e "$R/etc/ssh/secret" ] || { echo "FAIL: /etc/ssh shows the symlink target"; exit 1; }
	chk /etc/machine-id uninitialized
	"$SEALROOT" status >"$S/status.1" || true
'
out=$S/out.1
assert_grep "layout: /etc/ssh: EMT copy $PBT/etc-ssh.bind not migrated: the EMT copy is a symbolic link; refusing to follow it" "$out"
assert_grep "layout: /etc/machine-id: EMT copy $PBT/etc-machine-id.bind/machine-id not migrated: the EMT copy is a symbolic link" "$out"
assert_grep "layout: /etc/app: EMT copy $PBT/etc-app.bind conflict: both the EMT copy and the sealroot copy $PBT/etc/app exist; both kept" "$out"
assert_grep "layout: /etc/hosts: EMT copy $PBT/etc-hosts.bind/hosts conflict: both" "$out"
assert_grep "layout: /etc/a-b: EMT copy $PBT/etc-a-b.bind ambiguous" "$out"
assert_grep "layout: /etc/a/b: EMT copy $PBT/etc-a-b.bind ambiguous" "$out"
assert_grep "layout: /srv/data: EMT copy $PBT/srv-data.bind not migrated: $PBT/srv is a symbolic link" "$out"
assert_grep "^conflict +$PBT/etc-app.bind +$PBT/etc/app" "$S/status.1"

# Nothing moved, followed or written through a symlink; both conflict copies kept.
[ -L "$P/etc-ssh.bind" ] && [ -L "$P/etc-machine-id.bind/machine-id" ] && [ -L "$P/srv" ] ||
	fail "a planted symlink was moved"
assert_eq "$(manifest "$S/outside")" "$(cat "$TMP/outside")" "symlink target untouched"
assert_eq "$(ls -A "$S/outside2")" "" "nothing written through the symlinked parent"
assert_eq "$(manifest "$P/etc-app.bind")" "$(cat "$TMP/emt-app")" "EMT side of the conflict kept"
assert_eq "$(manifest "$P/etc/app")" "$(cat "$TMP/sr-app")" "sealroot side of the conflict kept"
assert_eq "$(cat "$P/etc-hosts.bind/hosts") $(cat "$P/etc/hosts")" "emt hosts sealroot hosts" \
	"both copies of the file kept"
assert_eq "$(cat "$P/etc-a-b.bind/f")" "emt ab" "ambiguous EMT copy left in place"
assert_eq "$(cat "$P/srv-data.bind/d")" "emt data" "EMT copy behind a symlinked parent left in place"
assert_no_file "$P/.sealroot-migrate-emt"

assert_eq "$(migration_report)" "stage failed
refused P/etc-machine-id.bind/machine-id P/etc/machine-id
refused P/etc-ssh.bind P/etc/ssh
conflict P/etc-app.bind P/etc/app
conflict P/etc-hosts.bind/hosts P/etc/hosts
ambiguous P/etc-a-b.bind P/etc/a-b
refused P/srv-data.bind P/srv/data
ambiguous P/etc-a-b.bind P/etc/a/b" "migration report"

# Remove the planted links: the next boot is clean apart from the conflict,
# which is reported again (both copies still there) without failing.
rm "$P/etc-ssh.bind" "$P/etc-machine-id.bind/machine-id" "$P/srv"
rm -r "$P/srv-data.bind" "$P/etc-a-b.bind"
boot '
	apply
	cp "$S/out" "$S/out.2"
'
assert_grep "layout: /etc/app: EMT copy $PBT/etc-app.bind conflict" "$S/out.2"
assert_eq "$(cat "$P/etc/app/app.conf")" "sealroot copy" "sealroot copy still used"
echo PASS
