#!/bin/bash
# Extending a PCR in the policy makes unseal fail with -EPERM and a message
# naming the blob; an unrelated PCR does not matter.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"
export TPM2TOOLS_TCTI="$SWTPM_TCTI"

head -c 32 /dev/urandom >"$TMP/secret"
"$DRIVER" "$SWTPM_TCTI" seal 7,15 "$TMP/blob" "$TMP/policy" <"$TMP/secret" >/dev/null

tpm2_pcrextend 8:sha256="$(printf other | sha256sum | cut -d' ' -f1)"
run_expect_rc 0 "$DRIVER" "$SWTPM_TCTI" unseal 7,15 "$TMP/blob" "$TMP/policy"

tpm2_pcrextend 15:sha256="$(printf unlocked | sha256sum | cut -d' ' -f1)"
SEALROOT_DEBUG=1 run_expect_rc 1 "$DRIVER" "$SWTPM_TCTI" unseal 7,15 "$TMP/blob" "$TMP/policy"
assert_grep "Unsealing .*/blob .*failed: Operation not permitted" "$TMP/out"
assert_grep "PCR values changed" "$TMP/out"
assert_no_grep "^[0-9a-f]{64}$" "$TMP/out"
echo "ok: unseal refused after PCR change"
