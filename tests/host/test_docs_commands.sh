#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The runnable examples of docs/integrator.md work as written: every ```sh
# block preceded by a "<!-- runnable -->" line is run, in order, in one bash
# (set -eu) in a scratch directory inside a private mount namespace, with
# build/ first in PATH; then the output must show what the guide promises.
if [ -z "${SEALROOT_IN_NS:-}" ]; then
	SEALROOT_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

GUIDE=$TOP/docs/integrator.md
[ -x "$SEALROOT" ] || fail "build $SEALROOT first (make)"

# Extract the runnable blocks, each introduced by a comment with its line.
awk -v f="$GUIDE" '
	/^<!-- runnable -->$/ { want = 1; next }
	want && /^```sh$/ { inblock = 1; want = 0; n++; print "echo \"--- runnable block " n " (" f ":" NR + 1 ")\""; next }
	want && !/^$/ { printf "%s:%d: <!-- runnable --> is not followed by a ```sh block\n", f, NR > "/dev/stderr"; exit 1 }
	inblock && /^```$/ { inblock = 0; next }
	inblock { print }
	END { if (inblock) { printf "%s: unterminated runnable block\n", f > "/dev/stderr"; exit 1 } }
' "$GUIDE" >"$TMP/blocks.sh" || fail "could not extract the runnable blocks of $GUIDE"
n=$(grep -c '^echo "--- runnable block' "$TMP/blocks.sh" || true)
[ "$n" -ge 3 ] || fail "expected at least 3 runnable blocks in $GUIDE, found $n"
note "$n runnable blocks in docs/integrator.md"

# The scratch directory looks like the top of the source tree.
W=$TMP/work
mkdir -p "$W"
mount -t tmpfs -o size=256M tmpfs "$W"
cleanup_add "umount -l $W"
for d in layout scripts tests build; do ln -s "$TOP/$d" "$W/$d"; done
# The host's report (/run/sealroot), private to this namespace: a sentinel
# the guide's commands must leave alone (they write ./report.json instead).
mkdir -p /run/sealroot
mount -t tmpfs -o size=1M tmpfs /run/sealroot
cleanup_add "umount -l /run/sealroot"
echo '{"sentinel":"host report"}' >/run/sealroot/report.json
sentinel=$(sha256sum </run/sealroot/report.json)

rc=0
(cd "$W" && PATH=$TOP/build:$PATH bash -eu "$TMP/blocks.sh") >"$TMP/out.txt" 2>&1 || rc=$?
sed 's/^/    | /' "$TMP/out.txt"
[ "$rc" -eq 0 ] || fail "the runnable blocks of docs/integrator.md exited $rc (output above)"

# What the guide's text says the commands print.
assert_grep '^my-layout.env: ok, 10 overlays, 19 persistent binds$' "$TMP/out.txt"
assert_grep "my-layout.env:[0-9]+:[0-9]+: warning: tmpfs overlay '/etc/myapp' is skipped at boot" "$TMP/out.txt"
# A bind mount point below an overlay is created at boot: no warning.
assert_no_grep "'/var/lib/myapp'" "$TMP/out.txt"
assert_grep '^rootfs/etc/sealroot/layout.env: ok' "$TMP/out.txt"
assert_grep '^layout +ok ' "$TMP/out.txt"
assert_grep '^/var/lib/myapp: kept$' "$TMP/out.txt"
assert_grep '^/etc/myapp: reset to the image$' "$TMP/out.txt"
assert_grep '^db$' "$TMP/out.txt"
# An image update: the new file added, the machine's data kept, status says so.
assert_grep '^schema 2$' "$TMP/out.txt"
assert_grep '^boot 1 data$' "$TMP/out.txt"
assert_grep '^MERGE of the image update into the persistent copies: added 1 updated 0 kept 0 conflicts 0$' "$TMP/out.txt"
# Migrating from EMT: the device's machine-id and host key, two moves listed.
assert_grep '^0123456789abcdef0123456789abcdef$' "$TMP/out.txt"
assert_grep "^this device's host key$" "$TMP/out.txt"
assert_grep '^migrated +/opt/.mount/persistence/etc-machine-id.bind/machine-id +/opt/.mount/persistence/etc/machine-id +moved' "$TMP/out.txt"
assert_grep '^migrated +/opt/.mount/persistence/etc-ssh.bind +/opt/.mount/persistence/etc/ssh +moved' "$TMP/out.txt"
assert_grep '^etc$' "$TMP/out.txt"
assert_no_grep '\.bind$' "$TMP/out.txt"
# The line number the guide quotes in its comment is the real one.
quoted=$(grep -o "my-layout.env:[0-9]*:[0-9]*: warning: tmpfs overlay" "$GUIDE" | head -1 | cut -d: -f2,3)
real=$(grep -o "my-layout.env:[0-9]*:[0-9]*: warning: tmpfs overlay" "$TMP/out.txt" | head -1 | cut -d: -f2,3)
assert_eq "$quoted" "$real" "line:column quoted in docs/integrator.md"
# The report went where the guide says, and the host's was not touched.
jq -e '.stages | length > 0' "$W/report.json" >/dev/null || fail "no stages in $W/report.json"
assert_eq "$(ls -A /run/sealroot)" report.json "files in /run/sealroot after the guide's commands"
assert_eq "$(sha256sum </run/sealroot/report.json)" "$sentinel" "the host's /run/sealroot/report.json"
echo "docs/integrator.md: $n runnable blocks ran as documented"
