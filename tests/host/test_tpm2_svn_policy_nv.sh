#!/bin/bash
# A secret sealed with the anti-rollback binding (PolicyNV on the SVN index,
# helpers/tpm2_svn.c) unseals only while that very index exists, is written
# and does not retire every image (bit 63): the TPM's trial session agrees
# with sealroot's digest (seal cross-checks it), the TPM itself refuses
# PolicyNV once bit 63 is set, and an index that was undefined and defined
# again with the same policy (unwritten) or by someone else is refused.
source "$(dirname "$0")/lib-tpm2.sh"
svn_tpm_setup
head -c 32 /dev/urandom >"$TMP/secret"
want=$(od -An -tx1 "$TMP/secret" | tr -d ' \n')

D svn-define "$A"
# Sealing needs the index written (PolicyNV cannot be satisfied otherwise).
SVN_NV_POLICY=$A run_expect_rc 61 D seal 7 "$TMP/blob" "$TMP/policy" <"$TMP/secret"
D svn-raise "$nonce" 1
SVN_NV_POLICY=$A D seal 7 "$TMP/blob" "$TMP/policy" <"$TMP/secret" >/dev/null
plain=$(D policy-pcr 7)
[ "$(cat "$TMP/policy")" != "$plain" ] || fail "the policy did not change with PolicyNV"
assert_eq "$(SVN_NV_POLICY=$A D unseal 7 "$TMP/blob" "$TMP/policy")" "$want" "unsealed at minimum 1"
D svn-raise "$nonce" 40
assert_eq "$(SVN_NV_POLICY=$A D unseal 7 "$TMP/blob" "$TMP/policy")" "$want" "unsealed at minimum 40"
# Without the PolicyNV step the session's digest is not the object's policy.
run_expect_rc 1 D unseal 7 "$TMP/blob" "$TMP/policy"

# Retire every image: sealroot's own checks pass (it is our index, written),
# the TPM refuses PolicyNV (EKEYEXPIRED 127).
D svn-raise "$nonce" 64
SEALROOT_DEBUG=1 SVN_NV_POLICY=$A run_expect_rc 127 D unseal 7 "$TMP/blob" "$TMP/policy"
assert_grep "PolicyNV \(SVN index\) failed" "$TMP/out"
assert_no_grep "^$want\$" "$TMP/out"

# Undefined and defined again with the same policy: unwritten, refused;
# nobody without the nonce can write it.
tpm2_nvundefine -C o "$SVN_IDX"
SVN_NV_POLICY=$A run_expect_rc 2 D unseal 7 "$TMP/blob" "$TMP/policy"
printf '%s' "$A" | xxd -r -p >"$TMP/a.pol"
tpm2_nvdefine -C o -s 8 -L "$TMP/a.pol" -a "policywrite|authread|no_da|nt=bits" "$SVN_IDX"
SVN_NV_POLICY=$A run_expect_rc 61 D unseal 7 "$TMP/blob" "$TMP/policy"
tpm2_nvundefine -C o "$SVN_IDX"
# Another volume's index (another nonce) at the handle, written: not ours.
other=$(random_hex32)
D svn-define "$(D svn-policy "$other")"
D svn-raise "$other" 1
SVN_NV_POLICY=$A run_expect_rc 52 D unseal 7 "$TMP/blob" "$TMP/policy"
echo "ok: svn policy nv"
