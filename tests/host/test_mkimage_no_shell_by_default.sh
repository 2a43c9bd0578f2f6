#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An image gets no initramfs shell unless its builder opts out on purpose:
# the default command line (UKI .cmdline, cmdline.txt, manifest) has
# "rd.shell=0 rd.emergency=reboot" and manifest.json says emergency_shell
# false; --cmdline words that would bring a shell back are refused;
# --emergency-shell leaves the two words out, allows them, and is recorded.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

# uki_cmdline OUT: the .cmdline section of OUT/uki.efi.
uki_cmdline() {
	objcopy --dump-section .cmdline="$TMP/cmdline.sect" "$1/uki.efi" "$TMP/uki.copy" ||
		fail "cannot extract .cmdline from $1/uki.efi"
	cat "$TMP/cmdline.sect"
}

mkimage_fixture
mkimage_build "$TMP/default" --raw-only --no-sign --cmdline "quiet"
c=$(uki_cmdline "$TMP/default")
[[ " $c " == *" rd.shell=0 rd.emergency=reboot "* ]] || fail "default .cmdline lacks 'rd.shell=0 rd.emergency=reboot': $c"
assert_eq "$c" "$(cat "$TMP/default/cmdline.txt")" "cmdline.txt vs .cmdline"
assert_eq "$(jq -r .cmdline "$TMP/default/manifest.json")" "$c" "manifest cmdline"
assert_eq "$(jq -r .emergency_shell "$TMP/default/manifest.json")" false "manifest emergency_shell (default)"

for w in rd.shell rd.shell=1 rd.break rd.break=pre-mount systemd.debug_shell rd.systemd.debug_shell=1 \
	emergency rescue single rd.systemd.unit=emergency.target systemd.unit=rescue.target; do
	run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/refused" \
		--raw-only --no-sign --cmdline "quiet $w"
	assert_grep "word '$w' would give an unauthenticated shell.*--emergency-shell" "$TMP/out"
done
assert_no_file "$TMP/refused/image.raw"
# Saying the default again, or another no-shell action, is fine.
mkimage_build "$TMP/again" --raw-only --no-sign --cmdline "rd.shell=0 rd.emergency=poweroff"

mkimage_build "$TMP/shell" --raw-only --no-sign --emergency-shell --cmdline "quiet rd.break=pre-mount"
c=$(uki_cmdline "$TMP/shell")
[[ " $c " != *" rd.shell=0 "* && " $c " != *" rd.emergency="* ]] ||
	fail "--emergency-shell .cmdline still has the no-shell words: $c"
[[ " $c " == *" quiet rd.break=pre-mount " ]] || fail "--emergency-shell .cmdline lost --cmdline: $c"
assert_eq "$(jq -r .emergency_shell "$TMP/shell/manifest.json")" true "manifest emergency_shell (--emergency-shell)"
# The choice is part of the cache key: the same inputs without it rebuild.
mkimage_build "$TMP/shell" --raw-only --no-sign --cmdline "quiet"
assert_eq "$(jq -r .emergency_shell "$TMP/shell/manifest.json")" false "manifest after rebuilding without --emergency-shell"
echo "ok: no shell by default, shell words refused, --emergency-shell opts out and is recorded"
