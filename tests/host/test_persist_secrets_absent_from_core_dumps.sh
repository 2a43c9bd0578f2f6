#!/bin/bash
# Key material never reaches a core dump.  sealroot-test aborts (fault point
# "abort-STEP") while the TPM secret and its base64 passphrase are live in
# memory: right after an unseal was verified ('persist check') and right after
# a reseal authorised by the recovery key wrote its new token.  Then:
#   default                          no core file at all (PR_SET_DUMPABLE 0);
#   SEALROOT_TEST_DUMPABLE=1         a core, but neither the secret's raw bytes
#                                    nor its base64 are in it (MADV_DONTDUMP
#                                    buffers, copies in tpm2-tss wiped);
#   + SEALROOT_TEST_SECRETS_DUMPABLE=1 (no MADV_DONTDUMP) both are found:
#                                    the search does detect a leak.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
'|'* | */*) fail "needs kernel.core_pattern to be a plain file name (cores in the cwd), it is '$pattern'" ;;
esac

has() { # HEX FILE: the bytes HEX occur in FILE
	perl -0777 -ne 'BEGIN { $n = pack("H*", shift) } exit(index($_, $n) >= 0 ? 0 : 1)' "$1" "$2"
}
secret_of_token() { # IMG TOKEN: prints "HEX BASE64" of the secret it seals
	local tok
	tok=$(token_json "$1" "$2")
	jq -r '."tpm2-blob"' <<<"$tok" | base64 -d >"$TMP/blob"
	jq -r '."tpm2-policy-hash"' <<<"$tok" >"$TMP/policy"
	echo "$("$DRIVER" "$TCTI" unseal 7,15 "$TMP/blob" "$TMP/policy" hex)" \
		"$("$DRIVER" "$TCTI" unseal 7,15 "$TMP/blob" "$TMP/policy" base64)"
}
crash() { # DIR STEP ENV… -- ARGS…: run sealroot-test in DIR until it aborts at STEP
	local dir=$1 step=$2 rc=0
	shift 2
	local env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	mkdir -p "$dir"
	(cd "$dir" && ulimit -c unlimited &&
		exec env "${env[@]}" SEALROOT_FAULT_INJECT="abort-$step" "$SEALROOT_TEST" persist "$@") \
		>"$dir.log" 2>&1 || rc=$?
	assert_eq "$rc" 134 "exit status of the abort at $step"
	assert_grep "abort\(\) after step '$step'" "$dir.log"
}
core_in() { ls "$1"/core* 2>/dev/null | head -1; }

img=$(new_image img)
run_expect_rc 0 provision "$img" --pcrs 7 --recovery-key --recovery-key-output "$TMP/rk"
rkey=$(recovery_key_from "$TMP/rk")
printf '%s\n' "$rkey" >"$TMP/keyfile"
rkeyhex=$(printf %s "$rkey" | xxd -p | tr -d '\n')
read -r hex b64 < <(secret_of_token "$img" 0)
b64hex=$(printf %s "$b64" | xxd -p | tr -d '\n')
[ ${#hex} -eq 64 ] && [ ${#b64} -eq 44 ] || fail "could not unseal the token for reference"

# 1. Unlock path: abort after the unsealed secret opened the keyslot.
crash "$TMP/u0" after-unseal -- check "$img" --tpm2-device "$TCTI"
[ -z "$(core_in "$TMP/u0")" ] || fail "a non-dumpable process left a core"
crash "$TMP/u1" after-unseal SEALROOT_TEST_DUMPABLE=1 -- check "$img" --tpm2-device "$TCTI"
core=$(core_in "$TMP/u1")
[ -n "$core" ] || fail "no core although SEALROOT_TEST_DUMPABLE=1"
! has "$hex" "$core" || fail "the secret's raw bytes are in the core (unlock)"
! has "$b64hex" "$core" || fail "the passphrase base64(secret) is in the core (unlock)"
crash "$TMP/u2" after-unseal SEALROOT_TEST_DUMPABLE=1 SEALROOT_TEST_SECRETS_DUMPABLE=1 -- \
	check "$img" --tpm2-device "$TCTI"
core=$(core_in "$TMP/u2")
has "$hex" "$core" || fail "control: the secret should be in a core without MADV_DONTDUMP"
has "$b64hex" "$core" || fail "control: base64(secret) should be in a core without MADV_DONTDUMP"

# 2. Reseal path, authorised by the recovery key: abort after the new secret
# was sealed (TPM2_Create) and its keyslot and token written.  Each run works
# on a fresh copy.
for mode in r1 r2; do
	cp --sparse=always "$img" "$TMP/$mode.img"
	env=(SEALROOT_TEST_DUMPABLE=1)
	[ $mode = r2 ] && env+=(SEALROOT_TEST_SECRETS_DUMPABLE=1)
	crash "$TMP/$mode" reseal-after-token "${env[@]}" -- reseal "$TMP/$mode.img" --pcrs 7 \
		--tpm2-device "$TCTI" --recovery-key-file "$TMP/keyfile"
	tid=$(cryptsetup luksDump "$TMP/$mode.img" | sed -n 's/^  \([0-9]*\): systemd-tpm2$/\1/p' | grep -vx 0)
	read -r nhex nb64 < <(secret_of_token "$TMP/$mode.img" "$tid")
	[ ${#nhex} -eq 64 ] || fail "could not unseal the new token $tid for reference"
	[ "$nhex" != "$hex" ] || fail "reseal did not make a new secret"
	nb64hex=$(printf %s "$nb64" | xxd -p | tr -d '\n')
	core=$(core_in "$TMP/$mode")
	[ -n "$core" ] || fail "no core from the reseal"
	if [ $mode = r1 ]; then
		! has "$nhex" "$core" || fail "the new secret's raw bytes are in the core (reseal)"
		! has "$nb64hex" "$core" || fail "the new passphrase is in the core (reseal)"
		! has "$rkeyhex" "$core" || fail "the recovery key is in the core (reseal)"
	else
		has "$nhex" "$core" || fail "control: the new secret should be in a core without MADV_DONTDUMP"
		has "$rkeyhex" "$core" || fail "control: the recovery key should be in a core without MADV_DONTDUMP"
	fi
done
echo "ok: no secret in core dumps"
