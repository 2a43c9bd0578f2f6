#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A ".sealroot-seed.*" leftover planted on the persistent partition, 1,100 and
# 5,000 directories deep, is removed with only 64 file descriptors allowed,
# and the path is seeded: the removal keeps a constant number of fds open,
# whatever the depth.  A leftover deeper than the removal's limit (lowered in
# the test build) fails that one entry with a message saying what to do; the
# other entries are still applied.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
mkdir -p "$S/image/etc/ssh" "$S/image/etc/pki"
echo "image" >"$S/image/etc/ssh/sshd_config"
echo "cert" >"$S/image/etc/pki/cert.pem"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/etc/ssh /etc/pki"
L
export LAYOUT=$TMP/layout.env

# plant DIR DEPTH: DEPTH nested directories below DIR, a file at the bottom
plant() {
	mkdir -p "$1"
	(cd "$1" && perl -e 'for (1 .. $ARGV[0]) { mkdir "d" or die "$!"; chdir "d" or die "$!" }
		open(my $f, ">", "bottom") or die "$!"' "$2")
}
plant "$S/persist/etc/.sealroot-seed.ssh.AbC123" 1100
plant "$S/persist/etc/.sealroot-seed.ssh.XyZ789" 5000

boot '
	ulimit -n 64
	apply
	[ "$(cat "$R/etc/ssh/sshd_config")" = image ] || { echo "FAIL: /etc/ssh not seeded"; exit 1; }
	ismount /etc/ssh || { echo "FAIL: /etc/ssh not mounted"; exit 1; }
'
assert_grep "layout: /etc/ssh: removed 2 partial cop" "$S/out"
assert_eq "$(ls -A "$S/persist/etc")" "pki
ssh" "the leftovers are gone, the real copies are there"

# Beyond the limit (10 levels in this test build): that entry fails, pki does not.
rm -rf "$S/persist/etc"
plant "$S/persist/etc/.sealroot-seed.ssh.AbC123" 50
SEALROOT=$SEALROOT_TEST SEALROOT_TEST_SEED_CLEAN_MAX_DEPTH=10 boot '
	apply 1
	! ismount /etc/ssh || { echo "FAIL: /etc/ssh mounted"; exit 1; }
	ismount /etc/pki || { echo "FAIL: /etc/pki not mounted"; exit 1; }
'
assert_grep "layout: /etc/ssh: a leftover partial copy $PBT/etc/\.sealroot-seed\.ssh\.\* is more than [0-9]+ directories deep; not removing it \(remove it from the persistent partition by hand\)" "$S/out"
assert_file "$S/persist/etc/.sealroot-seed.ssh.AbC123"
echo PASS
