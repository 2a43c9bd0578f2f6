#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The recovery key: --recovery-key-output writes it to a file only root can
# read (mode 0600 whatever the umask), as 64 modhex letters in 8 groups,
# each letter pair one random byte (so 256 bits: pairs of equal letters are
# rare); 'persist reseal --recovery-key-file' takes it in any letter case,
# with or without dashes, says "does not hold a recovery key" for text that
# is not one (a non-modhex letter, a letter short) and "does not open" for a
# well-formed key of another volume.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
img=$(new_image img)
(umask 000 && provision "$img" --pcrs 7 --recovery-key --recovery-key-output "$TMP/rk") >"$TMP/out" 2>&1 ||
	{ cat "$TMP/out"; fail "provisioning with a recovery key"; }
assert_eq "$(stat -c '%a %u' "$TMP/rk")" "600 0" "mode and owner of the recovery key file (umask 000)"
key=$(recovery_key_from "$TMP/rk")
[[ $key =~ ^([cbdefghijklnrtuv]{8}-){7}[cbdefghijklnrtuv]{8}$ ]] || fail "recovery key format: '$key'"
letters=${key//-/}
same=0
for ((i = 0; i < 64; i += 2)); do [ "${letters:i:1}" != "${letters:i+1:1}" ] || same=$((same + 1)); done
# One pair in 16 is two equal letters by chance (about 2 of 32); 16 or more
# has a probability below 1e-9 unless the two letters of a byte are not independent.
[ "$same" -lt 16 ] || fail "$same of 32 letter pairs of the recovery key are doubled letters: '$key'"
cryptsetup config --subsystem "" "$img"

reseal() { "$SEALROOT" persist reseal "$img" --pcrs 7 --tpm2-device "$TCTI" --recovery-key-file "$1"; }
mistyped=a${letters:1} # 'a' is not a modhex letter
printf '%s\n' "$mistyped" >"$TMP/mistyped"
run_expect_rc 1 reseal "$TMP/mistyped"
assert_grep "$TMP/mistyped does not hold a recovery key" "$TMP/out"
printf '%s\n' "${letters:1}" >"$TMP/short"
run_expect_rc 1 reseal "$TMP/short"
assert_grep "$TMP/short does not hold a recovery key" "$TMP/out"
other=$(printf '%s' "$letters" | tr 'cbdefghijklnrtuv' 'bdefghijklnrtuvc')
printf '%s\n' "$other" >"$TMP/other"
run_expect_rc 1 reseal "$TMP/other"
assert_grep "The recovery key in $TMP/other does not open $img" "$TMP/out"
header=$(header_sum "$img")
printf '%s\n' "$letters" | tr '[:lower:]' '[:upper:]' >"$TMP/upper"
run_expect_rc 0 reseal "$TMP/upper"
[ "$(header_sum "$img")" != "$header" ] || fail "the reseal changed nothing"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
echo PASS
