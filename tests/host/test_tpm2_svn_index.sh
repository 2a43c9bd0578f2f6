#!/bin/bash
# The anti-rollback NV index (helpers/tpm2_svn.c) against swtpm:
# - its write policy and authPolicy equal what tpm2-tools computes, and its
#   name (unwritten and written) equals the name the TPM reports;
# - exactly the attributes NT_BITS|POLICYWRITE|AUTHREAD|NO_DA(+WRITTEN);
# - unwritten reads as ENODATA; raising ORs bits in, so it can never lower;
# - the owner (empty auth) cannot write it, nor can anyone without the nonce,
#   nor sealroot once PCR 15 left zero;
# - undefined: ENOENT; redefined by someone else (other policy or attributes):
#   EBADE; redefined with the same policy: unwritten, and stays unwritable.
source "$(dirname "$0")/lib-tpm2.sh"
svn_tpm_setup
W=$(D svn-write-policy)

# Independent digests: a trial session of tpm2-tools.
head -c 32 /dev/zero >"$TMP/pcr15-zero"
tpm2_startauthsession -S "$TMP/trial.ctx"
tpm2_policycommandcode -S "$TMP/trial.ctx" -L "$TMP/cc.pol" TPM2_CC_NV_SetBits >/dev/null
tpm2_policypcr -S "$TMP/trial.ctx" -l sha256:15 -f "$TMP/pcr15-zero" -L "$TMP/w.pol" >/dev/null
tpm2_flushcontext "$TMP/trial.ctx"
assert_eq "$W" "$(od -An -tx1 "$TMP/w.pol" | tr -d ' \n')" "write policy W"
printf '%s' "$nonce" | xxd -r -p >"$TMP/nonce.bin"
tpm2_startauthsession -S "$TMP/trial.ctx"
tpm2_policyor -S "$TMP/trial.ctx" -L "$TMP/a.pol" "sha256:$TMP/w.pol,$TMP/nonce.bin" >/dev/null
tpm2_flushcontext "$TMP/trial.ctx"
assert_eq "$A" "$(od -An -tx1 "$TMP/a.pol" | tr -d ' \n')" "authPolicy PolicyOR(W, nonce)"

run_expect_rc 2 D svn-read "$A" # ENOENT: not defined
D svn-define "$A"
run_expect_rc 17 D svn-define "$A" # EEXIST
tpm2_nvreadpublic "$SVN_IDX" >"$TMP/pub"
assert_grep "value: 0x2040028" "$TMP/pub" # NO_DA|AUTHREAD|NT_BITS|POLICYWRITE
assert_eq "$(D svn-tpm-name)" "$(D svn-name "$A" unwritten)" "name of the unwritten index"
assert_eq "$(sed -n 's/^ *name: *//p' "$TMP/pub")" "$(D svn-name "$A" unwritten)" "name in tpm2_nvreadpublic"
run_expect_rc 61 D svn-read "$A" # ENODATA: never written

# Minimum 0 (provisioning by an image with SVN 0) writes no bit but marks the
# index written, so PolicyNV can use it.
D svn-raise "$nonce" 0
assert_eq "$(D svn-read "$A")" "0000000000000000 0" "after raising to 0"
D svn-raise "$nonce" 1
assert_eq "$(D svn-read "$A")" "0000000000000001 1" "after raising to 1"
assert_eq "$(D svn-tpm-name)" "$(D svn-name "$A" written)" "name of the written index"
tpm2_nvreadpublic "$SVN_IDX" >"$TMP/pub"
assert_grep "value: 0x22040028" "$TMP/pub" # + WRITTEN
D svn-raise "$nonce" 3
assert_eq "$(D svn-read "$A")" "0000000000000007 3" "after raising to 3"
D svn-raise "$nonce" 2
assert_eq "$(D svn-read "$A")" "0000000000000007 3" "raising to 2 cannot lower 3"
D svn-raise "$nonce" 3
assert_eq "$(D svn-read any)" "0000000000000007 3" "raising again is idempotent"

# Nobody else can write: the owner, the index's own (empty) auth, another nonce.
run_expect_rc 1 tpm2_nvsetbits -C o -i 0 "$SVN_IDX"
run_expect_rc 1 tpm2_nvsetbits -i 0x8 "$SVN_IDX"
other=$(random_hex32)
run_expect_rc 52 D svn-raise "$other" 5 # EBADE: not that index
# After the lock (PCR 15 extended) not even with the nonce.
D pcr-extend 15 "sealroot-unlocked"
run_expect_rc 1 D svn-raise "$nonce" 5
assert_eq "$(D svn-read "$A")" "0000000000000007 3" "unchanged after refused raises"

# The owner can undefine it (empty owner auth): gone, not lowered.
tpm2_nvundefine -C o "$SVN_IDX"
run_expect_rc 2 D svn-read "$A"
# Someone defines an index at the handle with other attributes: not ours.
tpm2_nvdefine -C o -s 8 -a "ownerwrite|ownerread|authread|authwrite|nt=bits" "$SVN_IDX"
tpm2_nvsetbits -C o -i 0 "$SVN_IDX"
run_expect_rc 52 D svn-read "$A"
run_expect_rc 52 D svn-read any
tpm2_nvundefine -C o "$SVN_IDX"
# The same attributes and policy (A is on disk, in the token): unwritten,
# and without the nonce nobody can write it.
tpm2_nvdefine -C o -s 8 -L "$TMP/a.pol" -a "policywrite|authread|no_da|nt=bits" "$SVN_IDX"
run_expect_rc 61 D svn-read "$A"
run_expect_rc 1 tpm2_nvsetbits -i 0 "$SVN_IDX"
D svn-undefine
run_expect_rc 2 D svn-read "$A"
echo "ok: svn index"
