#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "systemdroot" (scripts/bench): variant (c) of the boot
# benchmark, stock systemd 252 doing what sealroot does:
#   * roothash= -> systemd-veritysetup-generator (dracut's systemd-veritysetup),
#     data/hash devices found by PARTUUID as the generator does by default;
#   * /etc/crypttab "persist ... none tpm2-device=auto" -> systemd-cryptsetup
#     with the systemd-tpm2 token (enrolled by sealroot on the provisioning boot;
#     the formats are the same);
#   * mount units generated here from the image's layout.env exactly as
#     systemd-fstab-generator makes them from x-initrd.mount fstab entries
#     (Before= and RequiredBy= initrd-fs.target): the persistent partition at
#     /sysroot/opt (with systemd-fsck, as sealroot runs e2fsck), an overlay per
#     tmpfs path (upper/work on /run, made by systemd-tmpfiles), a bind per
#     persistent path.
# Markers: ExecStartPre/Post of the veritysetup and cryptsetup services and two
# tiny oneshot units after the persistent mount and after the last layout mount.
# Environment: BENCH_LAYOUT = the image's layout.env.
# shellcheck disable=SC2154  # moddir, initdir, systemd*dir: set by dracut

check() { return 255; }

depends() {
    echo benchmark systemd-veritysetup dm crypt rootfs-block udev-rules tpm2-tss systemd
    return 0
}

installkernel() {
    hostonly='' instmods dm-verity dm-crypt overlay ext4 erofs tpm_tis tpm_crb tpm_tis_core \
        virtio_blk virtio_pci efivarfs
    hostonly='' instmods '=crypto'
}

# The unit name systemd gives the mount point $1.
bench_unit_name() {
    systemd-escape --path --suffix=mount "$1"
}

install() {
    local layout=${BENCH_LAYOUT:?BENCH_LAYOUT must name the image layout.env}
    local tmpfs_paths persist_paths pbt p u units="" dir="$initdir$systemdsystemunitdir"
    tmpfs_paths=$(bash -c '. "$1"; echo ${TMPFS_OVERLAYS_PATHS:-}' - "$layout")
    persist_paths=$(bash -c '. "$1"; echo ${PERSISTENT_BIND_PATHS:-}' - "$layout")
    pbt=$(bash -c '. "$1"; echo ${PERSISTENT_BIND_TARGET:-/opt/.mount/persistence}' - "$layout")

    inst_multiple fsck fsck.ext4 e2fsck mount umount sed cut cat
    mkdir -p "$initdir/usr/lib/tmpfiles.d" "$initdir/etc"
    inst_multiple -o /etc/mke2fs.conf /etc/e2fsck.conf
    inst_libdir_file "libtss2-tcti-device.so*"
    inst_libdir_file "cryptsetup/libcryptsetup-token-systemd-tpm2.so"

    echo "persist /dev/disk/by-partlabel/sealroot-persist none tpm2-device=auto" >"$initdir/etc/crypttab"
    mkdir -p "$dir/systemd-cryptsetup@persist.service.d"
    cat >"$dir/systemd-cryptsetup@persist.service.d/bench.conf" <<'CONF'
[Service]
ExecStartPre=/usr/lib/bench/bench-rusage --mark persist-start
ExecStartPost=/usr/lib/bench/bench-rusage --mark persist-unlocked
ExecStart=
ExecStart=/usr/lib/bench/bench-rusage systemd-cryptsetup /lib/systemd/systemd-cryptsetup attach 'persist' '/dev/disk/by-partlabel/sealroot-persist' 'none' 'tpm2-device=auto'
CONF
    inst_script "$moddir/bench-verity-generator.sh" "$systemdutildir/system-generators/bench-verity-generator"

    # The persistent partition.
    cat >"$dir/sysroot-opt.mount" <<'UNIT'
[Unit]
Description=bench: persistent partition (x-initrd.mount, fsck pass 2)
Requires=systemd-fsck@dev-mapper-persist.service
After=systemd-fsck@dev-mapper-persist.service
Before=initrd-fs.target
[Mount]
What=/dev/mapper/persist
Where=/sysroot/opt
Type=ext4
UNIT
    mkdir -p "$dir/initrd-fs.target.requires"
    ln -sf ../sysroot-opt.mount "$dir/initrd-fs.target.requires/sysroot-opt.mount"

    # tmpfs overlays: upper and work on /run (moved into the new root).
    : >"$initdir/usr/lib/tmpfiles.d/bench-overlays.conf"
    for p in $tmpfs_paths; do
        u=$(bench_unit_name "/sysroot$p")
        printf 'd /run/bench-overlay%s/upper 0755 root root -\nd /run/bench-overlay%s/work 0755 root root -\n' \
            "$p" "$p" >>"$initdir/usr/lib/tmpfiles.d/bench-overlays.conf"
        cat >"$dir/$u" <<UNIT
[Unit]
Description=bench: tmpfs overlay on $p (x-initrd.mount)
After=systemd-tmpfiles-setup.service sysroot.mount
Before=initrd-fs.target
[Mount]
What=overlay
Where=/sysroot$p
Type=overlay
Options=lowerdir=/sysroot$p,upperdir=/run/bench-overlay$p/upper,workdir=/run/bench-overlay$p/work
UNIT
        ln -sf "../$u" "$dir/initrd-fs.target.requires/$u"
        units+=" $u"
    done
    # Persistent binds (seeded by sealroot on the provisioning boot).
    for p in $persist_paths; do
        u=$(bench_unit_name "/sysroot$p")
        cat >"$dir/$u" <<UNIT
[Unit]
Description=bench: persistent bind on $p (x-initrd.mount)
RequiresMountsFor=/sysroot/opt
Before=initrd-fs.target
[Mount]
What=/sysroot$pbt$p
Where=/sysroot$p
Options=bind
UNIT
        ln -sf "../$u" "$dir/initrd-fs.target.requires/$u"
        units+=" $u"
    done

    # Markers: they wait for the mounts but hold nothing up but initrd.target.
    cat >"$dir/bench-persist-mounted.service" <<'UNIT'
[Unit]
DefaultDependencies=no
Requires=sysroot-opt.mount
After=sysroot-opt.mount
Before=initrd.target
[Service]
Type=oneshot
ExecStart=/usr/lib/bench/bench-rusage --mark persist-mounted
UNIT
    cat >"$dir/bench-layout-done.service" <<UNIT
[Unit]
DefaultDependencies=no
Requires=$units
After=$units
Before=initrd.target
[Service]
Type=oneshot
ExecStart=/usr/lib/bench/bench-rusage --mark layout-done
UNIT
    $SYSTEMCTL -q --root "$initdir" add-wants initrd.target bench-persist-mounted.service
    $SYSTEMCTL -q --root "$initdir" add-wants initrd.target bench-layout-done.service
}
