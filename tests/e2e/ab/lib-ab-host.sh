# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/ab/lib-ab-host.sh — sourced by tests/e2e/test_ab_*.sh after tests/lib.sh
# and tests/e2e/lib.sh.
#
#   ab_build NAME VERSION [--fail-health REASON] [MKIMAGE OPTS…]
#                       A/B test rootfs of VERSION (mkrootfs-ab) → scripts/mkimage
#                       --out $TMP/NAME (pass --slots ab for the initial disk),
#                       root hash signed with E2E_VERITY_KEY like every e2e image,
#                       PCR policy signed with E2E_PCR_KEY (another --pcr-key in
#                       the options overrides it)
#   ab_update NAME [UPDATE OPTS…]   scripts/update $TMP/NAME --disk $E2E_DISK
#   ab_entries          the EFI/Linux entries on $E2E_DISK's ESP, one line
#   ab_boot NAME        e2e_boot NAME; adds the boot to AB_BOOTS / AB_SECONDS
#   ab_record TEXT      note TEXT and append it to $E2E_LOGDIR/ab-timings.txt
AB_HERE=$TOP/tests/e2e/ab
AB_CMDLINE=${E2E_CMDLINE:?}
AB_BOOTS=0
AB_SECONDS=0
export MTOOLS_SKIP_CHECK=1

ab_build() {
	local name=$1 version=$2 rargs=()
	shift 2
	if [ "${1:-}" = --fail-health ]; then
		rargs=(--fail-health "$2")
		shift 2
	fi
	"$AB_HERE/mkrootfs-ab" "${rargs[@]}" "$E2E_ARTIFACTS/rootfs" "$TMP/rootfs-$name" "$version" ||
		fail "mkrootfs-ab $version failed"
	"$E2E_MKIMAGE" -q --rootfs "$TMP/rootfs-$name" --initrd "$E2E_ARTIFACTS/initrd-systemd.img" \
		--out "$TMP/$name" --raw-only --fast --version "$version" --cmdline "$AB_CMDLINE" \
		--root-hash-sig --verity-key "${E2E_VERITY_KEY:?}" --verity-cert "${E2E_VERITY_CERT:?}" \
		--pcr-key "${E2E_PCR_KEY:?}" "$@" \
		>"$E2E_LOGDIR/mkimage-$name.log" 2>&1 ||
		{ tail -20 "$E2E_LOGDIR/mkimage-$name.log" >&2; fail "mkimage for $name (version $version) failed"; }
}

ab_update() {
	local name=$1
	shift
	"$TOP/scripts/update" "$TMP/$name" --disk "$E2E_DISK" "$@" >"$E2E_LOGDIR/update-$name.log" 2>&1 ||
		{ cat "$E2E_LOGDIR/update-$name.log" >&2; fail "scripts/update $name failed"; }
	note "$(grep '^update: installed' "$E2E_LOGDIR/update-$name.log")"
}

ab_esp_offset() {
	sfdisk -J "$E2E_DISK" | jq -r '.partitiontable as $t | $t.partitions[] | select(.name == "esp") |
		.start * ($t.sectorsize // 512)'
}

ab_entries() {
	mdir -b -i "$E2E_DISK@@$(ab_esp_offset)" ::EFI/Linux | sed 's|.*/||' | sort | tr '\n' ' ' | sed 's/ $//'
}

ab_boot() {
	local t0
	t0=$(date +%s)
	e2e_boot "$@"
	AB_BOOTS=$((AB_BOOTS + 1))
	AB_SECONDS=$((AB_SECONDS + $(date +%s) - t0))
	note "  entries after '$1': $(ab_entries)"
}

ab_record() {
	note "$*"
	echo "$(basename "$0" .sh): $*" >>"$E2E_LOGDIR/ab-timings.txt"
}
