#!/bin/bash
# Parameter encryption: the secret never crosses the TPM bus in the clear,
# neither in TPM2_Create (seal) nor in the TPM2_Unseal response.  The traffic
# is recorded with tpm2-tss's pcap TCTI; as a control, a GetRandom response
# (not encrypted) must be visible in the same kind of capture.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"

hexof() { od -An -v -tx1 "$1" | tr -d ' \n'; }

rnd=$(TCTI_PCAP_FILE=$TMP/random.pcap "$DRIVER" "pcap:$SWTPM_TCTI" random 32)
assert_eq "${#rnd}" 64 "random hex length"
hexof "$TMP/random.pcap" | grep -q "$rnd" || fail "control: GetRandom output not found in the capture"

head -c 32 /dev/urandom >"$TMP/secret"
secret_hex=$(hexof "$TMP/secret")
TCTI_PCAP_FILE=$TMP/seal.pcap "$DRIVER" "pcap:$SWTPM_TCTI" seal 7 "$TMP/blob" "$TMP/policy" \
	<"$TMP/secret" >/dev/null
TCTI_PCAP_FILE=$TMP/unseal.pcap "$DRIVER" "pcap:$SWTPM_TCTI" unseal 7 "$TMP/blob" "$TMP/policy" \
	>"$TMP/unsealed"
assert_eq "$(cat "$TMP/unsealed")" "$secret_hex" "unsealed secret"
for f in seal unseal; do
	[ -s "$TMP/$f.pcap" ] || fail "no capture of $f"
	! hexof "$TMP/$f.pcap" | grep -q "$secret_hex" || fail "secret visible in the $f traffic"
done
echo "ok: secret encrypted on the bus"
