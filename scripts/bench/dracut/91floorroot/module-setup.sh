#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "floorroot" (scripts/bench): the floor of the boot benchmark,
# the least an initramfs can do to reach the same verified root -- one
# device-mapper table load of the precomputed dm-verity table (no userspace
# verity: no superblock read, no root hash signature, no FEC), no persistent
# partition, no layout.  Marked like the other variants (verity-start/-ready).
#
# The issue asks for the kernel's own dm-mod.create= here; Debian's kernel has
# CONFIG_DM_INIT unset and dm-mod/dm-verity as modules, so it cannot create a
# mapping before userspace runs.  One dmsetup call from the first unit that can
# run after the partitions exist is the nearest this kernel allows.
#
# Environment: BENCH_FLOOR_TABLE = "DATA HASH TABLE": the data and hash
# partitions (e.g. vda2 vda3) and the dm table line, from the image manifest.
# shellcheck disable=SC2154  # moddir, initdir, systemd*dir: set by dracut

check() {
    [[ -n ${BENCH_FLOOR_TABLE:-} ]] || { dwarn "floorroot: BENCH_FLOOR_TABLE not set"; return 1; }
    return 255
}

depends() {
    echo benchmark dm rootfs-block udev-rules systemd
    return 0
}

installkernel() {
    hostonly='' instmods dm-verity erofs virtio_blk virtio_pci
    hostonly='' instmods '=crypto'
}

install() {
    local data hash table
    read -r data hash table <<<"$BENCH_FLOOR_TABLE"
    inst_multiple dmsetup modprobe
    cat >"$initdir$systemdsystemunitdir/bench-floor-verity.service" <<UNIT
[Unit]
Description=bench floor: the dm-verity root from one precomputed table
DefaultDependencies=no
Requires=dev-$data.device dev-$hash.device
After=dev-$data.device dev-$hash.device systemd-modules-load.service
Before=initrd-root-device.target sysroot.mount shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStartPre=/usr/lib/bench/bench-rusage --mark verity-start
ExecStartPre=modprobe -a dm_mod dm_verity
ExecStart=dmsetup create root --readonly --table "$table"
ExecStartPost=/usr/lib/bench/bench-rusage --mark verity-ready
UNIT
    # dm-verity and the root's filesystem loaded at sysinit, beside udev's
    # coldplug, as sealroot's own modules-load.d does: the floor must not pay
    # a module load after the disk that the variant it bounds does not pay.
    mkdir -p "$initdir/usr/lib/modules-load.d"
    printf '%s\n' dm_verity erofs >"$initdir/usr/lib/modules-load.d/bench-floor.conf"
    $SYSTEMCTL -q --root "$initdir" add-wants initrd-root-device.target bench-floor-verity.service
}
