#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "shellroot" (scripts/bench): variant (b) of the boot benchmark,
# a faithful shell rendering of the tool flow sealroot replaces, run at the same
# three points as sealroot's units:
#   shellroot-verity.service   veritysetup open (root hash from the command line)
#   shellroot-persist.service  systemd-tpm2 token -> tpm2-tools unseal (PCR policy)
#                              -> cryptsetup open --key-file - -> e2fsck -p -> mount
#   shellroot-layout.service   source layout.env; mkdir/mount/cp -a per path
#                              (scripts/bench/layout-baseline.sh)
# Environment: BENCH_LAYOUT_SCRIPT = scripts/bench/layout-baseline.sh.
# shellcheck disable=SC2154  # moddir, initdir, systemd*dir: set by dracut

check() { return 255; }

depends() {
    echo benchmark dm crypt rootfs-block udev-rules tpm2-tss systemd
    return 0
}

installkernel() {
    hostonly='' instmods dm-verity dm-crypt overlay ext4 erofs tpm_tis tpm_crb tpm_tis_core \
        virtio_blk virtio_pci efivarfs
    hostonly='' instmods '=crypto'
}

install() {
    inst_multiple bash veritysetup cryptsetup jq base64 od head tail e2fsck mkdir mount cp sort \
        chown chmod dirname sleep sed tr cut cat rm mktemp tpm2 tpm2_createprimary tpm2_load tpm2_unseal \
        tpm2_flushcontext
    inst_libdir_file "libtss2-tcti-device.so*"
    inst_multiple -o /etc/mke2fs.conf
    inst_script "${BENCH_LAYOUT_SCRIPT:?}" /usr/lib/bench/layout-baseline.sh
    local s
    for s in verity persist layout; do
        inst_script "$moddir/shellroot-$s.sh" "/usr/lib/bench/shellroot-$s"
        inst_simple "$moddir/shellroot-$s.service" "$systemdsystemunitdir/shellroot-$s.service"
    done
    $SYSTEMCTL -q --root "$initdir" add-wants initrd-root-device.target shellroot-verity.service
    $SYSTEMCTL -q --root "$initdir" add-wants initrd-fs.target shellroot-persist.service
    $SYSTEMCTL -q --root "$initdir" add-wants initrd.target shellroot-layout.service
}
