# shellcheck shell=bash disable=SC2034  # constants are used by the sourcing scripts
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/lib/ab-slots.sh — A/B slot conventions shared by scripts/mkimage
# (--slots ab) and scripts/update (sourced after mkimage-util.sh, bash).
#
# Boot entries are Type #2 (UKI) entries of the Boot Loader Specification in
# the ESP's EFI/Linux/, named
#
#     sealroot-VERSION-SLOT[+LEFT[-DONE]].efi        SLOT = a | b
#
# "+LEFT-DONE" is systemd-boot's boot counter: it renames the file before
# each try (LEFT-1, DONE+1); LEFT = 0 marks the entry bad (sorted last, not
# booted by default).  No counter = blessed (known good).

SDBOOT_EFI=${MKIMAGE_SDBOOT_EFI:-/usr/lib/systemd/boot/efi/systemd-bootx64.efi}
AB_ENTRY_DIR=EFI/Linux
# Staging name of a UKI being copied to the ESP: not *.efi, so systemd-boot
# never sees a partial file.
AB_STAGING=EFI/Linux/sealroot-staging.tmp

# ab_entry_name VERSION SLOT TRIES — the ESP file name of a new entry
# (TRIES 0 = blessed, no counter).
ab_entry_name() {
	if [ "$3" -gt 0 ]; then
		echo "sealroot-$1-$2+$3.efi"
	else
		echo "sealroot-$1-$2.efi"
	fi
}

# ab_parse_entry NAME — set AB_VERSION, AB_SLOT, AB_LEFT, AB_DONE from an
# entry file name (AB_LEFT empty = blessed); return 1 if NAME is not ours.
ab_parse_entry() {
	local re='^sealroot-(.+)-([ab])(\+([0-9]+)(-([0-9]+))?)?\.efi$'
	[[ "$1" =~ $re ]] || return 1
	AB_VERSION=${BASH_REMATCH[1]}
	AB_SLOT=${BASH_REMATCH[2]}
	AB_LEFT=${BASH_REMATCH[4]}
	AB_DONE=${BASH_REMATCH[6]:-0}
	[ -n "$AB_LEFT" ] || AB_DONE=""
}

# ab_state NAME — blessed | trying (LEFT > 0) | bad (LEFT = 0).
ab_state() {
	ab_parse_entry "$1" || return 1
	if [ -z "$AB_LEFT" ]; then
		echo blessed
	elif [ "$AB_LEFT" -gt 0 ]; then
		echo trying
	else
		echo bad
	fi
}

# ab_version_gt A B — true when version A sorts after B (close to
# systemd-boot's strverscmp for plain dotted versions).
ab_version_gt() {
	[ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]
}

# ab_loader_conf — loader/loader.conf: boot the first (newest, not bad)
# sealroot entry at once, no menu, no editor, no automatic entries.
ab_loader_conf() {
	printf '%s\n' "timeout 0" "default sealroot-*" "editor no" "auto-entries no" "auto-firmware no" \
		"console-mode keep"
}

# ab_hash_slot_bytes SLOT_BYTES — a verity partition size that holds the hash
# tree (about 1/128 of the data for sha256 and 4 KiB blocks) and FEC parity
# (2 roots: about 1/127 of data + hash) for any data up to SLOT_BYTES.
ab_hash_slot_bytes() {
	# shellcheck disable=SC2154  # MiB: scripts/lib/mkimage-util.sh
	round_up $(($1 / 50 + 2 * MiB)) "$MiB"
}
