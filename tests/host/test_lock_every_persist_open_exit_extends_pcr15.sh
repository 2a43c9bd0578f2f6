#!/bin/bash
# Every way out of 'persist open' extends PCR 15 before it returns, so the
# genuine sealed key cannot be unsealed afterwards in the same boot ('persist
# check' of the genuine volume is refused): success; the volatile fallback
# (PCR 15 = extend "volatile"); a corrupted token, no token, a device that is
# refused ("failure:persist"); a token whose keyslot refuses the unsealed
# secret ("failure:keyslot" at once, then "failure:persist").  Without a TPM
# the step fails even under the volatile policy: nothing could lock.
source "$(dirname "$0")/lib-lock.sh"
persist_setup
genuine=$(new_image genuine)
run_expect_rc 0 provision "$genuine" --recovery-key --recovery-key-output "$TMP/rk"
cryptsetup config --subsystem "" "$genuine" # as after mkfs+mount in the guest
rk=$(recovery_key_from "$TMP/rk")
mp=$TMP/sysroot/opt

# copy_of NAME: a copy of the genuine volume (same header, same sealed key).
copy_of() { cp --sparse=always "$genuine" "$TMP/$1" && echo "$TMP/$1"; }

# try RC IMG [CMDLINE]: a fresh boot, 'persist open' of IMG exits RC; in a
# private mount namespace so the volatile tmpfs goes away with it.
try() {
	local rc=$1 img=$2 cmdline=${3:-}
	swtpm_reboot
	run_expect_rc "$rc" unshare -m "$SEALROOT" persist open --cmdline "$cmdline" --device "$img" \
		--tpm2-device "$TCTI" --no-activate --mount-point "$mp"
}

# sealed_key_locked WHAT: the genuine token no longer unseals.
sealed_key_locked() {
	"$SEALROOT" persist check "$genuine" --tpm2-device "$TCTI" >"$TMP/check" 2>&1 &&
		fail "$1: the genuine key still unseals after persist open returned"
	assert_grep "already unlocked once during this boot" "$TMP/check"
}

F_PERSIST=$(event_digest failure:persist)

note "success"
try 0 "$genuine"
expect_pcr15 "$(extend $ZERO32 "$(volume_digest "$genuine" "$rk")")" "success"
sealed_key_locked "success"

note "corrupted token"
bad=$(copy_of corrupted)
token_json "$bad" 0 | jq -c '."tpm2-blob" = "AAAAAAAAAAAAAAAAAAAAAA=="' >"$TMP/tok.json"
cryptsetup token remove --token-id 0 "$bad"
cryptsetup token import --token-id 0 --json-file "$TMP/tok.json" "$bad"
try 1 "$bad"
assert_grep "token 0 on .* is corrupted" "$TMP/out"
expect_pcr15 "$(extend $ZERO32 "$F_PERSIST")" "corrupted token"
jq -e '.stages[-1] | .action == "failed" and .lock_measured == "failure:persist"' \
	"$SEALROOT_REPORT" >/dev/null || { cat "$SEALROOT_REPORT"; fail "report: failure"; }
sealed_key_locked "corrupted token"

note "corrupted token, volatile policy"
try 0 "$bad" "sealroot.on_unlock_failure=volatile"
assert_grep "EMPTY tmpfs" "$TMP/out"
expect_pcr15 "$(extend $ZERO32 "$(event_digest volatile)")" "volatile"
jq -e '.stages[-1] | .action == "volatile" and .lock_measured == "volatile"' \
	"$SEALROOT_REPORT" >/dev/null || { cat "$SEALROOT_REPORT"; fail "report: volatile"; }
sealed_key_locked "volatile"

note "the token names a keyslot that refuses the unsealed secret"
wrong=$(copy_of wrong-slot)
token_json "$wrong" 0 | jq -c '.keyslots = ["1"]' >"$TMP/tok.json"
cryptsetup token remove --token-id 0 "$wrong"
cryptsetup token import --token-id 0 --json-file "$TMP/tok.json" "$wrong"
try 1 "$wrong"
assert_grep "unsealed token 0 .* keyslot 1 does not accept the secret" "$TMP/out"
expect_pcr15 "$(extend "$(extend $ZERO32 "$(event_digest failure:keyslot)")" "$F_PERSIST")" \
	"keyslot refused the secret"
sealed_key_locked "wrong keyslot"

note "no token"
none=$(copy_of no-token)
cryptsetup token remove --token-id 0 "$none"
try 1 "$none"
assert_grep "has no systemd-tpm2 token" "$TMP/out"
expect_pcr15 "$(extend $ZERO32 "$F_PERSIST")" "no token"
sealed_key_locked "no token"

note "refused device"
junk=$(new_image junk)
printf 'not blank' | dd of="$junk" conv=notrunc status=none
try 1 "$junk"
assert_grep "refusing to format it" "$TMP/out"
expect_pcr15 "$(extend $ZERO32 "$F_PERSIST")" "refused device"
sealed_key_locked "refused device"

note "no TPM: fails even under the volatile policy (fail closed)"
swtpm_reboot
run_expect_rc 1 unshare -m bash -c '"$@"; rc=$?; findmnt -n "'"$mp"'" && exit 9; exit $rc' _ \
	"$SEALROOT" persist open --cmdline "sealroot.on_unlock_failure=volatile" --device "$bad" \
	--tpm2-device "swtpm:host=127.0.0.1,port=1" --no-activate --mount-point "$mp"
assert_grep "PCR 15 could not be extended" "$TMP/out"
assert_no_grep "EMPTY tmpfs" "$TMP/out"

note "positive control: after a reboot the genuine key unseals again"
swtpm_reboot
run_expect_rc 0 "$SEALROOT" persist check "$genuine" --tpm2-device "$TCTI"
echo "ok: every exit of persist open extends PCR 15"
