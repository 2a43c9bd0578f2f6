#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every mount the layout makes (the overlay tmpfs, each overlay, each
# persistent bind) is nosuid,nodev, set by sealroot itself: the scratch tree
# and the persistent tree here are mounted with neither, so a bind that only
# inherited its source's flags would show none.  A device node and a set-uid
# program planted on the persistent partition, and a device node made in an
# overlay at run time, do not act as such through the layout's mounts.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
image_default
chmod 0755 "$TMP" # the set-uid check runs as nobody
mkdir -p "$S/persist/etc/ssh"
mknod "$S/persist/etc/ssh/null" c 1 3
cp /usr/bin/id "$S/persist/etc/ssh/id"
chown 0:0 "$S/persist/etc/ssh/id"
chmod 4755 "$S/persist/etc/ssh/id"
# The planted files do work where no nosuid,nodev applies: the checks below
# can fail.
head -c1 "$S/persist/etc/ssh/null" >/dev/null || fail "the planted device node does not open"
assert_eq "$(setpriv --reuid=65534 --regid=65534 --clear-groups "$S/persist/etc/ssh/id" -u)" 0 \
	"the planted set-uid program runs as root outside the layout"

boot '
	grep -q "$R$PBT .*nosuid" /proc/self/mountinfo && { echo "FAIL: test set-up: $PBT already nosuid"; exit 1; }
	apply
	# mount point and per-mount options (fields 5 and 6) of every mount below $R
	awk -v r="$R" '"'"'$5 != r && index($5, r "/") == 1 { print substr($5, length(r) + 1), $6 }'"'"' \
		/proc/self/mountinfo >"$S/mountinfo"
	head -c1 "$R/etc/ssh/null" >/dev/null 2>"$S/dev-err" && echo opened >"$S/dev-err"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$R/etc/ssh/id" -u >"$S/id-u"
	mknod "$R/var/null" c 1 3
	head -c1 "$R/var/null" >/dev/null 2>"$S/var-dev-err" && echo opened >"$S/var-dev-err"
	stat -f -c %T "$R$TOT/var/upper" >"$S/upper-fs"
'
cat "$S/mountinfo"
n=0
while read -r target opts; do
	[ "$target" = "$PBT" ] && continue # the test's own stand-in for the partition mount
	n=$((n + 1))
	case ",$opts," in
	*,nosuid,*) ;;
	*) fail "$target is mounted without nosuid ($opts)" ;;
	esac
	case ",$opts," in
	*,nodev,*) ;;
	*) fail "$target is mounted without nodev ($opts)" ;;
	esac
done <"$S/mountinfo"
# the tmpfs, 9 overlays and 18 binds of the default layout
assert_eq "$n" 28 "number of layout mounts checked"
assert_grep "Permission denied" "$S/dev-err"
assert_grep "Permission denied" "$S/var-dev-err"
assert_eq "$(cat "$S/id-u")" 65534 "set-uid bit of a planted program ignored"
assert_eq "$(cat "$S/upper-fs")" tmpfs "file system of the /var overlay's upper directory"
echo PASS
