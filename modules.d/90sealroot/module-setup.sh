#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "sealroot": installs the sealroot binary and orders its steps
# (verity open, persist unlock + persist mount -- persist open in the classic
# flavour --, layout apply) in the initramfs, for both
# the systemd and the classic (shell) dracut flavours, and puts "sealroot
# lock" in front of every way to a shell (emergency/rescue units, dracut's
# emergency hooks).  Glue only: all logic is in the sealroot binary.
#
# Environment (for the boot lab, optional):
#   SEALROOT_BIN     the binary to install (default /usr/sbin/sealroot)
#   SEALROOT_LAYOUT  a default layout.env to install (default /usr/share/sealroot/layout.env)
# shellcheck disable=SC2154  # moddir, initdir, systemd*dir: set by dracut

sealroot_bin() {
    echo "${SEALROOT_BIN:-/usr/sbin/sealroot}"
}

# called by dracut
check() {
    [[ -x "$(sealroot_bin)" ]] || {
        dwarn "sealroot: $(sealroot_bin) not found (install sealroot or set SEALROOT_BIN)"
        return 1
    }
    require_binaries mkfs.ext4 e2fsck || return 1
    # Only when asked for (dracut -a sealroot / --modules).
    return 255
}

# called by dracut
depends() {
    local deps="dm rootfs-block udev-rules"
    dracut_module_included "systemd" && deps+=" systemd"
    echo "$deps"
    return 0
}

# called by dracut
installkernel() {
    hostonly='' instmods dm-verity dm-crypt overlay ext4 erofs tpm_tis tpm_crb tpm_tis_core \
        virtio_blk virtio_scsi virtio_pci efivarfs sd_mod ahci nvme
    # Crypto for LUKS2 aes-xts-plain64 + dm-verity sha256, in case they are modules.
    hostonly='' instmods '=crypto'
}

# called by dracut
install() {
    inst_binary "$(sealroot_bin)" /usr/sbin/sealroot

    # sealroot loads these with dlopen() in the stage that uses them
    # (helpers/*/dl_*.c), so ldd cannot see them; dracut installs what each of
    # them needs.  tests/host/test_initrd_has_every_dlopen_library.sh checks
    # this list against the sources and the built initramfs.
    inst_libdir_file libcryptsetup.so.12 libcrypto.so.3 libtss2-esys.so.0 libtss2-sys.so.1 \
        libtss2-mu.so.0 libtss2-rc.so.0 libtss2-tctildr.so.0
    # tpm2-tss loads its TCTI with dlopen() by name: ldd cannot see it.
    inst_libdir_file "libtss2-tcti-device.so*"
    inst_multiple mkfs.ext4 e2fsck
    inst_multiple -o /etc/mke2fs.conf
    local layout="${SEALROOT_LAYOUT:-/usr/share/sealroot/layout.env}"
    [[ -f $layout ]] && inst_simple "$layout" /usr/share/sealroot/layout.env
    [[ -d /etc/sealroot/verity-certs ]] && inst_dir /etc/sealroot/verity-certs &&
        inst_multiple -o /etc/sealroot/verity-certs/*

    # Lock before any shell: dracut sources "emergency" before it starts a
    # shell and "shutdown-emergency" when it does not (rd.shell=0), in both
    # flavours.  00 sorts before the 01-die.sh that die() writes.
    inst_multiple -o reboot
    inst_hook emergency 00 "$moddir/sealroot-lock-hook.sh"
    inst_hook shutdown-emergency 00 "$moddir/sealroot-lock-hook.sh"

    if dracut_module_included "systemd"; then
        local u
        for u in sealroot-verity.service sealroot-persist.service sealroot-layout.service; do
            inst_simple "$moddir/$u" "$systemdsystemunitdir/$u"
        done
        # dm-verity and dm-crypt loaded early, beside udev's coldplug.
        inst_simple "$moddir/sealroot-modules.conf" /usr/lib/modules-load.d/sealroot.conf
        # The units that give a shell: emergency.target's, rescue.target's,
        # the one dracut's own hooks start, and systemd.debug_shell's.
        for u in emergency.service rescue.service dracut-emergency.service debug-shell.service; do
            inst_simple "$moddir/sealroot-lock.conf" "$systemdsystemunitdir/$u.d/sealroot-lock.conf"
        done
        $SYSTEMCTL -q --root "$initdir" add-wants initrd-root-device.target sealroot-verity.service
        # The unlock is not ordered after the root: it runs beside the verity stage.
        $SYSTEMCTL -q --root "$initdir" add-wants initrd-fs.target sealroot-persist.service
        $SYSTEMCTL -q --root "$initdir" add-wants initrd.target sealroot-layout.service
    else
        inst_hook cmdline 90 "$moddir/sealroot-cmdline.sh"
        inst_script "$moddir/sealroot-verity.sh" /sbin/sealroot-verity
        inst_hook pre-pivot 50 "$moddir/sealroot-pre-pivot.sh"
    fi
}
