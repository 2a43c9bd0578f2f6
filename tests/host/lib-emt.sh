# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-emt.sh — an EMT-era persistent store for the migration tests
# (test_layout_migrate_*.sh), and the scenario and views of the comparison
# with a model of EMT's persistent-mount (test_layout_emt_model_*.sh, see
# view and cmp_* below).  Source it after lib-layout.sh (and scratch_init, but
# for cmp_init, which calls it).
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

# view DIR: the manifest of DIR as one line per path (so that a diff names
# the paths that differ), read through whatever is mounted below DIR:
#   PATH TYPE MODE UID:GID [SIZE [-> TARGET] mtime=NS [link=FIRST]]
#   [sha256=…] [acl=…] [default-acl=…] [NAME=HEX of each other xattr]
# PATH is "." for DIR itself, "./…" below it; link= names the first path of
# DIR that is the same inode (hard links); sizes and mtimes of directories
# are left out (they depend on the file system, and the boots' own mkdir and
# mounts change them); ACLs are written as getfacl does, in one word.
view() {
	python3 - "$1" <<'PY'
import hashlib, os, stat, sys
top = sys.argv[1]
def acl(raw):
	tags = {1: "user::", 2: "user:", 4: "group::", 8: "group:", 16: "mask::", 32: "other::"}
	out = []
	for i in range(4, len(raw), 8):
		tag = int.from_bytes(raw[i:i + 2], "little")
		perm = int.from_bytes(raw[i + 2:i + 4], "little")
		qid = int.from_bytes(raw[i + 4:i + 8], "little")
		rwx = "".join(c if perm & b else "-" for c, b in (("r", 4), ("w", 2), ("x", 1)))
		out.append(tags.get(tag, str(tag)) + ("%d:" % qid if tag in (2, 8) else "") + rwx)
	return ",".join(out)
paths = [top]
for d, dirs, files in os.walk(top):
	dirs.sort()
	for n in sorted(dirs + files):
		paths.append(os.path.join(d, n))
paths.sort()
first = {}
lines = []
for p in paths:
	st = os.lstat(p)
	rel = "." + p[len(top):]
	t = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFIFO: "p",
	     stat.S_IFSOCK: "s", stat.S_IFCHR: "c", stat.S_IFBLK: "b"}[stat.S_IFMT(st.st_mode)]
	f = [rel, t, "%o" % stat.S_IMODE(st.st_mode), "%d:%d" % (st.st_uid, st.st_gid)]
	if t != "d":
		f.append(str(st.st_size))
	if t == "l":
		f.append("-> " + os.readlink(p))
	if t != "d":
		f.append("mtime=%d" % st.st_mtime_ns)
		key = (st.st_dev, st.st_ino)
		if key in first:
			f.append("link=" + first[key])
		else:
			first[key] = rel
	if t == "f":
		f.append("sha256=" + hashlib.sha256(open(p, "rb").read()).hexdigest()[:16])
	if t != "l":
		names = sorted(os.listxattr(p, follow_symlinks=False))
		for n in names:
			v = os.getxattr(p, n, follow_symlinks=False)
			if n == "system.posix_acl_access":
				f.append("acl=" + acl(v))
			elif n == "system.posix_acl_default":
				f.append("default-acl=" + acl(v))
			else:
				f.append("%s=%s" % (n, v.hex()))
	lines.append(" ".join(f))
print("\n".join(lines))
PY
}

# The scenario both the EMT model (tests/host/emt-model.sh) and sealroot run
# in test_layout_emt_model_*.sh.  Times are fixed, so that two runs of the
# scenario give equal views where the semantics agree.
#   cmp_init           scratch tree on tmpfs, $EMT_MODEL, $LAYOUT (cmp_layout),
#                      the functions below exported for boot
#   cmp_image v1|v2    $S/image as image version 1, or updated to version 2
#   cmp_layout FILE    its layout: overlays /var and /etc, binds nested in them,
#                      two of them (/etc/lms, the file /var/log/inbm.log) absent
#                      from the image
#   cmp_device_writes  (inside boot, after the layout is applied) what the
#                      device does: edits, a new key, a deletion, a new file
#                      with an ACL, a chmod, writes to the overlays
#   cmp_view           (inside boot) view of $R/etc and $R/var, one listing
cmp_init() {
	command -v rsync >/dev/null || fail "rsync missing (scripts/install-deps installs it): the EMT model copies with it"
	scratch_init
	export EMT_MODEL=$TOP/tests/host/emt-model.sh
	export -f view cmp_device_writes cmp_view
	cmp_layout "$TMP/layout.env"
	export LAYOUT=$TMP/layout.env
}

cmp_image() {
	local i=$S/image t='2020-01-01 00:00:00'
	if [ "$1" = v1 ]; then
		mkdir -p "$i/etc/ssh/sshd_config.d" "$i/etc/app/sub" "$i/var/lib/app" "$i/var/log"
		echo "uninitialized" >"$i/etc/machine-id"
		echo "Port 22" >"$i/etc/ssh/sshd_config"
		ln -s sshd_config "$i/etc/ssh/current"
		echo "moduli" >"$i/etc/ssh/moduli"
		ln "$i/etc/ssh/moduli" "$i/etc/ssh/moduli.link"
		mkfifo "$i/etc/ssh/control.fifo"
		echo "conf=image" >"$i/etc/app/app.conf"
		chown 1001:1002 "$i/etc/app/app.conf"
		chmod 0640 "$i/etc/app/app.conf"
		setfacl -m u:1234:rw "$i/etc/app/app.conf"
		setfattr -n user.color -v blue "$i/etc/app/app.conf"
		setfattr -n trusted.origin -v image "$i/etc/app/app.conf"
		echo "keep=1" >"$i/etc/app/keep.conf"
		echo "del=1" >"$i/etc/app/del.conf"
		setfacl -d -m g:555:rx "$i/etc/app/sub"
		chmod 0750 "$i/etc/app"
		echo "welcome" >"$i/etc/motd"
		echo "db=1" >"$i/var/lib/app/db"
		echo "log" >"$i/var/log/boot.log"
		setfacl -m u:1234:rx "$i/var"
		setfattr -n user.role -v logs "$i/var"
	else
		printf 'Port 22\nUsePAM yes\n' >"$i/etc/ssh/sshd_config"
		echo "KexAlgorithms +new" >"$i/etc/ssh/sshd_config.d/new.conf"
		echo "keep=2" >"$i/etc/app/keep.conf"
		echo "added=1" >"$i/etc/app/added.conf"
		echo "welcome v2" >"$i/etc/motd"
	fi
	find "$i/etc" "$i/var" -exec touch -h -d "$t" {} +
}

cmp_layout() {
	cat >"$1" <<'L'
TMPFS_OVERLAYS_PATHS="
	/var
	/etc
"
PERSISTENT_BIND_PATHS="
	/etc/machine-id
	/etc/ssh
	/etc/app
	/var/lib/app
	/etc/lms
	/var/log/inbm.log
"
PERSISTENT_BIND_FILES="/var/log/inbm.log"
PERSISTENT_BIND_TARGET="/opt/.mount/persistence"
TMPFS_OVERLAY_TARGET="/opt/.mount/tmpfs"
L
}

cmp_device_writes() {
	local t='2024-02-03 04:05:06'
	echo "Port 2222" >"$R/etc/ssh/sshd_config"
	echo "PRIVATE ed25519 of this device" >"$R/etc/ssh/ssh_host_ed25519_key"
	chmod 0600 "$R/etc/ssh/ssh_host_ed25519_key"
	rm "$R/etc/app/del.conf"
	echo "local=1" >"$R/etc/app/local.conf"
	setfacl -m u:4321:r "$R/etc/app/local.conf"
	chmod 0700 "$R/etc/app"
	echo "4f1c2a7e9b0d4c5e8a6f3b2d1c0e9f8a" >"$R/etc/machine-id"
	echo "db=2" >>"$R/var/lib/app/db"
	echo "changed" >"$R/etc/motd"
	echo "new" >"$R/var/log/new.log"
	echo "update 1 done" >>"$R/var/log/inbm.log"
	touch -d "$t" "$R/etc/ssh/sshd_config" "$R/etc/ssh/ssh_host_ed25519_key" "$R/etc/app/local.conf" \
		"$R/etc/machine-id" "$R/var/lib/app/db" "$R/etc/motd" "$R/var/log/new.log" "$R/var/log/inbm.log"
}

cmp_view() {
	view "$R/etc" | sed 's|^\.|/etc|; s| link=\.| link=/etc|'
	view "$R/var" | sed 's|^\.|/var|; s| link=\.| link=/var|'
}

# cmp_differ A B: the paths whose view lines differ between listings A and B.
cmp_differ() {
	diff <(sort "$1") <(sort "$2") | sed -n 's/^[<>] \([^ ]*\) .*/\1/p' | LC_ALL=C sort -u | xargs
}
