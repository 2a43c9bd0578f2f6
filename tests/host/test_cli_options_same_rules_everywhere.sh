#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every subcommand parses its options the same way (helpers/core/options.c): each
# option its --help lists is accepted, written in full only (an abbreviation
# is refused and named), -h is --help, an unknown option, an option of
# another verb and a missing argument are usage errors (exit 2) that name the
# command and point to its --help.
. "$(dirname "$0")/../lib.sh"
cd "$TMP"
export SEALROOT_PROC_CMDLINE=$TMP/cmdline
: >"$TMP/cmdline"

# The long options a --help lists (from "  -x, --name ARG" or "  --name ARG").
listed() { sed -nE 's/^  (-[a-z], |    )?--([a-z0-9-]+).*/\2/p' "$1"; }

for cmd in "layout check" "layout plan" "layout apply" "verity open" "verity verify" \
	"status" "lock" "persist open" "persist provision" "persist check" "persist reseal"; do
	# shellcheck disable=SC2086  # "layout check" is two words on purpose
	set -- $cmd
	note "sealroot $cmd"
	run_expect_rc 0 "$SEALROOT" "$@" --help
	assert_grep "^Usage: sealroot $cmd( |$)" "$TMP/out"
	cp "$TMP/out" help
	all=$(listed help)
	[ "$(wc -l <<<"$all")" -ge 2 ] || fail "'sealroot $cmd --help' lists fewer than 2 options"
	grep -qx help <<<"$all" || fail "'sealroot $cmd --help' does not list --help"

	run_expect_rc 0 "$SEALROOT" "$@" -h
	cmp -s "$TMP/out" help || fail "'sealroot $cmd -h' is not the same as --help"

	while read -r o <&3; do
		[ "$o" = help ] && continue
		takes_arg=
		if grep -qE -- "--$o [A-Z]" help; then takes_arg=1; fi
		arg=()
		[ -n "$takes_arg" ] && arg=(7)
		[ "$o" = pcr-value ] && arg=("7=$(printf '0%.0s' $(seq 64))")
		# Accepted: parsing goes on to the --help after it.
		run_expect_rc 0 "$SEALROOT" "$@" "--$o" "${arg[@]}" --help
		assert_grep "^Usage: sealroot $cmd( |$)" "$TMP/out"
		# A missing argument is named.
		if [ -n "$takes_arg" ]; then
			run_expect_rc 2 "$SEALROOT" "$@" "--$o"
			assert_grep "'sealroot $cmd': option --$o needs an argument" "$TMP/out"
		fi
		# An abbreviation that only this option starts with is refused by name.
		abbrev=${o%?}
		if [ "${#abbrev}" -ge 3 ] && [ "$(grep -c "^$abbrev" <<<"$all")" -eq 1 ]; then
			run_expect_rc 2 "$SEALROOT" "$@" "--$abbrev" "${arg[@]}"
			assert_grep "'sealroot $cmd': write option --$o in full" "$TMP/out"
		fi
	done 3<<<"$all"

	run_expect_rc 2 "$SEALROOT" "$@" --bogus
	assert_grep "'sealroot $cmd' does not accept option --bogus; see 'sealroot $cmd --help'" "$TMP/out"
done

note "an option of another verb is refused"
run_expect_rc 2 "$SEALROOT" layout check --json good.env
assert_grep "'sealroot layout check' does not accept option --json" "$TMP/out"
run_expect_rc 2 "$SEALROOT" layout plan --cmdline x good.env
assert_grep "'sealroot layout plan' does not accept option --cmdline" "$TMP/out"
run_expect_rc 2 "$SEALROOT" verity verify --no-activate a b
assert_grep "'sealroot verity verify' does not accept option --no-activate" "$TMP/out"
run_expect_rc 2 "$SEALROOT" persist check --pcrs 7 img
assert_grep "'sealroot persist check' does not accept option --pcrs" "$TMP/out"

note "a missing or unknown verb"
for c in layout verity persist; do
	run_expect_rc 2 "$SEALROOT" "$c"
	assert_grep "'sealroot $c' needs a command: .*; see 'sealroot $c --help'" "$TMP/out"
	run_expect_rc 2 "$SEALROOT" "$c" frobnicate
	assert_grep "unknown $c command 'frobnicate': use .* \(see 'sealroot $c --help'\)" "$TMP/out"
	run_expect_rc 0 "$SEALROOT" "$c" -h
	assert_grep "^Usage: sealroot $c" "$TMP/out"
done
echo "ok: one option parser, the same rules for every subcommand"
