# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/lib-runner.sh — sourced by the test runners (tests/host/run,
# tests/e2e/run, tests/run-unit), not by tests.
#
# A test script exits 0 (passed), 77 (skipped: it called `skip REASON` from
# tests/lib.sh, which prints "skipped: REASON") or anything else (failed).
# With CI=true (.ci/run sets it) a skip fails the run unless tests/allowed-skips
# names the test, with the reason it may skip on CI's machine.
#
#   SKIP_RC                   77
#   skip_reason LOG           the reason of the last "skipped: REASON" line in LOG
#   skip_allowed NAME         true unless CI=true and NAME has no reasoned line
#                             in tests/allowed-skips
#   skip_summary              ", N skipped" plus the skips CI does not allow;
#                             call skip_count NAME for each skip first
#   skips_ok                  false if a skip was not allowed

# shellcheck disable=SC2034  # read by the runners
SKIP_RC=77
RUNNER_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ALLOWED_SKIPS=${ALLOWED_SKIPS:-$RUNNER_TOP/tests/allowed-skips}
_skipped=0
_skips_refused=""

skip_reason() {
	tr -d '\r' <"$1" | sed -n 's/^skipped: //p' | tail -1
}

# Lines: NAME REASON…; '#' starts a comment.  A name without a reason does not count.
skip_allowed() {
	[ "${CI:-}" = true ] || return 0
	[ -f "$ALLOWED_SKIPS" ] || return 1
	sed 's/#.*//' "$ALLOWED_SKIPS" | awk -v n="$1" '$1 == n && NF >= 2 { found = 1 } END { exit !found }'
}

skip_count() {
	_skipped=$((_skipped + 1))
	skip_allowed "$1" || _skips_refused="$_skips_refused $1"
}

skip_summary() {
	printf ', %d skipped' "$_skipped"
	[ -z "$_skips_refused" ] ||
		printf ' (CI=true: not in tests/allowed-skips:%s)' "$_skips_refused"
}

skips_ok() { [ -z "$_skips_refused" ]; }
