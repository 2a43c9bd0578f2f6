# shellcheck shell=sh disable=SC2034  # AB_* are read by the scripts that source it
# SPDX-License-Identifier: GPL-2.0-or-later
# /usr/lib/sealroot-ab/lib-ab-guest.sh — boot assessment helpers of the A/B test
# rootfs (sourced by ab-init; busybox sh).

LOADER_GUID=4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
EFIVARS=/sys/firmware/efi/efivars
ESP_MNT=/run/sealroot-ab/esp

mark() { echo "SEALROOT-E2E: ab_$1=$2"; }

# efivar NAME — a systemd-boot UTF-16 string variable as ASCII (empty if unset).
efivar() {
	f=$EFIVARS/$1-$LOADER_GUID
	[ -r "$f" ] || return 0
	tail -c +5 "$f" | tr -d '\000'
}

# The ESP: the partition named "esp" (no udev here: read sysfs).
find_esp() {
	for u in /sys/class/block/*/uevent; do
		if grep -qx 'PARTNAME=esp' "$u"; then
			sed -n 's/^DEVNAME=//p' "$u"
			return 0
		fi
	done
	return 1
}

ab_setup() {
	for m in efivarfs fat vfat nls_cp437 nls_ascii nls_utf8; do
		[ -f "$AB/modules/$m.ko" ] && insmod "$AB/modules/$m.ko" 2>/dev/null
	done
	[ -d $EFIVARS ] && ! mounted $EFIVARS && mount -t efivarfs efivarfs $EFIVARS
	AB_VERSION=$(cat /etc/sealroot-ab/version 2>/dev/null)
	AB_ENTRY=$(efivar LoaderEntrySelected)
	# shellcheck disable=SC1003  # one backslash, the EFI path separator
	AB_COUNT_PATH=$(efivar LoaderBootCountPath | tr '\\' /)
	AB_SLOT=$(echo "$AB_ENTRY" | sed -nE 's/^sealroot-.+-([ab])(\+[0-9]+(-[0-9]+)?)?\.efi$/\1/p')
	AB_ESP_DEV=""
	if dev=$(find_esp); then
		mkdir -p $ESP_MNT
		if mount -t vfat -o rw,flush /dev/"$dev" $ESP_MNT; then
			AB_ESP_DEV=/dev/$dev
		fi
	fi
}

ab_teardown() {
	mounted $ESP_MNT && umount $ESP_MNT
	sync
}

ab_entries() {
	[ -n "$AB_ESP_DEV" ] && ls -1 $ESP_MNT/EFI/Linux 2>/dev/null
}

# ab_bless — drop the boot counter from the entry systemd-boot started
# (what systemd-bless-boot does).  Sets AB_BLESSED or AB_BLESS_ERROR.
ab_bless() {
	AB_BLESSED="" AB_BLESS_ERROR=""
	if [ -z "$AB_COUNT_PATH" ]; then
		AB_BLESSED="already (no boot counter)"
		return 0
	fi
	[ -n "$AB_ESP_DEV" ] || { AB_BLESS_ERROR="ESP not mounted"; return 1; }
	src=$ESP_MNT$AB_COUNT_PATH
	dir=${src%/*}
	name=${src##*/}
	good=$(echo "$name" | sed -E 's/\+[0-9]+(-[0-9]+)?\.efi$/.efi/')
	[ -f "$src" ] || { AB_BLESS_ERROR="$AB_COUNT_PATH not on the ESP"; return 1; }
	mv "$src" "$dir/$good" || { AB_BLESS_ERROR="rename to $good failed"; return 1; }
	sync
	AB_BLESSED=$good
}
