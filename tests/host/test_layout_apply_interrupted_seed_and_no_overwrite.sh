#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A temporary left by a seed interrupted mid-copy is removed and the path is
# seeded again; persistent data that exists is never overwritten, not even by
# a newer image (which only adds what is new: layout_merge.h); a copy made
# before the merge recorded a base gets what it lacks, nothing overwritten.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
mkdir -p "$S/image/etc/ssh" "$S/image/etc/pki/tls"
echo "image v1" >"$S/image/etc/ssh/sshd_config"
echo "image cert" >"$S/image/etc/pki/tls/cert.pem"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/etc/ssh /etc/pki"
L
export LAYOUT=$TMP/layout.env

# The state a crash mid-seed of /etc/ssh leaves: a partial temporary copy.
mkdir -p "$S/persist/etc/.sealroot-seed.ssh.aB3xYz"
echo "half" >"$S/persist/etc/.sealroot-seed.ssh.aB3xYz/sshd_config"
# And the user already changed /etc/pki on an earlier boot.
mkdir -p "$S/persist/etc/pki"
echo "user cert" >"$S/persist/etc/pki/mine.pem"

boot '
	apply
	grep -q "removed 1 partial copy" "$S/out" || { cat "$S/out"; echo "FAIL: no cleanup note"; exit 1; }
	[ "$(cat "$R/etc/ssh/sshd_config")" = "image v1" ]
	[ -f "$R/etc/pki/mine.pem" ] && [ "$(cat "$R/etc/pki/tls/cert.pem")" = "image cert" ]
	echo "user v1" >"$R/etc/ssh/sshd_config"
'
assert_eq "$(ls -A "$S/persist/etc")" "pki
ssh" "only the real copies remain"

# A newer image: persistent data wins; what is new in the image is added.
echo "image v2" >"$S/image/etc/ssh/sshd_config"
echo "new" >"$S/image/etc/ssh/new_in_v2"
boot '
	apply
	[ "$(cat "$R/etc/ssh/sshd_config")" = "user v1" ] || { echo "FAIL: persistent data overwritten"; exit 1; }
	[ "$(cat "$R/etc/ssh/new_in_v2")" = new ]
'
echo PASS
