# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-update.sh — fixtures for tests/host/test_update_*.sh and
# test_mkimage_ab_*.sh (sourced after tests/lib.sh and lib-mkimage.sh).
#   UPDATE                    the updater under test
#   ab_fixture [--pcr-key]    tiny rootfs + initrd; $TMP/v1 = `mkimage --slots ab`
#                             version 1, $TMP/v2, $TMP/v3 = single-slot builds
#                             of versions 2 and 3 (different content); with
#                             --pcr-key v1 and v2 have signed PCR policies from
#                             $TMP/pcr.key, v3 from $TMP/pcr-other.key
#   build_version NAME VER    another single-slot build of a changed rootfs
#   disk_part DISK NAME KEY   start/size(bytes)/uuid/num of a partition on DISK
#   esp_entries DISK          EFI/Linux entries of DISK's ESP, sorted, one line
#   part_sha DISK NAME        sha256 of a partition's bytes
#   protected_sums DISK SLOT  sha256 of everything an update into the other
#                             slot must not change (SLOT's partitions and
#                             boot entry, the persistent partition, loader)
# shellcheck disable=SC2034  # used by the sourcing tests
UPDATE=$TOP/scripts/update
export MTOOLS_SKIP_CHECK=1

build_version() {
	echo "$2" >"$TMP/rootfs/etc/version"
	mkimage_build "$TMP/$1" --raw-only --fast --version "$2" "${@:3}"
}

ab_fixture() {
	local pcr=() pcr3=()
	mkimage_fixture
	if [ "${1:-}" = --pcr-key ]; then
		for k in pcr pcr-other; do
			openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/$k.key" 2>/dev/null ||
				fail "openssl could not create $TMP/$k.key"
		done
		pcr=(--pcr-key "$TMP/pcr.key")
		pcr3=(--pcr-key "$TMP/pcr-other.key")
	fi
	build_version v1 1 --slots ab --persist-size 4M "${pcr[@]}"
	build_version v2 2 "${pcr[@]}"
	build_version v3 3 "${pcr3[@]}"
}

disk_part() {
	sfdisk -J "$1" | jq -r --arg n "$2" --arg k "$3" '.partitiontable as $t | $t.partitions[] |
		select(.name == $n) | if $k == "start" then .start * 512 elif $k == "size" then .size * 512
		elif $k == "uuid" then (.uuid | ascii_downcase) else (.node | ltrimstr($t.device)) end'
}

esp_entries() {
	mdir -b -i "$1@@$(disk_part "$1" esp start)" ::EFI/Linux | sed 's|.*/||' | sort | tr '\n' ' ' | sed 's/ $//'
}

part_sha() {
	dd if="$1" bs=1M skip=$(($(disk_part "$1" "$2" start) / 1048576)) count=$(($(disk_part "$1" "$2" size) / 1048576)) \
		status=none | sha256sum | cut -d' ' -f1
}

# protected_sums DISK SLOT — what must survive an update of the other slot.
protected_sums() {
	local d=$1 s=$2 off e
	off=$(disk_part "$d" esp start)
	for p in "root-$s" "root-$s-verity" sealroot-persist; do
		echo "$p $(part_sha "$d" "$p") $(disk_part "$d" "$p" uuid)"
	done
	for e in $(mdir -b -i "$d@@$off" ::EFI/Linux | sed 's|.*/||'); do
		case $e in *-"$s".efi | *-"$s"+*.efi) echo "$e $(mtype -i "$d@@$off" "::EFI/Linux/$e" | sha256sum | cut -d' ' -f1)" ;; esac
	done
	echo "sd-boot $(mtype -i "$d@@$off" ::EFI/BOOT/BOOTX64.EFI | sha256sum | cut -d' ' -f1)"
	echo "loader $(mtype -i "$d@@$off" ::loader/loader.conf | sha256sum | cut -d' ' -f1)"
}

# slot_verifies DISK SLOT BUILD — the slot holds BUILD's verified root.
slot_verifies() {
	local d=$1 s=$2 b=$3 rh db hb
	rh=$(cat "$b/roothash.txt")
	db=$(jq .verity.data_bytes "$b/manifest.json")
	hb=$(jq .verity.hash_bytes "$b/manifest.json")
	dd if="$d" of="$TMP/slot.data" bs=1M skip=$(($(disk_part "$d" "root-$s" start) / 1048576)) count=$((db / 1048576)) status=none
	dd if="$d" of="$TMP/slot.hash" bs=1M skip=$(($(disk_part "$d" "root-$s-verity" start) / 1048576)) count=$((hb / 1048576)) status=none
	veritysetup verify "$TMP/slot.data" "$TMP/slot.hash" "$rh" >/dev/null 2>&1
}

uuid_of() { echo "${1:0:8}-${1:8:4}-${1:12:4}-${1:16:4}-${1:20:12}"; }
