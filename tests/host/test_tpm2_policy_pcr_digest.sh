#!/bin/bash
# The PolicyPCR digest sealroot computes in software equals the one the TPM
# computes in a trial session (driven by tpm2-tools, independent of sealroot),
# for the current PCR values and for arbitrary expected values; and a secret
# sealed by tpm2_seal (which now uses the software digest) still unseals.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"
export TPM2TOOLS_TCTI=$SWTPM_TCTI
cd "$TMP"

trial() { # LIST [VALUES]
	tpm2_startauthsession -S s.ctx
	tpm2_policypcr -S s.ctx -l "sha256:$1" ${2:+-f "$2"} -L pol.bin >/dev/null
	tpm2_flushcontext s.ctx
	xxd -p -c64 pol.bin
}

tpm2_pcrextend "7:sha256=$(printf 'firmware' | sha256sum | cut -d' ' -f1)"
# (tpm2_policypcr takes at most 8 PCRs)
for list in 7 7,15 0,1,2,3,4,5,7,15; do
	assert_eq "$("$DRIVER" "$SWTPM_TCTI" policy-pcr "$list")" "$(trial "$list")" "digest of current PCRs $list"
done
for list in 7,15 0,7,23 3,8,9,10,11,12,13,16; do
	n=$(tr ',' '\n' <<<"$list" | wc -l)
	head -c $((32 * n)) /dev/urandom >vals
	assert_eq "$("$DRIVER" "$SWTPM_TCTI" policy-pcr "$list" vals)" "$(trial "$list" vals)" "digest of random values for PCRs $list"
done

printf 'sealed-secret' | "$DRIVER" "$SWTPM_TCTI" seal 7,15 blob policy >/dev/null
assert_eq "$(cat policy)" "$(trial 7,15)" "policy hash of tpm2_seal"
assert_eq "$("$DRIVER" "$SWTPM_TCTI" unseal 7,15 blob policy)" "$(printf 'sealed-secret' | xxd -p)" "unsealed secret"
echo "ok: software PolicyPCR digest equals the TPM's"
