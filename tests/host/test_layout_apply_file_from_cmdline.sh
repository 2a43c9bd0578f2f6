#!/bin/bash
# `layout apply --root DIR` without FILE reads DIR + sealroot.layout= (default
# /etc/sealroot/layout.env) and refuses a layout file reached through a symlink.
source "$(dirname "$0")/../lib.sh"
export SEALROOT_REPORT=$TMP/report.json

R=$TMP/root
mkdir -p "$R/etc/sealroot" "$R/var" "$R/srv" "$R/opt"
echo 'TMPFS_OVERLAYS_PATHS="/var"' >"$R/etc/sealroot/layout.env"
echo 'TMPFS_OVERLAYS_PATHS="/srv"' >"$R/etc/sealroot/other.env"

# Default path: /var gets the overlay.
unshare -m --propagation private bash -c "
	'$SEALROOT' layout apply --root '$R' --cmdline 'quiet' &&
	findmnt -n -o FSTYPE '$R/var'" >"$TMP/out" 2>&1 || { cat "$TMP/out"; fail "apply with the default layout path failed"; }
assert_grep '^overlay$' "$TMP/out"

# sealroot.layout= picks another file beneath the root.
unshare -m --propagation private bash -c "
	'$SEALROOT' layout apply --root '$R/' --cmdline 'sealroot.layout=/etc/sealroot/other.env' &&
	findmnt -n -o FSTYPE '$R/srv'" >"$TMP/out" 2>&1 || { cat "$TMP/out"; fail "apply with sealroot.layout= failed"; }
assert_grep '^overlay$' "$TMP/out"

# A symlinked layout file (leaf or parent) is refused, nothing mounted.
ln -s other.env "$R/etc/sealroot/link.env"
run_expect_rc 1 unshare -m --propagation private "$SEALROOT" layout apply --root "$R" \
	--cmdline 'sealroot.layout=/etc/sealroot/link.env'
assert_grep 'link.env is a symbolic link; refusing to follow it' "$TMP/out"
mkdir -p "$R/real"
cp "$R/etc/sealroot/other.env" "$R/real/l.env"
ln -s /real "$R/etc/dirlink"
run_expect_rc 1 "$SEALROOT" layout apply --root "$R" --cmdline 'sealroot.layout=/etc/dirlink/l.env'
assert_grep '/etc/dirlink is a symbolic link' "$TMP/out"

# Missing file: a clear message naming the option.
run_expect_rc 1 "$SEALROOT" layout apply --root "$R" --cmdline 'sealroot.layout=/etc/none.env'
assert_grep 'set sealroot.layout= or ship the file in the image' "$TMP/out"
# A relative sealroot.layout= is a command line error.
run_expect_rc 1 "$SEALROOT" layout apply --root "$R" --cmdline 'sealroot.layout=etc/x'
echo "ok"
