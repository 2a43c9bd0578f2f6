#!/bin/bash
# After a PCR change the recovery key (a) unlocks 'persist open' under
# sealroot.recovery=ask and (b) authorises 'persist reseal' to the new PCR
# values; afterwards check passes, the old TPM2 keyslot+token are gone and
# the recovery keyslot is kept.  A reseal authorised by the TPM token works
# too (not once the lock PCR is extended), and a crash right after the new
# token leaves two working tokens, never zero.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
img=$(new_image img)
run_expect_rc 0 provision "$img" --pcrs 7 --recovery-key --recovery-key-output "$TMP/rk"
key=$(recovery_key_from "$TMP/rk")
[ -n "$key" ] || fail "no recovery key printed"
printf '%s\n' "$key" >"$TMP/keyfile"
cryptsetup config --subsystem "" "$img"

tpm2_pcrextend "7:sha256=$(printf 'firmware update' | sha256sum | cut -d' ' -f1)"
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"

# (a) recovery prompt at boot (test hook answers it).
SEALROOT_TEST_RECOVERY_KEY_FILE=$TMP/keyfile run_expect_rc 0 "$SEALROOT_TEST" persist open \
	--cmdline "sealroot.recovery=ask" --device "$img" --tpm2-device "$TCTI" --no-activate
assert_grep "PCR 7 .* changed since enrollment" "$TMP/out"
assert_grep "Recovery key accepted by keyslot 1" "$TMP/out"
jq -e '.stages[-1].action == "unlocked" and .stages[-1].token_type == "recovery"' \
	"$SEALROOT_REPORT" >/dev/null || { cat "$SEALROOT_REPORT"; fail "report: recovery"; }
printf 'cbcbcbcb-cbcbcbcb-cbcbcbcb-cbcbcbcb-cbcbcbcb-cbcbcbcb-cbcbcbcb-cbcbcbcb\n' >"$TMP/wrong"
SEALROOT_TEST_RECOVERY_KEY_FILE=$TMP/wrong run_expect_rc 1 "$SEALROOT_TEST" persist open \
	--cmdline "sealroot.recovery=ask" --device "$img" --tpm2-device "$TCTI" --no-activate
assert_grep "recovery key was not accepted" "$TMP/out"
swtpm_reboot # the failed unseals extended nothing, but start clean
tpm2_pcrextend "7:sha256=$(printf 'firmware update' | sha256sum | cut -d' ' -f1)"

# (b) reseal with the recovery key.
run_expect_rc 1 "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI"
assert_grep "Cannot authorise the reseal .* pass --recovery-key-file" "$TMP/out"
run_expect_rc 0 "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI" \
	--recovery-key-file "$TMP/keyfile"
assert_grep "Removed old TPM2 token 0 \(keyslot 0\)" "$TMP/out"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_eq "$(keyslot_count "$img")" 2 "keyslots after reseal"
cryptsetup luksDump "$img" >"$TMP/dump"
assert_eq "$(grep -c ': systemd-tpm2$' "$TMP/dump")" 1 "TPM2 tokens after reseal"
assert_grep ": systemd-recovery$" "$TMP/dump"
cryptsetup luksOpen --test-passphrase --key-file=<(printf %s "$key") "$img" ||
	fail "recovery key lost by the reseal"

# Reseal authorised by the TPM token, to PCRs 0+7.
run_expect_rc 0 "$SEALROOT" persist reseal "$img" --pcrs 0,7 --tpm2-device "$TCTI"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
tid=$(cryptsetup luksDump "$img" | sed -n 's/^  \([0-9]*\): systemd-tpm2$/\1/p')
assert_eq "$(token_json "$img" "$tid" | jq -c '."tpm2-pcrs"')" '[0,7,15]' "resealed PCRs"

# A crash right after the new token: old and new both work.
rc=0
SEALROOT_FAULT_INJECT=reseal-after-token "$SEALROOT_TEST" persist reseal "$img" --pcrs 7 \
	--tpm2-device "$TCTI" >"$TMP/out" 2>&1 || rc=$?
assert_eq "$rc" 99 "exit status at reseal-after-token"
cryptsetup luksDump "$img" >"$TMP/dump"
assert_eq "$(grep -c ': systemd-tpm2$' "$TMP/dump")" 2 "TPM2 tokens after the crash"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
run_expect_rc 0 "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI"
cryptsetup luksDump "$img" >"$TMP/dump"
assert_eq "$(grep -c ': systemd-tpm2$' "$TMP/dump")" 1 "TPM2 tokens after the repeated reseal"
assert_eq "$(keyslot_count "$img")" 2 "keyslots after the repeated reseal"

# Once the lock PCR was extended (after an unlock), the TPM token can no
# longer authorise a reseal; nothing is written (the recovery key can:
# test_persist_reseal_on_booted_system.sh).
run_expect_rc 0 "$SEALROOT" persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate
before=$(sha256sum <"$img")
run_expect_rc 1 "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI"
assert_grep "PCR 15 is sealroot's lock PCR" "$TMP/out"
assert_grep "Cannot authorise the reseal .* pass --recovery-key-file" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after the refused reseal"
echo "ok: reseal"
