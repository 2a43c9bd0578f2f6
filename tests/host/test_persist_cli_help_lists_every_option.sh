#!/bin/bash
# 'sealroot persist --help' and each subcommand's --help list every option the
# code accepts: every long option in cmd_persist.c appears in the overall
# help; each option a subcommand's help lists is accepted by that subcommand
# (not refused as unknown), every other one — and any abbreviation — is
# refused with a pointer to its --help.
source "$(dirname "$0")/lib-persist.sh"
export SEALROOT_PROC_CMDLINE=$TMP/cmdline
: >"$TMP/cmdline"

run_expect_rc 0 "$SEALROOT" persist --help
cp "$TMP/out" "$TMP/help"
for verb in open provision check reseal; do
	assert_grep "^Usage: sealroot persist $verb" "$TMP/help"
done
# Every option name the parser knows (the option table in cmd_persist.c).
sed -n 's/^\t{ "\([a-z0-9-]*\)", OPT_.*/\1/p' "$TOP/helpers/persist/cmd_persist.c" | sort -u >"$TMP/code-opts"
[ "$(wc -l <"$TMP/code-opts")" -ge 12 ] || fail "could not read the option table"
while read -r o; do
	assert_grep "^  --$o( |$)" "$TMP/help"
done <"$TMP/code-opts"

for verb in open provision check reseal; do
	run_expect_rc 0 "$SEALROOT" persist "$verb" --help
	assert_grep "^Usage: sealroot persist $verb" "$TMP/out"
	sed -n 's/^  --\([a-z0-9-]*\).*/\1/p' "$TMP/out" | sort -u >"$TMP/$verb-opts"
	# Each listed option is accepted: parsing goes on to the --help after it.
	while read -r o; do
		[ "$o" = help ] && continue
		arg=()
		grep -qE -- "^  --$o [A-Z]" "$TMP/out" && arg=(7)
		[ "$o" = pcr-value ] && arg=("7=$(printf '0%.0s' $(seq 64))")
		run_expect_rc 0 "$SEALROOT" persist "$verb" "--$o" "${arg[@]}" --help
		assert_grep "^Usage: sealroot persist $verb" "$TMP/out"
	done <"$TMP/$verb-opts"
	# The options not listed for this verb are refused.
	comm -23 "$TMP/code-opts" "$TMP/$verb-opts" | while read -r o; do
		run_expect_rc 2 "$SEALROOT" persist "$verb" "--$o" x
		# (--recovery-key is a prefix of reseal's --recovery-key-file)
		assert_grep "'sealroot persist $verb'( does not accept option --$o; see 'sealroot persist $verb --help'|: write option --$o-[a-z-]* in full)" "$TMP/out"
	done
done
assert_eq "$(tr '\n' ' ' <"$TMP/check-opts")" "help pcr-signature tpm2-device " "options of check"
assert_eq "$(tr '\n' ' ' <"$TMP/reseal-opts")" "help pcr-key pcr-signature pcr-value pcrs recovery-key-file tpm2-device " "options of reseal"
run_expect_rc 2 "$SEALROOT" persist reseal img --recovery-key F
assert_grep "write option --recovery-key-file in full" "$TMP/out"
run_expect_rc 2 "$SEALROOT" persist reseal img --pcr-value 24=00
assert_grep "is not N=HEX" "$TMP/out"
echo "ok: persist help lists every option"
