#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A tmpfs overlay's root directory shows the image directory's POSIX ACLs
# (access and default) and extended attributes: they are carried to the
# upper directory, which overlayfs shows for the merged root.  A file created
# in the overlay inherits the default ACL.
. "$(dirname "$0")/lib-layout.sh"
scratch_init ext4
mkdir -p "$S/image/srv/data"
chmod 0750 "$S/image/srv/data"
chown 0:1234 "$S/image/srv/data"
setfacl -m u:4321:rwx "$S/image/srv/data"
setfacl -d -m g:555:rx "$S/image/srv/data"
setfattr -n trusted.sealroot -v image "$S/image/srv/data"
setfattr -n user.note -v kept "$S/image/srv/data"
cat >"$TMP/layout.env" <<'L'
TMPFS_OVERLAYS_PATHS="/srv/data"
L
export LAYOUT=$TMP/layout.env

boot '
	apply 0
	ismount /srv/data
	getfacl -p "$R/srv/data" >"$S/acl"
	getfattr --only-values -n trusted.sealroot "$R/srv/data" >"$S/xattr"
	# user.* on the tmpfs upper needs Linux 6.6; older kernels leave it out
	getfattr --only-values -n user.note "$R/srv/data" >"$S/user-xattr" 2>/dev/null || :
	stat -c "%u:%g" "$R/srv/data" >"$S/owner"
	touch "$R/srv/data/new"
	getfacl -p "$R/srv/data/new" >"$S/acl-new"
'
grep -q '^user:4321:rwx' "$S/acl" || { cat "$S/acl"; fail "access ACL of the overlay root lost"; }
grep -q '^default:group:555:r-x' "$S/acl" || { cat "$S/acl"; fail "default ACL of the overlay root lost"; }
assert_eq "$(cat "$S/xattr")" image "trusted xattr of the overlay root"
if printf '%s\n' "$(uname -r)" "6.6" | sort -V -C; then
	note "kernel $(uname -r) < 6.6: tmpfs has no user.* xattrs; user.note not checked"
else
	assert_eq "$(cat "$S/user-xattr")" kept "user xattr of the overlay root"
fi
assert_eq "$(cat "$S/owner")" "0:1234" "owner of the overlay root"
grep -q '^group:555:r-x' "$S/acl-new" || { cat "$S/acl-new"; fail "a new file does not inherit the default ACL"; }
echo PASS
