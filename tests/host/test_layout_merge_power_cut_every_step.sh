#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A power cut at every step of the merge of an image update (each fault
# point of build/sealroot-test, each time it is reached), then a normal boot:
# right after the cut every path is either as before the merge or as after
# it, and the manifest is the old or the new one, never anything else; the
# next boot finishes, and the store ends exactly as after a merge without a
# power cut (types, modes, owners, contents, times, the manifest's content),
# with the conflict listed again.  A partial copy left by a cut in the middle
# of a copy is removed.  The boot after that merges nothing.
. "$(dirname "$0")/lib-layout.sh"
. "$(dirname "$0")/lib-emt.sh"
[ -x "$SEALROOT_TEST" ] || fail "missing $SEALROOT_TEST (make build/sealroot-test)"
scratch_init ext4
mkdir -p "$S/image/etc/app/conf.d" "$S/image/etc/app/keep"
echo "a v1" >"$S/image/etc/app/a.conf"
echo "b v1" >"$S/image/etc/app/b.conf"
echo "c v1" >"$S/image/etc/app/conf.d/c.conf"
echo "user edits me v1" >"$S/image/etc/app/edited.conf"
echo "user deletes me v1" >"$S/image/etc/app/deleted.conf"
echo "k v1" >"$S/image/etc/app/keep/k"
echo "id v1" >"$S/image/etc/app-id"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/etc/app /etc/app-id"
L
export LAYOUT=$TMP/layout.env
export SEALROOT_TEST
merge_report() {
	python3 - "$SEALROOT_REPORT" <<'PY'
import json, sys
st = [s for s in json.load(open(sys.argv[1]))["stages"] if s["name"] == "layout"][0]
print(st["result"], *(st.get("merge_" + k, "-") for k in ("added", "updated", "kept", "conflicts")))
for m in st.get("merge", []):
    print(m["result"], m["path"])
PY
}

# Seed with v1, the user edits and deletes.
boot '
	apply
	echo "the user" >"$R/etc/app/edited.conf"
	rm "$R/etc/app/deleted.conf"
'
# Image v2: two updates, a new file, a new directory with a file, a changed
# directory mode, a conflict, a change to the deleted file, a file bind.
echo "a v2" >"$S/image/etc/app/a.conf"
echo "c v2" >"$S/image/etc/app/conf.d/c.conf"
echo "new v2" >"$S/image/etc/app/new.conf"
mkdir -p "$S/image/etc/app/plugins"
echo "p v2" >"$S/image/etc/app/plugins/p.conf"
chmod 0750 "$S/image/etc/app/keep"
echo "user edits me v2" >"$S/image/etc/app/edited.conf"
echo "user deletes me v2" >"$S/image/etc/app/deleted.conf"
echo "id v2" >"$S/image/etc/app-id"
rm -rf "$S/template"
cp -a "$S/persist" "$S/template"
old_manifest=$(sha256sum <"$S/template/.sealroot-manifest")

reset_store() {
	find "$S/persist" -mindepth 1 -delete
	cp -a "$S/template/." "$S/persist/"
	rm -f "$SEALROOT_REPORT"
}
# Each path of the store as "path type mode content", for the old/new check.
state() {
	(cd "$1" && find . -mindepth 1 ! -name '.sealroot-manifest*' -printf '%p %y %m\n' | LC_ALL=C sort |
		while read -r p y m; do
			if [ "$y" = f ]; then echo "$p $y $m $(cat "$p")"; else echo "$p $y $m"; fi
		done)
}

# Reference: no power cut.
reset_store
state "$S/persist" >"$TMP/state.old"
boot '"$SEALROOT_TEST" --verbose layout apply --root "$R" "$LAYOUT" >"$S/ref.out" 2>&1'
manifest "$S/persist" >"$TMP/ref.tree"
state "$S/persist" >"$TMP/state.new"
new_manifest=$(sha256sum <"$S/persist/.sealroot-manifest")
assert_eq "$(merge_report)" "ok 3 4 1 1
conflict /etc/app/edited.conf" "merge without a power cut"
[ "$old_manifest" != "$new_manifest" ] || fail "the merge did not change the manifest"
grep -o "fault point 'merge-[a-z-]*' reached" "$S/ref.out" | cut -d"'" -f2 | sort | uniq -c >"$TMP/points"
for want in merge-added merge-updated merge-manifest-temp-written merge-manifest-written; do
	grep -q " $want\$" "$TMP/points" || { cat "$TMP/points"; fail "fault point $want never reached"; }
done
cuts=()
while read -r count step; do
	for n in $(seq 1 "$count"); do cuts+=("$step@$n"); done
done <"$TMP/points"
note "${#cuts[@]} power cuts: ${cuts[*]}"
[ "${#cuts[@]}" -ge 8 ] || fail "expected at least 8 fault points (2 adds, 4 updates, manifest)"

for cut in "${cuts[@]}"; do
	reset_store
	boot '
		rc=0
		SEALROOT_FAULT_INJECT='"$cut"' "$SEALROOT_TEST" layout apply --root "$R" "$LAYOUT" \
			>"$S/cut.out" 2>&1 || rc=$?
		[ "$rc" = 99 ] || { cat "$S/cut.out"; echo "FAIL: exit $rc at '"$cut"', expected 99"; exit 1; }
	'
	# Every path as before or as after; the manifest old or new.
	state "$S/persist" | while read -r line; do
		grep -qxF -- "$line" "$TMP/state.old" || grep -qxF -- "$line" "$TMP/state.new" ||
			{ echo "FAIL: after the cut at $cut: '$line' is neither the old nor the new state"; exit 1; }
	done || fail "half-merged path after the cut at $cut"
	m=$(sha256sum <"$S/persist/.sealroot-manifest")
	case $cut in
	merge-manifest-written@*) assert_eq "$m" "$new_manifest" "manifest after the cut at $cut" ;;
	*) assert_eq "$m" "$old_manifest" "manifest after the cut at $cut" ;;
	esac
	boot 'apply' || fail "boot after the cut at $cut"
	assert_eq "$(manifest "$S/persist")" "$(cat "$TMP/ref.tree")" \
		"store after a cut at $cut and a boot equals the store of an uncut merge"
	case $cut in
	merge-manifest-written@*) assert_eq "$(merge_report)" "ok - - - -" "nothing left after $cut" ;;
	*) assert_eq "$(merge_report | sed 1d)" "conflict /etc/app/edited.conf" \
		"after $cut the next boot lists the conflict, and nothing done before the cut" ;;
	esac
done

# A cut in the middle of a copy leaves a temporary: removed, the copy made.
reset_store
mkdir -p "$S/persist/etc/app/.sealroot-seed.plugins.Ab3dEf"
echo half >"$S/persist/etc/app/.sealroot-seed.plugins.Ab3dEf/p.conf"
echo half >"$S/persist/etc/app/.sealroot-seed.a.conf.Zy9xWv"
boot 'apply'
assert_eq "$(manifest "$S/persist")" "$(cat "$TMP/ref.tree")" "partial copies removed, merge done"
# And the boot after merges nothing.
boot 'apply'
assert_eq "$(merge_report)" "ok - - - -" "second boot of the same image"
assert_eq "$(manifest "$S/persist")" "$(cat "$TMP/ref.tree")" "second boot changes nothing"
echo PASS
