#!/bin/bash
# What 'persist open' extends into PCR 15 equals an independent computation
# of systemd-cryptsetup's tpm2-measure-pcr=yes value — HMAC-SHA256(volume
# key from 'cryptsetup luksDump --dump-volume-key', "cryptsetup:NAME:UUID")
# extended as is — followed by the event of how the volume was opened:
# provisioning (volume, provisioned), a TPM unlock (volume only, exactly
# systemd's value), the recovery key (volume, recovery-key), a dm name with
# ':' (escaped \x3a).  The report records the events and PCR 15; afterwards
# the genuine token no longer unseals ('persist check' refused).
source "$(dirname "$0")/lib-lock.sh"
persist_setup
img=$(new_image img)
open_args=(persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate)

# 1. First boot: provisioning.
run_expect_rc 0 "$SEALROOT" "${open_args[@]}" --recovery-key --recovery-key-output "$TMP/rk"
rk=$(recovery_key_from "$TMP/rk")
[ -n "$rk" ] || fail "no recovery key printed"
vol=$(volume_digest "$img" "$rk")
want=$(extend "$(extend $ZERO32 "$vol")" "$(event_digest provisioned)")
expect_pcr15 "$want" "after provisioning"
jq -e --arg v "$want" '.stages[-1] | .action == "provisioned" and
	.lock_measured == "volume,provisioned" and .pcr15 == $v' "$SEALROOT_REPORT" >/dev/null ||
	{ cat "$SEALROOT_REPORT"; fail "report after provisioning"; }
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "already unlocked once during this boot" "$TMP/out"
"$SEALROOT" status >"$TMP/status" || true
assert_grep "lock_measured=volume,provisioned" "$TMP/status"

# 2. Next boot: a plain TPM unlock measures the volume only.
cryptsetup config --subsystem "" "$img" # as after mkfs+mount in the guest
swtpm_reboot
run_expect_rc 0 "$SEALROOT" "${open_args[@]}"
assert_grep "persist: unlocked" "$TMP/out"
want=$(extend $ZERO32 "$vol")
expect_pcr15 "$want" "after a TPM unlock (systemd-cryptsetup's value)"
jq -e --arg v "$want" '.stages[-1] | .action == "unlocked" and .lock_measured == "volume"
	and .pcr15 == $v' "$SEALROOT_REPORT" >/dev/null ||
	{ cat "$SEALROOT_REPORT"; fail "report after unlock"; }
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"

# The measurement is of this volume: another volume gives another value.
img2=$(new_image img2)
swtpm_reboot
run_expect_rc 0 "$SEALROOT" persist open --cmdline "" --device "$img2" --tpm2-device "$TCTI" \
	--no-activate
[ "$(pcr15)" != "$(extend "$(extend $ZERO32 "$vol")" "$(event_digest provisioned)")" ] ||
	fail "a different volume measured the same as the first"

# 3. The recovery key (PCR 7 changed): volume, then recovery-key.
swtpm_reboot
tpm2_pcrextend 7:sha256="$(printf 'new shim' | sha256sum | cut -d' ' -f1)"
printf '%s\n' "$rk" >"$TMP/keyfile"
SEALROOT_TEST_RECOVERY_KEY_FILE=$TMP/keyfile run_expect_rc 0 "$SEALROOT_TEST" "${open_args[@]}" \
	--cmdline "sealroot.recovery=ask"
want=$(extend "$(extend $ZERO32 "$vol")" "$(event_digest recovery-key)")
expect_pcr15 "$want" "after a recovery-key unlock"
jq -e '.stages[-1] | .token_type == "recovery" and .lock_measured == "volume,recovery-key"' \
	"$SEALROOT_REPORT" >/dev/null || { cat "$SEALROOT_REPORT"; fail "report after recovery"; }

# 4. The dm name is escaped as systemd does: ':' becomes \x3a.
swtpm_reboot
run_expect_rc 0 "$SEALROOT" "${open_args[@]}" --name "data:1"
expect_pcr15 "$(extend $ZERO32 "$(volume_digest "$img" "$rk" 'data\x3a1')")" "name with ':'"
echo "ok: PCR 15 holds systemd's volume measurement plus the outcome"
