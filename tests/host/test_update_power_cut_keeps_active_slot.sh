#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A power cut (SIGKILL) at any step of scripts/update leaves the active slot
# A, the persistent partition and the loader byte-identical and never leaves
# a boot entry pointing at a partly written slot: until the final rename the
# ESP has no slot B *.efi entry.  Running the update again completes it.
# Also a kill at an arbitrary moment (not at a test hook).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"
. "$(dirname "$0")/lib-update.sh"

ab_fixture
disk=$TMP/disk.raw
# Slot B holds build 2 being tried (entry +3), so the update to build 3 also
# removes an entry.
cp --sparse=always "$TMP/v1/image.raw" "$disk"
"$UPDATE" "$TMP/v2" --disk "$disk" >/dev/null 2>&1 || fail "setup update to build 2 failed"
cp --sparse=always "$disk" "$TMP/start.raw"
protected_sums "$TMP/start.raw" a >"$TMP/before"

for step in after-verify after-remove mid-root-b after-data mid-root-b-verity after-hash after-gpt mid-uki; do
	cp --sparse=always "$TMP/start.raw" "$disk"
	rc=0
	# (bash reports the SIGKILL on stderr; it is expected here)
	SEALROOT_UPDATE_FAULT=$step "$UPDATE" "$TMP/v3" --disk "$disk" >"$TMP/cut.log" 2>&1 || rc=$?
	[ "$rc" -eq 137 ] || { cat "$TMP/cut.log" >&2; fail "update with a cut at $step exited $rc, expected 137 (SIGKILL)"; }
	protected_sums "$disk" a >"$TMP/after"
	diff "$TMP/before" "$TMP/after" >&2 || fail "a cut at $step changed slot A, the persistent partition or the loader"
	entries=$(esp_entries "$disk")
	case $step in
	after-verify) assert_eq "$entries" "sealroot-1-a.efi sealroot-2-b+3.efi" "entries after a cut at $step" ;;
	mid-uki) assert_eq "$entries" "sealroot-1-a.efi sealroot-staging.tmp" "entries after a cut at $step" ;;
	*) assert_eq "$entries" "sealroot-1-a.efi" "entries after a cut at $step" ;;
	esac
	# Retrying finishes the job.
	run_expect_rc 0 "$UPDATE" "$TMP/v3" --disk "$disk"
	assert_eq "$(esp_entries "$disk")" "sealroot-1-a.efi sealroot-3-b+3.efi" "entries after retrying a cut at $step"
	slot_verifies "$disk" b "$TMP/v3" || fail "slot B does not verify after retrying a cut at $step"
	note "cut at $step: slot A intact, no partial entry, retry ok"
done

# Kills of the whole process group at arbitrary moments (fractions of a
# full run's duration), not at a hook.
cp --sparse=always "$TMP/start.raw" "$disk"
t0=$(date +%s%N)
"$UPDATE" "$TMP/v3" --disk "$disk" >/dev/null 2>&1 || fail "a full update run failed"
full_ms=$((($(date +%s%N) - t0) / 1000000))
for pct in 30 50 65 80 90 97; do
	cp --sparse=always "$TMP/start.raw" "$disk"
	setsid "$UPDATE" "$TMP/v3" --disk "$disk" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((full_ms * pct / 100000)) $((full_ms * pct / 100 % 1000)))"
	kill -9 -- -"$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	protected_sums "$disk" a >"$TMP/after"
	diff "$TMP/before" "$TMP/after" >&2 || fail "a kill at ${pct}% changed slot A"
	for e in $(esp_entries "$disk"); do
		case $e in
		sealroot-1-a.efi | sealroot-staging.tmp) ;;
		sealroot-2-b+3.efi) slot_verifies "$disk" b "$TMP/v2" || fail "entry $e survived but slot B no longer holds build 2" ;;
		sealroot-3-b+3.efi) slot_verifies "$disk" b "$TMP/v3" || fail "entry $e exists but slot B does not verify" ;;
		*) fail "unexpected entry $e after a kill at ${pct}%" ;;
		esac
	done
	note "kill at ${pct}% of ${full_ms} ms: entries $(esp_entries "$disk")"
done
echo "ok: power cuts at every step keep slot A bootable"
