# shellcheck shell=bash disable=SC2034  # constants are used by scripts/mkimage
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/lib/mkimage-util.sh — helpers for scripts/mkimage (sourced, bash).
# Every function either succeeds or calls die with a message that says what
# failed and what to do; none of them touch anything outside its arguments.

MiB=$((1024 * 1024))
UKI_STUB=${MKIMAGE_UKI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}
SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKEOIL_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
# GPT partition types (UEFI spec; Discoverable Partitions Specification).
GPT_ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
GPT_ROOT_X86_64=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
GPT_ROOT_VERITY_X86_64=2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5
GPT_LINUX_FS=0FC63DAF-8483-4772-8E79-3D69D8477DE4

# die, die_usage, need_arg, info
# shellcheck source=scripts/lib/cli.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli.sh"
step() { info "$*"; }
now_ms() { date +%s%3N; }

need_tool() {
	command -v "$1" >/dev/null 2>&1 || die "'$1' not found in PATH; run scripts/install-deps"
}

# run CMD… — run a tool, keep its output on failure only.
run() {
	local log rc=0
	log=$(mktemp)
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$log" >&2
		rm -f "$log"
		die "'$*' failed with exit status $rc (its output is above)"
	fi
	rm -f "$log"
}

# parse_size 64M → bytes.  Accepts N, NK, NM, NG (binary units).
parse_size() {
	local s=${1^^} n unit
	[[ "$s" =~ ^([0-9]+)([KMG]?)(I?B)?$ ]] || return 1
	n=${BASH_REMATCH[1]}
	unit=${BASH_REMATCH[2]}
	case "$unit" in
	K) n=$((n * 1024)) ;;
	M) n=$((n * MiB)) ;;
	G) n=$((n * 1024 * MiB)) ;;
	esac
	[ "$n" -gt 0 ] || return 1
	echo "$n"
}

round_up() { echo $((($1 + $2 - 1) / $2 * $2)); }

newest_kernel() {
	local k
	k=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -type f 2>/dev/null | sort -V | tail -n 1)
	[ -n "$k" ] || return 1
	echo "$k"
}

file_sha256() { sha256sum <"$1" | cut -d' ' -f1; }

# A hash of a directory tree's content, names, modes, owners, xattrs and
# mtimes: any change that could change the image changes this.
tree_sha256() {
	tar -C "$1" --sort=name --numeric-owner --xattrs --pax-option=delete=atime,delete=ctime -cf - . 2>/dev/null | sha256sum | cut -d' ' -f1
	[ "${PIPESTATUS[0]}" -eq 0 ] || die "could not read the rootfs '$1' (tar failed); check permissions"
}

newest_mtime() {
	find "$1" -printf '%T@\n' | sort -n | tail -n 1 | cut -d. -f1
}

# derive_hex KEY LABEL — 64 hex chars, a pure function of KEY and LABEL.
derive_hex() { printf 'sealroot-mkimage:%s:%s' "$2" "$1" | sha256sum | cut -d' ' -f1; }

# hex_to_uuid 32HEX → 8-4-4-4-12, lowercase.
hex_to_uuid() {
	local h=${1,,}
	[[ "$h" =~ ^[0-9a-f]{32}$ ]] || die "internal: '$1' is not 32 hex digits"
	echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"
}

# derive_uuid KEY LABEL — a version 4 (random-format) UUID derived from KEY.
derive_uuid() {
	local h
	h=$(derive_hex "$1" "$2")
	h="${h:0:12}4${h:13:3}$(printf '%x' $(((0x${h:16:1} & 0x3) | 0x8)))${h:17:15}"
	hex_to_uuid "$h"
}

# kernel_version BZIMAGE — the version string from the x86 boot header.
kernel_version() {
	local f=$1 magic off
	magic=$(dd if="$f" bs=1 skip=$((0x202)) count=4 status=none)
	[ "$magic" = HdrS ] || return 1
	off=$(od -An -tu2 -j $((0x20E)) -N2 "$f" | tr -d ' ')
	[ -n "$off" ] && [ "$off" -gt 0 ] || return 1
	dd if="$f" bs=1 skip=$((off + 0x200)) count=256 status=none | tr '\0' '\n' | head -n 1 | cut -d' ' -f1
}

# build_uki STUB OUT NAME FILE [NAME FILE]… — add each FILE as PE section
# NAME after the stub's last section, every section page aligned.
build_uki() {
	local stub=$1 out=$2 vma size args=()
	shift 2
	# objdump -h rows: Idx Name Size VMA LMA Off Algn
	local idx hsize hvma rest end=0
	while read -r idx _ hsize hvma rest; do
		[[ "$idx" =~ ^[0-9]+$ && "$hsize" =~ ^[0-9a-fA-F]+$ && "$hvma" =~ ^[0-9a-fA-F]+$ ]] || continue
		[ $((0x$hvma + 0x$hsize)) -le "$end" ] || end=$((0x$hvma + 0x$hsize))
	done < <(objdump -h "$stub")
	[ "$end" -gt 0 ] || die "could not read the section table of the UKI stub $stub (objdump -h)"
	vma=$(round_up "$end" 4096)
	while [ $# -gt 0 ]; do
		size=$(stat -c %s "$2")
		[ "$size" -gt 0 ] || die "UKI section $1 would be empty: $2 has no content"
		args+=(--add-section "$1=$2" --change-section-vma "$1=$(printf '0x%x' "$vma")")
		vma=$(round_up $((vma + size)) 4096)
		shift 2
	done
	run objcopy "${args[@]}" "$stub" "$out"
	pe_make_reproducible "$out"
}

# pe_make_reproducible PE — objcopy stamps the build time into the COFF
# header (and thus the optional header checksum).  Zero both, as in the
# stub itself: firmware checks neither, Authenticode skips the checksum.
pe_make_reproducible() {
	local pe=$1 lfanew
	lfanew=$(od -An -tu4 -j $((0x3c)) -N4 "$pe" | tr -d ' ')
	[ "$(dd if="$pe" bs=1 skip="$lfanew" count=4 status=none | od -An -tx1 | tr -d ' ')" = 50450000 ] ||
		die "internal: $pe is not a PE image (no PE signature at offset $lfanew)"
	# COFF TimeDateStamp: signature(4) + Machine(2) + NumberOfSections(2).
	printf '\0\0\0\0' | dd of="$pe" bs=1 seek=$((lfanew + 8)) conv=notrunc status=none
	# Optional header CheckSum: signature(4) + COFF header(20) + 64.
	printf '\0\0\0\0' | dd of="$pe" bs=1 seek=$((lfanew + 24 + 64)) conv=notrunc status=none
}

# part_line START_BYTES SIZE_BYTES TYPE UUID NAME — one sfdisk script line.
part_line() {
	echo "start=$(($1 / 512)), size=$(($2 / 512)), type=$3, uuid=$4, name=\"$5\""
}

# place SRC IMG OFFSET — write SRC into IMG at OFFSET (MiB aligned), keep holes.
place() {
	run dd if="$1" of="$2" bs=1M seek=$(($3 / MiB)) conv=notrunc,sparse status=none
}

# partitions_json IMG — the partition table as read back by sfdisk.
partitions_json() {
	sfdisk -J "$1" | jq '[.partitiontable as $t | $t.partitions | to_entries[] | {
		number: (.key + 1), name: .value.name, type: (.value.type | ascii_downcase),
		partuuid: (.value.uuid | ascii_downcase),
		offset: (.value.start * ($t.sectorsize // 512)), bytes: (.value.size * ($t.sectorsize // 512))}]'
}

# files_json DIR NAME… — {"NAME": {"bytes": N, "sha256": HEX}} from NAME.sha256.
files_json() {
	local dir=$1 a
	shift
	for a in "$@"; do
		[ -f "$dir/$a.sha256" ] || continue
		printf '%s\t%s\t%s\n' "$a" "$(stat -c %s "$dir/$a")" "$(cut -d' ' -f1 "$dir/$a.sha256")"
	done | jq -R -s 'split("\n") | map(select(length > 0) | split("\t") |
		{(.[0]): {bytes: (.[1] | tonumber), sha256: .[2]}}) | add // {}'
}

# write_packages ROOTFS OUT — an SBOM-style list of what the rootfs contains.
write_packages() {
	local root=$1 out=$2 bb
	{
		echo "# packages in the root file system (name version architecture)"
		if [ -f "$root/var/lib/dpkg/status" ]; then
			echo "# source: /var/lib/dpkg/status"
			awk '
				/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 }
				/^Status:/ { s = ($0 ~ / installed$/) }
				/^$/ { if (p != "" && s) print p, v, a; p = v = a = ""; s = 0 }
				END { if (p != "" && s) print p, v, a }' "$root/var/lib/dpkg/status" | LC_ALL=C sort
		else
			bb=""
			for c in bin/busybox usr/bin/busybox sbin/busybox; do
				if [ -f "$root/$c" ] && [ ! -L "$root/$c" ]; then
					bb=$c
					break
				fi
			done
			if [ -n "$bb" ]; then
				echo "# source: /$bb (no package database in the rootfs)"
				v=$(grep -a -o -m1 'BusyBox v[0-9][^ ]*' "$root/$bb" | head -n 1 | sed 's/BusyBox v//')
				echo "busybox ${v:-unknown} $(file_arch "$root/$bb")"
			else
				echo "# no package db (no /var/lib/dpkg/status, no busybox)"
			fi
		fi
	} >"$out"
}

file_arch() {
	case "$(od -An -tx1 -j 18 -N 2 "$1" 2>/dev/null | tr -d ' ')" in
	3e00) echo amd64 ;;
	b700) echo arm64 ;;
	*) echo unknown ;;
	esac
}

# usable_key KEY TMPFILE — print a path to an unencrypted copy of KEY usable
# without a prompt: KEY itself when it is not encrypted, else TMPFILE (0600)
# decrypted with $MKIMAGE_KEY_PASSPHRASE (the OVMF snakeoil key's passphrase
# is the published "snakeoil").
usable_key() {
	local key=$1 tmp=$2 pass
	if ! grep -q 'ENCRYPTED' "$key"; then
		echo "$key"
		return 0
	fi
	pass=${MKIMAGE_KEY_PASSPHRASE:-}
	[ -n "$pass" ] || [ "$(realpath "$key")" != "$(realpath "$SNAKEOIL_KEY")" ] || pass=snakeoil
	[ -n "$pass" ] || die "key $key is encrypted; put its passphrase in MKIMAGE_KEY_PASSPHRASE"
	(umask 077 && PASS=$pass openssl pkey -in "$key" -passin env:PASS -out "$tmp" 2>/dev/null) ||
		die "could not decrypt $key with the passphrase from MKIMAGE_KEY_PASSPHRASE"
	echo "$tmp"
}

artifacts_present() {
	local dir=$1 a
	shift
	for a in "$@"; do
		[ -f "$dir/$a" ] && [ -f "$dir/$a.sha256" ] || return 1
	done
}

human() { numfmt --to=iec-i --suffix=B --format='%.1f' "$1"; }

# print_summary OUT BUILD_MS built|cached
print_summary() {
	local out=$1 ms=$2 how=$3 f
	echo "$PROG: $how $(cat "$out/build-id") in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s"
	echo "  root hash     $(cat "$out/roothash.txt")"
	echo "  fs            $(jq -r '.fs_type + " " + (.fs_bytes | tostring) + " bytes"' "$out/manifest.json")"
	for f in image.raw image.raw.gz image.vhd uki.efi; do
		[ -f "$out/$f" ] && printf '  %-13s %10s  %s\n' "$f" "$(human "$(stat -c %s "$out/$f")")" "$out/$f"
	done
	jq -r '.disk.partitions[] | "  part \(.number)        \(.name) \(.partuuid) offset=\(.offset) bytes=\(.bytes)"' \
		"$out/manifest.json"
}
