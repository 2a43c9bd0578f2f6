#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# EMT's form of a copy follows the image (a regular file there: the file form).
# When the image lacks the path (a bind below a tmpfs overlay), a store
# directory holding exactly one regular file of the path's name is the file
# form, anything else the directory form; both are adopted and bound.  A file
# form's directory that holds more than the file keeps the rest, in place.
. "$(dirname "$0")/lib-layout.sh"
. "$(dirname "$0")/lib-emt.sh"
scratch_init
mkdir -p "$S/image/var/lib" "$S/image/etc"
echo "127.0.0.1 localhost" >"$S/image/etc/hosts"
cat >"$TMP/layout.env" <<'L'
TMPFS_OVERLAYS_PATHS="/var"
PERSISTENT_BIND_PATHS="
	/var/lib/app.db
	/var/lib/state
	/etc/hosts
"
L
export LAYOUT=$TMP/layout.env
export SEALROOT_REPORT=$S/report.json
P=$S/persist
mkdir -p "$P/var-lib-app.db.bind" "$P/var-lib-state.bind" "$P/etc-hosts.bind"
echo "rows" >"$P/var-lib-app.db.bind/app.db"
echo "a" >"$P/var-lib-state.bind/app.db"     # not the path's name: directory form
echo "b" >"$P/var-lib-state.bind/other"
echo "10.0.0.5 backend" >"$P/etc-hosts.bind/hosts"
echo "old" >"$P/etc-hosts.bind/hosts.orig"

boot '
	apply
	cp "$S/out" "$S/out.1"
	[ -f "$R/var/lib/app.db" ] && [ "$(cat "$R/var/lib/app.db")" = rows ] ||
		{ echo "FAIL: /var/lib/app.db is not the EMT file"; exit 1; }
	[ "$(cat "$R/var/lib/state/other")" = b ] || { echo "FAIL: /var/lib/state"; exit 1; }
	[ "$(cat "$R/etc/hosts")" = "10.0.0.5 backend" ] || { echo "FAIL: /etc/hosts"; exit 1; }
'
[ -f "$P/var/lib/app.db" ] || fail "file form not recognised without the image path"
[ -d "$P/var/lib/state" ] && [ -f "$P/var/lib/state/app.db" ] || fail "directory form"
assert_no_file "$P/var-lib-app.db.bind"
assert_no_file "$P/var-lib-state.bind"
assert_eq "$(ls -A "$P/etc-hosts.bind")" "hosts.orig" "the rest of a file form's directory stays"
assert_grep "layout: /etc/hosts: EMT copy $PBT/etc-hosts.bind/hosts adopted as $PBT/etc/hosts \\(moved; $PBT/etc-hosts.bind holds other entries and is left in place\\)" "$S/out.1"
assert_eq "$(migration_report)" "stage ok
migrated P/etc-hosts.bind/hosts P/etc/hosts
migrated P/var-lib-app.db.bind/app.db P/var/lib/app.db
migrated P/var-lib-state.bind P/var/lib/state" "migration report (plan order: parents first)"
echo PASS
