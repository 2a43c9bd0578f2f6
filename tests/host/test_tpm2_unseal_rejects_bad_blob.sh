#!/bin/bash
# Blobs that are not a sealed object for this TPM: -EBADMSG (74), no crash.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"

head -c 32 /dev/urandom | "$DRIVER" "$SWTPM_TCTI" seal 7 "$TMP/blob" "$TMP/policy" >/dev/null
size=$(stat -c %s "$TMP/blob")

head -c 200 /dev/urandom >"$TMP/garbage"
: >"$TMP/empty"
head -c $((size - 10)) "$TMP/blob" >"$TMP/truncated"
{ cat "$TMP/blob"; printf 'x'; } >"$TMP/trailing"
# Flip one byte inside the encrypted private part (offset 40): integrity check.
cp "$TMP/blob" "$TMP/tampered"
flip_byte "$TMP/tampered" 40

for f in garbage empty truncated trailing tampered; do
	run_expect_rc 74 "$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/$f" "$TMP/policy"
	assert_grep "Bad message" "$TMP/out"
done
# A blob sealed on another TPM (different owner seed) cannot be loaded here.
swtpm_stop
swtpm_start "$TMP/tpm2"
run_expect_rc 74 "$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/blob" "$TMP/policy"
echo "ok: bad blobs refused"
