#!/bin/bash
# A TPM in dictionary-attack lockout: unseal fails with -ENOLCK (37).  The
# primary key (systemd's template) is DA-protected, so loading under it is
# refused while the TPM is locked out.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"
export TPM2TOOLS_TCTI="$SWTPM_TCTI"

head -c 32 /dev/urandom | "$DRIVER" "$SWTPM_TCTI" seal 7 "$TMP/blob" "$TMP/policy" >/dev/null

# One failed authorization locks the TPM out.
tpm2_dictionarylockout --setup-parameters --max-tries=1 --recovery-time=600 \
	--lockout-recovery-time=600
tpm2_createprimary -Q -C o -c "$TMP/p.ctx"
tpm2_flushcontext -t
echo -n data | tpm2_create -Q -C "$TMP/p.ctx" -p goodpw -i- -u "$TMP/o.pub" -r "$TMP/o.priv"
tpm2_flushcontext -t
tpm2_load -Q -C "$TMP/p.ctx" -u "$TMP/o.pub" -r "$TMP/o.priv" -c "$TMP/o.ctx"
tpm2_flushcontext -t
tpm2_unseal -c "$TMP/o.ctx" -p badpw >/dev/null 2>&1 && fail "bad password accepted"
tpm2_flushcontext -t
tpm2_getcap properties-variable >"$TMP/cap"
assert_grep "inLockout: +1" "$TMP/cap"

run_expect_rc 37 "$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/blob" "$TMP/policy"
assert_grep "No locks available" "$TMP/out"

# Clearing the lockout makes the same blob unseal again.
tpm2_dictionarylockout --clear-lockout
run_expect_rc 0 "$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/blob" "$TMP/policy"
echo "ok: lockout is ENOLCK"
