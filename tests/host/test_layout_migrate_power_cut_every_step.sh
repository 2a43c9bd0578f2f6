#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A power cut at every step of the EMT store migration (each fault point of
# build/sealroot-test, at each time it is reached), then a normal boot: the
# store ends exactly as after a migration without a power cut (types, modes,
# owners, contents, mtimes, xattrs, ACLs), the files shown at the bind paths
# are the device's, and right after each cut every file of the store is still
# there once, as the same inode (nothing lost, nothing copied or duplicated).
# The intent is on disk before the first move and gone after the last.
. "$(dirname "$0")/lib-layout.sh"
. "$(dirname "$0")/lib-emt.sh"
[ -x "$SEALROOT_TEST" ] || fail "missing $SEALROOT_TEST (make build/sealroot-test)"
scratch_init ext4
emt_image
emt_store "$S/template"
emt_layout "$TMP/layout.env"
export LAYOUT=$TMP/layout.env
export SEALROOT_REPORT=$S/report.json
export SEALROOT_TEST

reset_store() {
	find "$S/persist" -mindepth 1 -delete
	cp -a "$S/template/." "$S/persist/"
	rm -f "$SEALROOT_REPORT"
}
store_inodes() {
	find "$S/persist" -type f ! -name '.sealroot-migrate-emt*' ! -name '.sealroot-manifest*' \
		-printf '%i\n' | sort -n
}
check_report() { # EXPECTED RESULTS, e.g. "migrated migrated migrated migrated" or ""
	assert_eq "$(migration_report | sed -n '1p')" "stage ok" "layout stage result"
	assert_eq "$(migration_report | sed -n '2,$p' | cut -d' ' -f1 | xargs)" "$1" "migration results"
}

# Reference: no power cut.
reset_store
boot '"$SEALROOT_TEST" --verbose layout apply --root "$R" "$LAYOUT" >"$S/ref.out" 2>&1'
manifest "$S/persist" >"$TMP/ref.manifest"
check_report "migrated migrated migrated migrated"
grep -o "fault point '[a-z-]*' reached" "$S/ref.out" | cut -d"'" -f2 | sort | uniq -c >"$TMP/points"
for want in migrate-intent-temp-written migrate-intent-written migrate-parents-made \
	migrate-renamed migrate-synced migrate-emt-dir-removed migrate-intent-removed; do
	grep -q " $want\$" "$TMP/points" || { cat "$TMP/points"; fail "fault point $want never reached"; }
done
cuts=()
while read -r count step; do
	for n in $(seq 1 "$count"); do cuts+=("$step@$n"); done
done < <(grep ' migrate-' "$TMP/points") # the merge's own: test_layout_merge_power_cut_every_step
note "${#cuts[@]} power cuts: ${cuts[*]}"
[ "${#cuts[@]}" -ge 15 ] || fail "expected at least 15 fault points for 4 entries"

for cut in "${cuts[@]}"; do
	reset_store
	store_inodes >"$TMP/inodes.before"
	boot '
		rc=0
		SEALROOT_FAULT_INJECT='"$cut"' "$SEALROOT_TEST" layout apply --root "$R" "$LAYOUT" \
			>"$S/cut.out" 2>&1 || rc=$?
		[ "$rc" = 99 ] || { cat "$S/cut.out"; echo "FAIL: exit $rc at '"$cut"', expected 99"; exit 1; }
	'
	assert_eq "$(store_inodes)" "$(cat "$TMP/inodes.before")" \
		"after the cut at $cut every file is there once, not copied"
	case $cut in
	migrate-intent-temp-written@*)
		assert_file "$S/persist/.sealroot-migrate-emt.tmp"
		assert_no_file "$S/persist/.sealroot-migrate-emt"
		expect="migrated migrated migrated migrated" ;;
	migrate-intent-removed@*)
		assert_no_file "$S/persist/.sealroot-migrate-emt"
		expect="" ;;
	*)
		assert_file "$S/persist/.sealroot-migrate-emt"
		expect="migrated migrated migrated migrated" ;;
	esac

	# The next boot finishes the work.
	boot '
		apply
		cp "$S/out" "$S/resume.out"
		[ "$(cat "$R/etc/machine-id")" = 4f1c2a7e9b0d4c5e8a6f3b2d1c0e9f8a ]
		[ "$(cat "$R/etc/ssh/ssh_host_ed25519_key")" = "PRIVATE ed25519 of this device" ]
		[ "$(getfattr --only-values -n user.color "$R/etc/app/app.conf")" = blue ]
	' || fail "boot after the cut at $cut"
	assert_eq "$(manifest "$S/persist")" "$(cat "$TMP/ref.manifest")" \
		"store after a cut at $cut and a boot equals the store of an uncut migration"
	assert_eq "$(store_inodes)" "$(cat "$TMP/inodes.before")" "same files after resuming from $cut"
	check_report "$expect" || fail "report after resuming from $cut"
	case $cut in
	migrate-intent-temp-written@* | migrate-intent-removed@*) ;;
	*) assert_grep "resuming the migration of the EMT store" "$S/resume.out" ;;
	esac
done
echo PASS
