#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/update --help documents every option its parser accepts (read from
# the script, so help cannot drift) and names what the update never touches.
. "$(dirname "$0")/../lib.sh"
UPDATE=$TOP/scripts/update

"$UPDATE" --help >"$TMP/help" || fail "--help exited non-zero"
sed -n '/^while \[ \$# -gt 0 \]; do$/,/^done$/p' "$UPDATE" |
	grep -oE '^[[:space:]]+--?[a-z][-a-z0-9| ]*\)' | tr -d ')' | tr '|' '\n' | tr -d ' \t' | sort -u >"$TMP/opts"
[ "$(wc -l <"$TMP/opts")" -ge 6 ] || { cat "$TMP/opts"; fail "found too few options in the parser"; }
while read -r o; do
	grep -qE -- "(^|[ ,])$o([ ,=]|\$)" "$TMP/help" || fail "--help does not document $o"
done <"$TMP/opts"
assert_grep 'never written' "$TMP/help"
run_expect_rc 2 "$UPDATE" --bogus
assert_grep "unknown option '--bogus'" "$TMP/out"
run_expect_rc 2 "$UPDATE" a b --disk x
assert_grep 'one ARTIFACTS_DIR only' "$TMP/out"
echo "ok: update --help documents $(wc -l <"$TMP/opts") options"
