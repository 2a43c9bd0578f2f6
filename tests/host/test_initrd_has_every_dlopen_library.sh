#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The initramfs built with the dracut module holds every library sealroot
# loads with dlopen() (helpers/*/dl_*.c: ldd cannot see them), and each of
# them can be loaded there: the dynamic loader of the unpacked initramfs,
# run in a chroot of it, resolves every dependency of each library.  A
# library missing from modules.d/90sealroot/module-setup.sh fails here, not
# at boot.  Also checks the binary links none of them (they are dlopen()ed)
# and names each one (the soname it passes to dlopen()).
source "$(dirname "$0")/../lib.sh"

kver=$(ls /boot/vmlinuz-* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -1)
[ -n "$kver" ] || fail "no kernel in /boot"

# The sonames the sources pass to dlopen_lib_load().
mapfile -t sonames < <(grep -rhoE 'dlopen_lib_load\("[^"]+"' "$TOP/helpers" |
	sed 's/.*("//; s/"$//' | sort -u)
[ "${#sonames[@]}" -ge 7 ] ||
	fail "found ${#sonames[@]} dlopen()ed libraries in helpers/ (${sonames[*]}), expected libcryptsetup, libcrypto and five tpm2-tss ones"

needed=$(readelf -d "$SEALROOT" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for so in "${sonames[@]}"; do
	grep -qxF "$so" <<<"$needed" && fail "$SEALROOT links $so, which it should load with dlopen()"
	grep -qaF "$so" "$SEALROOT" || fail "$SEALROOT does not name $so (built from other sources?)"
done

# The classic flavour: in the systemd one, systemd's own dracut modules
# install tpm2-tss and libcryptsetup too and would hide a gap in ours (the
# list is the same install() code for both flavours).
flavour=classic
img=$TMP/initrd.img
root=$TMP/root
"$TOP/scripts/mkinitrd" --quiet --flavour "$flavour" --compress cat --kver "$kver" --sealroot "$SEALROOT" "$img" \
	>"$TMP/mkinitrd.log" 2>&1 || { cat "$TMP/mkinitrd.log" >&2; fail "mkinitrd failed"; }
mkdir -p "$root"
(cd "$root" && cpio -id --quiet <"$img") || fail "cannot unpack $img"
ldso=$(cd "$root" && find lib64 usr/lib64 -maxdepth 1 -name 'ld-linux-*.so.*' 2>/dev/null | head -1)
[ -n "$ldso" ] || fail "no dynamic loader in the initramfs"

for so in "${sonames[@]}"; do
	path=$(cd "$root" && find lib usr/lib lib64 usr/lib64 -name "$so" 2>/dev/null | head -1)
	[ -n "$path" ] || fail "the initramfs has no $so (sealroot loads it with dlopen(); install it in modules.d/90sealroot/module-setup.sh)"
	chroot "$root" "/$ldso" --list "/$path" >"$TMP/deps" 2>&1 ||
		{ cat "$TMP/deps" >&2; fail "$so cannot be loaded in the initramfs: a library it needs is missing"; }
	note "$so: /$path, $(grep -c '=>' "$TMP/deps") dependencies, all present"
done
