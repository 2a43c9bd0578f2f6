#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Seeding on ext4 keeps owner, mode (set-id and sticky bits too), nanosecond
# mtime, user.* / security.* / trusted.* xattrs and POSIX ACLs; symlinks are copied as symlinks, FIFOs as
# FIFOs, hard links as hard links; a device node or socket in the image is
# left out with a warning (never created) and the entry is still bound.
. "$(dirname "$0")/lib-layout.sh"
scratch_init ext4
mkdir -p "$S/image/etc/app/sub" "$S/image/etc/dev"
echo conf >"$S/image/etc/app/app.conf"
chown 1001:1002 "$S/image/etc/app/app.conf"
chmod 0640 "$S/image/etc/app/app.conf"
chmod 0750 "$S/image/etc/app"
chown 1001:0 "$S/image/etc/app"
touch -d '2020-01-02 03:04:05.123456789' "$S/image/etc/app/app.conf"
touch -d '2019-05-06 07:08:09.987654321' "$S/image/etc/app/sub"
setfattr -n user.color -v blue "$S/image/etc/app/app.conf"
setfattr -n trusted.origin -v image "$S/image/etc/app/app.conf"
setfattr -n security.sealroot -v lab "$S/image/etc/app/app.conf" ||
	fail "cannot set a security.* xattr on the scratch ext4 (the seeding check needs one)"
setfacl -m u:1234:rw "$S/image/etc/app/app.conf"
setfacl -d -m g:555:rx "$S/image/etc/app/sub"
ln -s app.conf "$S/image/etc/app/link-rel"
ln -s /etc/passwd "$S/image/etc/app/link-abs"
chown -h 1003:1004 "$S/image/etc/app/link-rel"
touch -h -d '2018-03-04 05:06:07.111111111' "$S/image/etc/app/link-rel"
mknod "$S/image/etc/dev/null" c 1 3
echo keep >"$S/image/etc/dev/regular"
mkfifo -m 0620 "$S/image/etc/app/fifo"
chown 1001:1002 "$S/image/etc/app/fifo"
setfacl -m u:77:rw "$S/image/etc/app/fifo"
ln "$S/image/etc/app/app.conf" "$S/image/etc/app/sub/hardlink"
# Set-id and sticky bits (set after the owner: chown would clear them).
mkdir "$S/image/etc/app/shared" "$S/image/etc/app/drop"
chown 1001:1002 "$S/image/etc/app/shared"
chmod 2770 "$S/image/etc/app/shared"
chmod 1777 "$S/image/etc/app/drop"
cp /usr/bin/id "$S/image/etc/app/tool"
chown 1001:1002 "$S/image/etc/app/tool"
chmod 6755 "$S/image/etc/app/tool"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$S/image/etc/app/sock"
# Last, so that adding the entries above does not change it: a non-empty
# directory's mtime.
touch -d '2017-08-09 10:11:12.222222222' "$S/image/etc/app"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/etc/app /etc/dev"
L
export LAYOUT=$TMP/layout.env

boot '
	apply 0
	ismount /etc/app
	ismount /etc/dev
	grep -q "warning: layout: /etc/dev: /etc/dev/null is a character device; not copied" "$S/out"
	grep -q "warning: layout: /etc/app: /etc/app/sock is a socket; not copied" "$S/out"
'
c=$S/persist/etc/app/app.conf
assert_eq "$(stat -c "%u:%g %a" "$c")" "$(stat -c "%u:%g %a" "$S/image/etc/app/app.conf")" "owner and mode"
assert_eq "$(stat -c "%u:%g" "$c")" "1001:1002" "owner"
assert_eq "$(stat -c '%y' "$c")" "$(stat -c '%y' "$S/image/etc/app/app.conf")" "mtime (ns)"
assert_eq "$(stat -c '%y' "$S/persist/etc/app/sub")" "$(stat -c '%y' "$S/image/etc/app/sub")" "dir mtime"
assert_eq "$(stat -c '%u:%g %a' "$S/persist/etc/app")" "1001:0 750" "dir owner and mode"
assert_eq "$(stat -c '%y' "$S/persist/etc/app")" "$(stat -c '%y' "$S/image/etc/app")" "non-empty dir mtime"
assert_eq "$(stat -c '%u:%g %y' "$S/persist/etc/app/link-rel")" "1003:1004 $(stat -c '%y' "$S/image/etc/app/link-rel")" \
	"symlink owner and mtime"
assert_eq "$(getfattr --only-values -n user.color "$c")" blue "user xattr"
assert_eq "$(getfattr --only-values -n trusted.origin "$c")" image "trusted xattr"
assert_eq "$(getfattr --only-values -n security.sealroot "$c")" lab "security xattr"
getfacl -p "$c" | grep -q '^user:1234:rw-' || fail "access ACL not copied"
getfacl -p "$S/persist/etc/app/sub" | grep -q '^default:group:555:r-x' || fail "default ACL not copied"
assert_eq "$(readlink "$S/persist/etc/app/link-rel")" app.conf "relative symlink copied as symlink"
assert_eq "$(readlink "$S/persist/etc/app/link-abs")" /etc/passwd "absolute symlink copied as symlink"
assert_no_file "$S/persist/etc/dev/null"
assert_eq "$(cat "$S/persist/etc/dev/regular")" keep "the rest of /etc/dev is seeded"
assert_no_file "$S/persist/etc/app/sock"
f=$S/persist/etc/app/fifo
[ -p "$f" ] || fail "FIFO not copied as a FIFO"
assert_eq "$(stat -c "%u:%g %a" "$f")" "$(stat -c "%u:%g %a" "$S/image/etc/app/fifo")" "FIFO owner and mode"
getfacl -p "$f" | grep -q '^user:77:rw-' || fail "FIFO ACL not copied"
assert_eq "$(stat -c '%i %h' "$S/persist/etc/app/sub/hardlink")" "$(stat -c '%i %h' "$c")" "hard link kept (inode, link count)"
assert_eq "$(stat -c '%h' "$c")" 2 "two links"
assert_eq "$(stat -c '%u:%g %a' "$S/persist/etc/app/shared")" "1001:1002 2770" "set-gid directory"
assert_eq "$(stat -c '%a' "$S/persist/etc/app/drop")" 1777 "sticky directory"
assert_eq "$(stat -c '%u:%g %a' "$S/persist/etc/app/tool")" "1001:1002 6755" "set-uid/set-gid file"
[ -z "$(find "$S/persist" -name '.sealroot-seed.*')" ] || fail "temporary left behind"
echo PASS
