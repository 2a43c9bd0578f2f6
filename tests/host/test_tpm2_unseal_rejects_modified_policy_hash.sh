#!/bin/bash
# A stored policy hash that does not belong to the blob: -ESTALE (116),
# and nothing is unsealed.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"

head -c 32 /dev/urandom | "$DRIVER" "$SWTPM_TCTI" seal 7 "$TMP/blob" "$TMP/policy" >/dev/null
pol=$(cat "$TMP/policy")
# Flip the last hex digit.
last=${pol: -1}
[ "$last" = 0 ] && new=1 || new=0
printf '%s%s' "${pol%?}" "$new" >"$TMP/policy.bad"
run_expect_rc 116 "$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/blob" "$TMP/policy.bad"
assert_grep "Stale file handle" "$TMP/out"
assert_no_grep "^[0-9a-f]{64}$" "$TMP/out"
# The untouched hash still works.
run_expect_rc 0 "$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/blob" "$TMP/policy"
echo "ok: modified policy hash refused"
