# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/lib/cli.sh — how every script under scripts/ reports errors and
# reads its options (sourced, bash).  The script sets PROG (its name in
# messages) first.
#
#   die MESSAGE…          "PROG: error: MESSAGE" on stderr, exit 1
#   die_usage MESSAGE…    "PROG: MESSAGE" and a pointer to --help, exit 2
#   need_arg "$@"         in an option loop: die_usage unless $1 has a value
#   info MESSAGE…         "PROG: MESSAGE" on stdout unless QUIET=1

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
die_usage() {
	echo "$PROG: $*" >&2
	echo "Try '$PROG --help'." >&2
	exit 2
}
need_arg() { [ $# -ge 2 ] || die_usage "option $1 needs a value"; }
info() { [ "${QUIET:-0}" = 1 ] || echo "$PROG: $*"; }
