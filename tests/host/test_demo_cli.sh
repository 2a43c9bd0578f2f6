#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/demo without a VM: --help lists every option it parses, an unknown
# option is a usage error, and the host-namespace demo (--host: the default
# layout applied twice to a scratch root) passes and leaves no mount behind.
# The VM demo itself (make demo) boots QEMU twice and is run by hand / in the
# boot lab, not here.
source "$(dirname "$0")/../lib.sh"

run_expect_rc 0 "$TOP/scripts/demo" --help
cp "$TMP/out" "$TMP/help"
for opt in $(grep -oE '^\s+--[a-z-]+\) ' "$TOP/scripts/demo" | grep -oE -- '--[a-z-]+'); do
	grep -qe "$opt" "$TMP/help" || fail "scripts/demo: option $opt is parsed but not in --help"
done
assert_grep ' --host ' "$TMP/help"
run_expect_rc 2 "$TOP/scripts/demo" --bogus

mounts_before=$(wc -l </proc/self/mounts)
run_expect_rc 0 "$TOP/scripts/demo" --host
assert_grep '^demo: PASS$' "$TMP/out"
assert_grep '/etc/ssh/ssh_host_ed25519_key: kept' "$TMP/out"
assert_grep '/var/cache-this-boot: gone' "$TMP/out"
[ "$(wc -l </proc/self/mounts)" = "$mounts_before" ] || fail "scripts/demo --host left mounts behind"
