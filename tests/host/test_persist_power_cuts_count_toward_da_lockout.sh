#!/bin/bash
# Power cuts and the TPM's dictionary-attack (DA) counter.  The primary key
# (systemd 252's template, kept for interop) is DA-protected, so a boot in
# which sealroot loaded or created an object under it and that ends without
# TPM2_Shutdown counts as one failed authorisation; PCR reads and GetRandom do
# not.  swtpm allows 3: three power cuts during provisioning lock the TPM out;
# then provisioning fails with an explanation, never touches anything beyond
# its own restartable state, and completes once the lockout is cleared.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
counter() { tpm2_getcap properties-variable | sed -n 's/^TPM2_PT_LOCKOUT_COUNTER: //p'; }
power_cut() { swtpm_restart "$TMP/tpm" KILL; } # no TPM2_Shutdown first
assert_eq "$(tpm2_getcap properties-variable | sed -n 's/^TPM2_PT_MAX_AUTH_FAIL: //p')" 0x3 "swtpm's DA limit"
assert_eq "$(counter)" 0x0 "DA counter at start"

# Reading PCRs only: a power cut does not count.
"$DRIVER" "$TCTI" pcr-read 7 >/dev/null
power_cut
assert_eq "$(counter)" 0x0 "DA counter after a power cut with only a PCR read"

# Three power cuts right after sealing (fault point after-seal, then no
# TPM2_Shutdown): each counts once.
img=$(new_image img)
for i in 1 2 3; do
	rc=0
	SEALROOT_FAULT_INJECT=after-seal "$SEALROOT_TEST" persist provision "$img" --cmdline "" \
		--tpm2-device "$TCTI" --no-activate --pcrs 7 >"$TMP/out" 2>&1 || rc=$?
	assert_eq "$rc" 99 "exit status at after-seal ($i)"
	power_cut
	assert_eq "$(counter)" "0x$i" "DA counter after power cut $i"
done
tpm2_getcap properties-variable >"$TMP/cap"
assert_grep "inLockout: +1" "$TMP/cap"

# Locked out: provisioning explains it and leaves a restartable header only.
run_expect_rc 1 provision "$img" --pcrs 7
assert_grep "dictionary-attack lockout, so the key of .* cannot be sealed" "$TMP/out"
assert_grep "tpm2_dictionarylockout --clear-lockout" "$TMP/out"
assert_eq "$(cryptsetup luksDump "$img" | grep -c ': systemd-tpm2$' || true)" 0 "tokens while locked out"

# Cleared (an orderly shutdown since, too): provisioning restarts and completes.
tpm2_dictionarylockout --clear-lockout
run_expect_rc 0 provision "$img" --pcrs 7
assert_grep "stopped before its TPM2 token was written" "$TMP/out"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
swtpm_reboot
assert_eq "$(counter)" 0x0 "DA counter after an orderly restart"
echo "ok: power cuts count toward DA lockout, provisioning recovers"
