# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/lib.sh — sourced by every host and VM test script.
#
#   SEALROOT       the binary under test (default build/sealroot)
#   SEALROOT_TEST  the fault-injection build (build/sealroot-test)
#   TMP            a private scratch directory, removed at exit
#   fail MSG       print "FAIL: MSG" and exit 1
#   skip REASON    print "skipped: REASON" and exit 77: this test cannot run
#                  here (the runners count it as skipped; in CI it fails unless
#                  tests/allowed-skips lists it).  A test that ends with a bare
#                  `exit 0` before its last line is reported as skipped too.
#   assert_eq A B MSG, assert_file F, assert_no_file F, assert_grep RE FILE
#   run_expect_rc RC CMD…   run CMD, fail unless it exits with RC (output in $TMP/out)
#   flip_byte FILE OFFSET   corrupt FILE: invert the byte at OFFSET in place (always
#                           a change; read back and checked) -- every corruption uses it
#   swtpm_start DIR         start a TCP swtpm on a free port; sets SWTPM_PORT, SWTPM_TCTI
#   swtpm_stop              kill the swtpm this test started (by pid)
#   cleanup_add CMD         run CMD at exit (LIFO)
set -eu

TOP=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
SEALROOT=${SEALROOT:-$TOP/build/sealroot}
SEALROOT_TEST=${SEALROOT_TEST:-$TOP/build/sealroot-test}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sealroot-test.XXXXXX")
_cleanups=""

cleanup_add() { _cleanups="$1
$_cleanups"; }

_run_cleanups() {
	local rc=$? cmd=$BASH_COMMAND
	# An `exit 0` (not falling off the end) is a check that did not run.
	if [ "$rc" -eq 0 ] && [[ $cmd =~ ^exit([[:space:]]+0)?$ ]]; then
		echo "skipped: '$cmd' before the end of the test (call skip REASON, or run every check)"
		rc=77
	fi
	printf '%s\n' "$_cleanups" | while IFS= read -r c; do [ -n "$c" ] && eval "$c" >/dev/null 2>&1 || true; done
	rm -rf "$TMP"
	exit $rc
}
trap _run_cleanups EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
note() { echo "  $*"; }

assert_eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: expected '$2', got '$1'"; }
assert_file() { [ -e "$1" ] || fail "expected file $1"; }
assert_no_file() { [ ! -e "$1" ] || fail "expected no file $1"; }
assert_grep() { grep -qE -- "$1" "$2" || { cat "$2" >&2; fail "expected /$1/ in $2"; }; }
assert_no_grep() { ! grep -qE -- "$1" "$2" || { cat "$2" >&2; fail "unexpected /$1/ in $2"; }; }

run_expect_rc() {
	local want=$1 rc=0
	shift
	"$@" >"$TMP/out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$TMP/out" >&2; fail "'$*' exited $rc, expected $want"; }
}

flip_byte() {
	local file=$1 off=$2 old new
	old=$(od -An -tu1 -j "$off" -N1 "$file" | tr -d ' ')
	[ -n "$old" ] || fail "flip_byte: $file has no byte at offset $off"
	# shellcheck disable=SC2059  # the format is an octal escape on purpose
	printf "$(printf '\\%03o' $((old ^ 0xff)))" | dd of="$file" bs=1 seek="$off" count=1 conv=notrunc status=none
	new=$(od -An -tu1 -j "$off" -N1 "$file" | tr -d ' ')
	[ "$new" = $((old ^ 0xff)) ] || fail "flip_byte: byte $off of $file reads $new after writing $((old ^ 0xff)) over $old"
}

# A TCP port nobody listens on (checked for both the server and ctrl port).
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$(( (RANDOM % 20000) + 10000 ))  # below the ephemeral range (32768+)
		if ! (: >"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (: >"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Start swtpm on DIR's state at $SWTPM_PORT; sets SWTPM_PID.
_swtpm_launch() {
	local dir=$1
	rm -f "$dir/swtpm.pid"
	swtpm socket --tpm2 --tpmstate dir="$dir" \
		--server type=tcp,port="$SWTPM_PORT",bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$((SWTPM_PORT + 1)),bindaddr=127.0.0.1 \
		--flags not-need-init,startup-clear --pid file="$dir/swtpm.pid" --daemon ||
		fail "swtpm did not start"
	for _ in $(seq 1 50); do [ -s "$dir/swtpm.pid" ] && break; sleep 0.1; done
	SWTPM_PID=$(cat "$dir/swtpm.pid")
	export SWTPM_PID
	cleanup_add "kill $SWTPM_PID"
}

swtpm_start() {
	local dir=$1
	mkdir -p "$dir"
	SWTPM_PORT=$(free_port) || fail "no free port for swtpm"
	_swtpm_launch "$dir"
	SWTPM_TCTI="swtpm:host=127.0.0.1,port=$SWTPM_PORT"
	export SWTPM_PORT SWTPM_TCTI
}

# Stop the swtpm this test started (SIGNAL: TERM, or KILL for a power cut)
# and start it again on the same state and port: PCRs reset, NVRAM kept.
swtpm_restart() {
	local dir=$1 sig=${2:-TERM}
	kill "-$sig" "$SWTPM_PID"
	for _ in $(seq 1 50); do kill -0 "$SWTPM_PID" 2>/dev/null || break; sleep 0.1; done
	_swtpm_launch "$dir"
}

swtpm_stop() {
	[ -n "${SWTPM_PID:-}" ] && kill "$SWTPM_PID" 2>/dev/null || true
	SWTPM_PID=""
}
