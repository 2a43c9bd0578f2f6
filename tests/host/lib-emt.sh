# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-emt.sh — an EMT-era persistent store for the migration tests
# (test_layout_migrate_*.sh).  Source it after lib-layout.sh and scratch_init.
#
# EMT's 91persistent-mount keeps the copy of bind PATH in
# PERSISTENT_BIND_TARGET/<PATH without its leading "/", "/" → "-">.bind:
# a directory's copy is that directory, a file's copy is the file of the same
# name inside it.  emt_image and emt_store build such a store by hand (with
# cp -a, keeping owners, modes, ACLs and xattrs, as EMT's rsync -aHX does).
#
#   emt_image          image with /etc/ssh, /etc/app, /etc/machine-id, /etc/hosts
#   emt_store DIR      the EMT copies of those four binds in DIR, changed by
#                      "the device" (machine-id, host keys, hosts edit, an ACL
#                      and xattrs on /etc/app/app.conf)
#   emt_layout FILE    layout.env binding the four paths
#   manifest DIR       one line per entry below DIR: path, type, mode, owner,
#                      size, link target, mtime of non-directories (but the
#                      merge's .sealroot-manifest, rewritten by every boot that
#                      records something), SHA-256, xattrs and ACLs; equal
#                      manifests = equal trees
#   inodes DIR         the sorted inode numbers of the regular files below DIR
#                      (but the merge's .sealroot-manifest)
#   migration_report   the layout stage of $SEALROOT_REPORT: "stage RESULT", then
#                      one "RESULT FROM TO" line per migration item, in report
#                      order, with $PBT written as "P"

emt_image() {
	mkdir -p "$S/image/etc/ssh" "$S/image/etc/app"
	echo "uninitialized" >"$S/image/etc/machine-id"
	echo "127.0.0.1 localhost" >"$S/image/etc/hosts"
	echo "Port 22" >"$S/image/etc/ssh/sshd_config"
	echo "conf=image" >"$S/image/etc/app/app.conf"
	chmod 0750 "$S/image/etc/app"
}

emt_store() {
	local d=$1
	mkdir -p "$d/etc-ssh.bind" "$d/etc-app.bind/sub" "$d/etc-machine-id.bind" "$d/etc-hosts.bind"
	echo "Port 2222" >"$d/etc-ssh.bind/sshd_config"
	echo "PRIVATE ed25519 of this device" >"$d/etc-ssh.bind/ssh_host_ed25519_key"
	chmod 0600 "$d/etc-ssh.bind/ssh_host_ed25519_key"
	echo "ssh-ed25519 AAAA device" >"$d/etc-ssh.bind/ssh_host_ed25519_key.pub"
	ln -s ssh_host_ed25519_key.pub "$d/etc-ssh.bind/current.pub"
	ln "$d/etc-ssh.bind/sshd_config" "$d/etc-ssh.bind/sshd_config.hardlink"
	echo "4f1c2a7e9b0d4c5e8a6f3b2d1c0e9f8a" >"$d/etc-machine-id.bind/machine-id"
	chmod 0444 "$d/etc-machine-id.bind/machine-id"
	printf '127.0.0.1 localhost\n10.0.0.5 backend\n' >"$d/etc-hosts.bind/hosts"
	echo "conf=device" >"$d/etc-app.bind/app.conf"
	chown 1001:1002 "$d/etc-app.bind/app.conf"
	chmod 0640 "$d/etc-app.bind/app.conf"
	setfacl -m u:1234:rw "$d/etc-app.bind/app.conf"
	setfattr -n user.color -v blue "$d/etc-app.bind/app.conf"
	setfattr -n trusted.origin -v device "$d/etc-app.bind/app.conf"
	setfacl -d -m g:555:rx "$d/etc-app.bind/sub"
	chmod 0750 "$d/etc-app.bind"
	touch -d '2021-03-04 05:06:07.123456789' "$d/etc-app.bind/app.conf"
}

emt_layout() {
	cat >"$1" <<'L'
TMPFS_OVERLAYS_PATHS="/var"
PERSISTENT_BIND_PATHS="
	/etc/machine-id
	/etc/ssh
	/etc/app
	/etc/hosts
"
L
}

manifest() {
	(
		cd "$1" || exit 1
		find . -mindepth 1 -printf '%p %y %m %U:%G %s %l\n' | LC_ALL=C sort
		find . -mindepth 1 ! -type d ! -name .sealroot-manifest -printf '%p mtime %T@\n' |
			LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
		find . -mindepth 1 ! -type l -print0 | LC_ALL=C sort -z |
			xargs -0r getfattr -h -d -m - -e hex 2>/dev/null
		find . -mindepth 1 ! -type l -print0 | LC_ALL=C sort -z |
			xargs -0r getfacl -p 2>/dev/null
	)
}

inodes() {
	find "$1" -type f ! -name '.sealroot-manifest*' -printf '%i\n' | sort -n
}

migration_report() {
	python3 - "$SEALROOT_REPORT" "$PBT" <<'PY'
import json, sys
st = [s for s in json.load(open(sys.argv[1]))["stages"] if s["name"] == "layout"][0]
short = lambda p: "P" + p[len(sys.argv[2]):] if p and p.startswith(sys.argv[2]) else str(p)
print("stage", st["result"])
for m in st.get("migration", []):
    print(m["result"], short(m["from"]), short(m["to"]))
PY
}
