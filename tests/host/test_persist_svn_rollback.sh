#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Anti-rollback through 'sealroot persist' (issue 13), on swtpm and a file image:
#   - provisioning with sealroot.svn=1 creates the SVN index at minimum 1 and
#     binds the token to it; the report shows image SVN and minimum;
#   - a trial boot of SVN 2 (LoaderBootCountPath set) unlocks and raises
#     nothing, so SVN 1 still unlocks after the rollback;
#   - a blessed boot of SVN 2 raises the minimum to 2 (idempotent);
#   - SVN 1, and an image without sealroot.svn=, are then refused with both
#     numbers in the message, fail closed and lock PCR 15;
#   - a power cut just before or just after the raise leaves 1 or 2, and the
#     next boot is consistent;
#   - a reseal (recovery key) keeps the binding; the index undefined from
#     "another OS": refused, and redefined with the same policy: refused,
#     never re-created or written by sealroot;
#   - the operator's way back: 'persist reseal --svn-unbind' with the
#     recovery key, after which an older image unlocks again.
source "$(dirname "$0")/lib-lock.sh"
persist_setup
export SEALROOT_EFIVARS=$TMP/efivars
mkdir -p "$SEALROOT_EFIVARS"
COUNTER=$SEALROOT_EFIVARS/LoaderBootCountPath-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
field() { jq -r --arg k "$1" '.stages[] | select(.name == "persist") | .[$k]' "$SEALROOT_REPORT"; }
# open RC SVN-CMDLINE: a fresh boot, 'persist open' (verify only) exits RC.
open() {
	swtpm_reboot
	rm -f "$SEALROOT_REPORT"
	run_expect_rc "$1" "$SEALROOT" persist open --cmdline "$2" --device "$img" \
		--tpm2-device "$TCTI" --no-activate
}
minimum() { D svn-read any | cut -d' ' -f2; }
tpm2_token() { cryptsetup luksDump --dump-json-metadata "$img" | jq -c '.tokens[] | select(.type == "systemd-tpm2")'; }

img=$(new_image img 32M)
provision "$img" --cmdline "sealroot.svn=1" --recovery-key --recovery-key-output "$TMP/rk" >"$TMP/prov" 2>&1 ||
	{ cat "$TMP/prov"; fail "provision"; }
recovery_key_from "$TMP/rk" >"$TMP/keyfile"
assert_grep "minimum security version 1" "$TMP/prov"
assert_eq "$(minimum)" 1 "minimum after provisioning"
token_json "$img" 0 >"$TMP/tok"
A=$(jq -r '."sealroot-svn-nv-policy"' "$TMP/tok")
[[ "$A" =~ ^[0-9a-f]{64}$ ]] || fail "token has no sealroot-svn-nv-policy: $(cat "$TMP/tok")"
assert_eq "$(D svn-read "$A")" "0000000000000001 1" "the token's index"

# Trial boot of an update with SVN 2: unlocks, raises nothing.
: >"$COUNTER"
open 0 "sealroot.svn=2"
assert_grep "trial boot" "$TMP/out"
assert_eq "$(minimum)" 1 "minimum after a trial boot"
assert_eq "$(field svn_image) $(field svn_minimum) $(field svn_raised)" "2 1 none" "report of the trial"
# Its health check failed: back to SVN 1, which still unlocks.
rm -f "$COUNTER"
open 0 "sealroot.svn=1"
assert_eq "$(minimum)" 1 "minimum after the rollback"

# A power cut right before the raise of a blessed SVN 2 boot: still 1.
swtpm_reboot
run_expect_rc 99 "$SEALROOT_TEST" persist open --cmdline "sealroot.svn=2 sealroot.fault_inject=svn-before-raise" \
	--device "$img" --tpm2-device "$TCTI" --no-activate
assert_eq "$(minimum)" 1 "power cut before the raise"
# ... right after it: 2, and the next boot of SVN 2 unlocks without raising.
swtpm_reboot
run_expect_rc 99 "$SEALROOT_TEST" persist open --cmdline "sealroot.svn=2 sealroot.fault_inject=svn-after-raise" \
	--device "$img" --tpm2-device "$TCTI" --no-activate
assert_eq "$(minimum)" 2 "power cut after the raise"
open 0 "sealroot.svn=2"
assert_no_grep "raised" "$TMP/out"
assert_eq "$(field svn_image) $(field svn_minimum) $(field svn_raised)" "2 2 none" "report, already raised"

# SVN 3 blessed: raised to 3 (and reported).
open 0 "sealroot.svn=3"
assert_grep "raised from 2 to 3" "$TMP/out"
assert_eq "$(field svn_image) $(field svn_minimum) $(field svn_raised)" "3 2 3" "report of the raise"
assert_eq "$(minimum)" 3 "minimum after a blessed SVN 3"

# The old image: refused before unsealing, both numbers named, locked.
open 1 "sealroot.svn=2"
assert_grep "this image has security version 2 .*requires at least 3" "$TMP/out"
[ "$(pcr15)" != "$ZERO32" ] || fail "PCR 15 not extended after the refusal"
assert_eq "$(field action)" failed "report action of the refused image"
assert_eq "$(minimum)" 3 "minimum after a refused image"
open 1 ""
assert_grep "no security version .*requires at least 3" "$TMP/out"
[ "$(pcr15)" != "$ZERO32" ] || fail "PCR 15 not extended after the refusal (no svn)"

# A reseal on the booted system keeps the binding (same index policy).
reseal() { "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI" --recovery-key-file "$TMP/keyfile" "$@"; }
run_expect_rc 0 reseal
assert_eq "$(tpm2_token | jq -r '."sealroot-svn-nv-policy"')" "$A" "binding after a reseal"
open 1 "sealroot.svn=2"
assert_grep "requires at least 3" "$TMP/out"
open 0 "sealroot.svn=3"

# "Another OS" removes the index (empty owner auth): refused, not re-created.
tpm2_nvundefine -C o "$SVN_IDX"
open 1 "sealroot.svn=3"
assert_grep "index 0x01805356 .* does not exist" "$TMP/out"
run_expect_rc 2 D svn-read any
# ... and defines it again with the same policy: unwritten, refused, and it
# stays unwritten (sealroot does not write it, nobody else can).
printf '%s' "$A" | xxd -r -p >"$TMP/a.pol"
tpm2_nvdefine -C o -s 8 -L "$TMP/a.pol" -a "policywrite|authread|no_da|nt=bits" "$SVN_IDX"
open 1 "sealroot.svn=3"
assert_grep "was never written" "$TMP/out"
run_expect_rc 61 D svn-read "$A"

# The operator's way back: unbind with the recovery key; SVN 2 unlocks again.
run_expect_rc 0 reseal --svn-unbind
assert_grep "without the anti-rollback binding" "$TMP/out"
tpm2_token | jq -e 'has("sealroot-svn-nv-policy") | not' >/dev/null ||
	fail "the token is still bound after --svn-unbind"
open 0 "sealroot.svn=2"
assert_eq "$(field svn_raised)" none "an unbound token raises nothing"
echo "ok: persist svn rollback"
