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
# The line number the guide quotes in its comment is the real one.
quoted=$(grep -o "my-layout.env:[0-9]*:[0-9]*: warning: tmpfs overlay" "$GUIDE" | head -1 | cut -d: -f2,3)
real=$(grep -o "my-layout.env:[0-9]*:[0-9]*: warning: tmpfs overlay" "$TMP/out.txt" | head -1 | cut -d: -f2,3)
assert_eq "$quoted" "$real" "line:column quoted in docs/integrator.md"
# Nothing leaked: the host's report was not touched by the guide's commands.
assert_file "$W/report.json"
echo "docs/integrator.md: $n runnable blocks ran as documented"
