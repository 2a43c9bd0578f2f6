#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The overlays' upper and work directories live in the tmpfs at
# TMPFS_OVERLAY_TARGET, and only there.  On a writable root (an image that is
# not read-only, a lab setup) a failed tmpfs mount must not make them land in
# the root itself, where "reset at every boot" would silently stop holding:
# the overlays are refused and nothing is written to the root.  The tmpfs
# mount is made to fail by strace's syscall fault injection (the first
# fsopen(2) of the run is the tmpfs's).
. "$(dirname "$0")/lib-layout.sh"
command -v strace >/dev/null || fail "strace is missing (scripts/install-deps installs it)"
scratch_init
image_default

# Positive control, same writable root: the upper directory is in the tmpfs.
boot '
	mount -o remount,bind,rw "$R"
	apply
	stat -f -c %T "$R$TOT/var/upper" >"$S/upper-fs"
	echo boot1 >"$R/var/log/boot1"
'
assert_eq "$(cat "$S/upper-fs")" tmpfs "file system of the /var overlay's upper directory"
assert_eq "$(ls -A "$S/image$TOT")" "" "nothing written below $TOT in the root"
assert_no_file "$S/image/var/log/boot1"

boot '
	mount -o remount,bind,rw "$R"
	rc=0
	strace -f -qq -o /dev/null -e trace=fsopen -e inject=fsopen:error=ENODEV:when=1 \
		"$SEALROOT" layout apply --root "$R" "$LAYOUT" >"$S/out" 2>&1 || rc=$?
	echo "$rc" >"$S/rc"
	for p in $TOT /var /etc/lp; do
		if mountpoint -q "$R$p"; then echo "$p" >>"$S/mounted"; fi
	done
'
cat "$S/out"
assert_eq "$(cat "$S/rc")" 1 "exit status of layout apply with a failed tmpfs"
assert_grep "layout: $TOT: cannot mount tmpfs" "$S/out"
assert_grep "layout: /var: $TOT is not a mounted tmpfs" "$S/out"
assert_no_file "$S/mounted"
assert_eq "$(ls -A "$S/image$TOT")" "" "no upper or work directory made in the root"
echo PASS
