# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-persist.sh — sourced by tests/host/test_persist_*.sh.
#
#   (everything from lib-tpm2.sh: lib.sh, DRIVER, a safe free_port)
#   persist_setup           swtpm + report file; exports TCTI
#   new_image NAME [SIZE]   a sparse zeroed image file, prints its path
#   provision IMG [ARGS…]   sealroot persist provision IMG --no-activate on the swtpm
#   header_sum IMG          sha256 of the LUKS2 header area (first 16 MiB)
#   swtpm_reboot            restart the swtpm with the same state: PCRs reset
#   recovery_key_from FILE  the recovery key printed into FILE
#   token_json IMG ID       the JSON of token ID
#   wait_for_line RE FILE WHAT  until RE is in FILE (at most 20 s), else fail
#   relay_start MODE [ARG…] swtpm-relay.py in MODE before the swtpm, ready;
#                           sets RELAY_TCTI; its output in $TMP/relay.{out,err}
source "$(dirname "${BASH_SOURCE[0]}")/lib-tpm2.sh"

persist_setup() {
	swtpm_start "$TMP/tpm"
	TCTI=$SWTPM_TCTI
	export TPM2TOOLS_TCTI=$SWTPM_TCTI
	export SEALROOT_REPORT=$TMP/report.json
	# This "boot"'s record of the PCR 11 phases it measured (pcr_phase.h).
	export SEALROOT_PHASE_DIR=$TMP/run
	# The host's own kernel command line must not leak into the tests.
	export SEALROOT_PROC_CMDLINE=$TMP/cmdline
	: >"$TMP/cmdline"
}

new_image() {
	local img=$TMP/$1
	rm -f "$img"
	truncate -s "${2:-40M}" "$img"
	echo "$img"
}

provision() {
	local img=$1
	shift
	"$SEALROOT" persist provision "$img" --cmdline "" --tpm2-device "$TCTI" --no-activate "$@"
}

header_sum() { head -c 16M "$1" | sha256sum | cut -d' ' -f1; }

swtpm_reboot() {
	# An orderly TPM2_Shutdown first: a TPM counts every unorderly restart
	# as a dictionary-attack failure and would soon lock out.
	tpm2_shutdown -c >/dev/null 2>&1 || true
	swtpm_restart "$TMP/tpm"
	rm -f "$SEALROOT_PHASE_DIR"/pcr11-*
}

recovery_key_from() {
	grep -oE '([cbdefghijklnrtuv]{8}-){7}[cbdefghijklnrtuv]{8}' "$1" | tail -1
}

token_json() { cryptsetup token export --token-id "$2" "$1"; }

# Number of keyslots in use.
keyslot_count() { cryptsetup luksDump "$1" | grep -cE '^  [0-9]+: luks2$'; }

# assert_steps STAGE "NAME…": the report's stage STAGE lists exactly these
# steps ("steps": "name@ms,…"), in this order, each at most the stage's
# total time and none before the one listed ahead of it.
assert_steps() {
	local stage=$1 want=$2 got
	got=$(jq -r --arg s "$stage" '.stages[] | select(.name == $s) | .steps' "$SEALROOT_REPORT")
	assert_eq "$(printf '%s' "$got" | tr ',' '\n' | sed 's/@.*//' | tr '\n' ' ' | sed 's/ $//')" \
		"$want" "steps of stage $stage ($got)"
	jq -e --arg s "$stage" '.stages[] | select(.name == $s) |
		(.duration_us / 1000) as $total | [.steps | split(",")[] | select(. != "") | split("@")[1] |
		tonumber] | . as $t | all(.[]; . >= 0 and . <= $total + 0.05) and
		([range(1; length)] | all(.[]; $t[.] >= $t[. - 1]))' "$SEALROOT_REPORT" >/dev/null ||
		{ cat "$SEALROOT_REPORT"; fail "steps of stage $stage: a time beyond the stage or out of order"; }
}

wait_for_line() {
	for _ in $(seq 1 200); do grep -qsE -- "$1" "$2" && return 0; sleep 0.1; done
	cat "$2" >&2
	fail "$3 did not happen within 20 s"
}

relay_start() {
	local port
	port=$(free_port)
	python3 "$(dirname "${BASH_SOURCE[0]}")/swtpm-relay.py" "$port" "$SWTPM_PORT" "$@" \
		>"$TMP/relay.out" 2>"$TMP/relay.err" &
	cleanup_add "kill $!"
	wait_for_line ready "$TMP/relay.out" "the relay's start"
	# shellcheck disable=SC2034 # read by the tests that source this file
	RELAY_TCTI="swtpm:host=127.0.0.1,port=$port"
}
