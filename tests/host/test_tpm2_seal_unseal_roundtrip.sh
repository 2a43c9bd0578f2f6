#!/bin/bash
# Sealing a secret to PCRs and unsealing it on the same TPM returns the same
# bytes; the PCR values recorded at seal time are the TPM's; bad sizes are
# refused; GetRandom delivers the requested length; a secret sealed is not
# left in ESYS's context (the driver checks), and wiping it there does not
# corrupt the context when the secret is a byte that also occurs in pointers.
# Also prints the median seal/unseal time of 10 rounds.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"
export TPM2TOOLS_TCTI="$SWTPM_TCTI"
tpm2_pcrextend 7:sha256="$(printf boot | sha256sum | cut -d' ' -f1)"

for size in 1 32 128; do
	head -c "$size" /dev/urandom >"$TMP/secret"
	"$DRIVER" "$SWTPM_TCTI" seal 7,15 "$TMP/blob" "$TMP/policy" <"$TMP/secret" >"$TMP/seal.out"
	"$DRIVER" "$SWTPM_TCTI" unseal 7,15 "$TMP/blob" "$TMP/policy" >"$TMP/unsealed"
	assert_eq "$(cat "$TMP/unsealed")" "$(od -An -v -tx1 "$TMP/secret" | tr -d ' \n')" \
		"unsealed $size-byte secret"
done

# 1-byte secrets equal to each byte of a heap address, in one context: the
# wipe of ESYS's copy of the secret must not touch ESYS's own pointers.
"$DRIVER" "$SWTPM_TCTI" seal-pointer-bytes 7 >"$TMP/bytes"
assert_grep '^sealed_bytes=[1-9]' "$TMP/bytes"

# The values the policy was computed over are the TPM's current ones.
pcr7=$(tpm2_pcrread sha256:7 | sed -n 's/.*7 *: *0x//p' | tr 'A-F' 'a-f')
assert_grep "^pcr 7 $pcr7\$" "$TMP/seal.out"
"$DRIVER" "$SWTPM_TCTI" pcr-read 7,15 >"$TMP/pcrs"
assert_grep "^7 $pcr7\$" "$TMP/pcrs"
assert_grep "^15 0{64}\$" "$TMP/pcrs"

# base64 output (the LUKS passphrase systemd derives) of a known secret.
printf 'hello-secret' | "$DRIVER" "$SWTPM_TCTI" seal 7 "$TMP/blob" "$TMP/policy" >/dev/null
assert_eq "$("$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/blob" "$TMP/policy" base64)" \
	"$(printf 'hello-secret' | base64 -w0)" "base64 of the unsealed secret"

# Too large (> TPM2_SEAL_SECRET_MAX) and empty secrets: -EINVAL (22).
head -c 129 /dev/urandom >"$TMP/big"
run_expect_rc 22 "$DRIVER" "$SWTPM_TCTI" seal 7 "$TMP/blob2" "$TMP/policy2" <"$TMP/big"
run_expect_rc 22 "$DRIVER" "$SWTPM_TCTI" seal 7 "$TMP/blob2" "$TMP/policy2" </dev/null
assert_no_file "$TMP/blob2"

# GetRandom in chunks: 100 bytes, and two draws differ.
r1=$("$DRIVER" "$SWTPM_TCTI" random 100)
r2=$("$DRIVER" "$SWTPM_TCTI" random 100)
assert_eq "${#r1}" 200 "hex length of 100 random bytes"
[ "$r1" != "$r2" ] || fail "two GetRandom draws are identical"

"$DRIVER" "$SWTPM_TCTI" bench 10 7,15 | tee "$TMP/bench"
assert_grep '^seal_median_ms=[0-9.]+ unseal_median_ms=[0-9.]+ runs=10$' "$TMP/bench"
echo "ok: seal/unseal round trip"
