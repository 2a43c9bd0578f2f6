#!/bin/bash
# A power cut after each provisioning step (sealroot-test, fault injection)
# leaves a state the next run either completes (token written: unlock with
# the TPM and finish) or safely restarts (no token: the key never left RAM).
# A keyslot a token refers to is never destroyed; the end state always has
# exactly one TPM2 keyslot+token and one recovery keyslot+token that work.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
[ -x "$SEALROOT_TEST" ] || fail "missing $SEALROOT_TEST"

final_state_ok() { # IMG RECOVERY_KEY
	local img=$1 key=$2
	run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
	assert_eq "$(keyslot_count "$img")" 2 "keyslots in use"
	cryptsetup luksDump "$img" >"$TMP/dump"
	assert_eq "$(grep -c ': systemd-tpm2$' "$TMP/dump")" 1 "systemd-tpm2 tokens"
	assert_eq "$(grep -c ': systemd-recovery$' "$TMP/dump")" 1 "systemd-recovery tokens"
	[ -n "$key" ] || fail "no recovery key was printed"
	cryptsetup luksOpen --test-passphrase --key-file=<(printf %s "$key") "$img" ||
		fail "the printed recovery key does not open $img"
}

for step in after-format after-seal after-token after-recovery; do
	note "fault point $step"
	img=$(new_image "img-$step")
	rc=0
	SEALROOT_FAULT_INJECT=$step "$SEALROOT_TEST" persist provision "$img" --cmdline "" \
		--tpm2-device "$TCTI" --no-activate --pcrs 7 --recovery-key \
		--recovery-key-output "$TMP/rk1-$step" >"$TMP/out" 2>&1 || rc=$?
	assert_eq "$rc" 99 "exit status at fault point $step"
	assert_grep "simulating a power cut after step '$step'" "$TMP/out"
	cryptsetup luksDump "$img" >"$TMP/dump-crash"
	assert_grep "^Subsystem:[[:space:]]+sealroot-provisioning" "$TMP/dump-crash"
	tpm_token_before=""
	if grep -q ': systemd-tpm2$' "$TMP/dump-crash"; then
		tpm_token_before=$(token_json "$img" 0)
	fi

	swtpm_reboot
	run_expect_rc 0 provision "$img" --pcrs 7 --recovery-key --recovery-key-output "$TMP/rk2-$step"
	case $step in
	after-format | after-seal)
		assert_grep "stopped before its TPM2 token was written; .* Starting over" "$TMP/out"
		key=$(recovery_key_from "$TMP/rk2-$step")
		;;
	after-token)
		assert_grep "Resuming the interrupted provisioning" "$TMP/out"
		assert_eq "$(token_json "$img" 0)" "$tpm_token_before" "TPM2 token kept"
		key=$(recovery_key_from "$TMP/rk2-$step")
		;;
	after-recovery)
		assert_grep "Resuming the interrupted provisioning" "$TMP/out"
		assert_eq "$(token_json "$img" 0)" "$tpm_token_before" "TPM2 token kept"
		assert_no_file "$TMP/rk2-$step" # the key printed before the crash stays valid
		key=$(recovery_key_from "$TMP/rk1-$step")
		;;
	esac
	final_state_ok "$img" "$key"
done

# The fault point can also come from the kernel command line.
img=$(new_image img-cmdline)
rc=0
"$SEALROOT_TEST" persist provision "$img" --cmdline "sealroot.fault_inject=after-token" \
	--tpm2-device "$TCTI" --no-activate --pcrs 7 >"$TMP/out" 2>&1 || rc=$?
assert_eq "$rc" 99 "exit status with sealroot.fault_inject="
# ... and the shipped binary ignores it.
img=$(new_image img-shipped)
run_expect_rc 0 "$SEALROOT" persist provision "$img" --cmdline "sealroot.fault_inject=after-token" \
	--tpm2-device "$TCTI" --no-activate --pcrs 7

# A crash between enrolling the recovery keyslot and writing its token
# (simulated: keyslot added by hand) leaves an orphan keyslot, which the next
# run removes before enrolling a fresh recovery key.
img=$(new_image img-orphan)
run_expect_rc 0 provision "$img" --pcrs 7
jq -r '."tpm2-blob"' <(token_json "$img" 0) | base64 -d >"$TMP/blob"
token_json "$img" 0 | jq -r '."tpm2-policy-hash"' >"$TMP/policy"
"$DRIVER" "$TCTI" unseal 7,15 "$TMP/blob" "$TMP/policy" base64 | tr -d '\n' >"$TMP/tpmpass"
printf 'orphan-pass' >"$TMP/orphan"
cryptsetup luksAddKey -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$TMP/tpmpass" \
	"$img" "$TMP/orphan"
assert_eq "$(keyslot_count "$img")" 2 "keyslots with the orphan"
run_expect_rc 0 provision "$img" --pcrs 7 --recovery-key --recovery-key-output "$TMP/rk-orphan"
assert_grep "Removing keyslot 1 of .*left behind by an interrupted provisioning" "$TMP/out"
cryptsetup luksOpen --test-passphrase --key-file "$TMP/orphan" "$img" 2>/dev/null &&
	fail "the orphan keyslot still opens the image"
final_state_ok "$img" "$(recovery_key_from "$TMP/rk-orphan")"
echo "ok: every fault point recovers"
