#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# First sealroot boot over an EMT-era store: the flattened EMT copies
# (etc-ssh.bind/, etc-machine-id.bind/machine-id, …) are moved — same inodes,
# nothing copied — to sealroot's mirrored places, so machine-id, SSH host keys,
# /etc/hosts edits and a file with an ACL and xattrs show at their paths,
# identical to the EMT copies.  The report lists every move; `sealroot status`
# shows it.  The second boot finds nothing to migrate and changes nothing.
. "$(dirname "$0")/lib-layout.sh"
. "$(dirname "$0")/lib-emt.sh"
scratch_init ext4
emt_image
emt_store "$S/persist"
emt_layout "$TMP/layout.env"
export LAYOUT=$TMP/layout.env
export SEALROOT_REPORT=$S/report.json

# What the EMT copies are, before: the trees and the inode numbers.
manifest "$S/persist/etc-ssh.bind" >"$TMP/ssh.before"
manifest "$S/persist/etc-app.bind" >"$TMP/app.before"
(cd "$S/persist/etc-machine-id.bind" && manifest .) >"$TMP/mid.before"
inodes "$S/persist" >"$TMP/inodes.before"

boot '
	apply
	cp "$S/out" "$S/out.1"
	[ "$(cat "$R/etc/machine-id")" = 4f1c2a7e9b0d4c5e8a6f3b2d1c0e9f8a ]
	[ "$(cat "$R/etc/ssh/ssh_host_ed25519_key")" = "PRIVATE ed25519 of this device" ]
	[ "$(stat -c %a "$R/etc/ssh/ssh_host_ed25519_key")" = 600 ]
	grep -q backend "$R/etc/hosts"
	getfacl -p "$R/etc/app/app.conf" | grep -q "^user:1234:rw-"
	[ "$(getfattr --only-values -n user.color "$R/etc/app/app.conf")" = blue ]
	[ "$(getfattr --only-values -n trusted.origin "$R/etc/app/app.conf")" = device ]
	"$SEALROOT" status >"$S/status.1"
'
out=$S/out.1
for p in /etc/machine-id /etc/ssh /etc/app /etc/hosts; do
	assert_grep "layout: $p: EMT copy $PBT/[a-z-]+\\.bind(/[a-z-]+)? adopted as $PBT$p \\(moved\\)$" "$out"
done

P=$S/persist
assert_eq "$(ls -A "$P" | tr '\n' ' ')" ".sealroot-manifest etc " \
	"only the mirrored tree (and the merge manifest) is left in the store"
assert_eq "$(manifest "$P/etc/ssh")" "$(cat "$TMP/ssh.before")" "/etc/ssh identical to the EMT copy"
assert_eq "$(manifest "$P/etc/app")" "$(cat "$TMP/app.before")" "/etc/app identical to the EMT copy"
assert_eq "$( (cd "$P/etc" && manifest . | grep -E '^\./machine-id|^[0-9a-f]+  \./machine-id|file: machine-id') )" \
	"$(grep -E '^\./machine-id|^[0-9a-f]+  \./machine-id|file: machine-id' "$TMP/mid.before")" "machine-id identical"
assert_eq "$(inodes "$P")" "$(cat "$TMP/inodes.before")" "same inodes: moved, not copied"
assert_eq "$(stat -c '%i' "$P/etc/ssh/sshd_config")" "$(stat -c '%i' "$P/etc/ssh/sshd_config.hardlink")" \
	"hard link kept"
assert_no_file "$P/.sealroot-migrate-emt"

# The report and `sealroot status`.
assert_eq "$(migration_report)" "stage ok
migrated P/etc-machine-id.bind/machine-id P/etc/machine-id
migrated P/etc-ssh.bind P/etc/ssh
migrated P/etc-app.bind P/etc/app
migrated P/etc-hosts.bind/hosts P/etc/hosts" "migration report"
assert_grep "^MIGRATION +FROM \(EMT\) +TO" "$S/status.1"
assert_grep "^migrated +$PBT/etc-ssh.bind +$PBT/etc/ssh +moved" "$S/status.1"

# Second boot: nothing to migrate, nothing changes.
manifest "$P" >"$TMP/store.after1"
boot '
	apply
	cp "$S/out" "$S/out.2"
	[ "$(cat "$R/etc/machine-id")" = 4f1c2a7e9b0d4c5e8a6f3b2d1c0e9f8a ]
'
assert_no_grep "EMT" "$S/out.2"
assert_eq "$(manifest "$P")" "$(cat "$TMP/store.after1")" "second boot left the store as it was"
assert_eq "$(migration_report)" "stage ok" "nothing migrated on the second boot"
echo PASS
