#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "benchsealroot" (scripts/bench): variant (a) of the boot
# benchmark -- modules.d/90sealroot as it is, each of its four steps run under
# bench-rusage (peak RSS in the kernel log).  Stage times come from sealroot's
# own "sealroot: stage X started/ok" kernel-log lines.
# shellcheck disable=SC2154  # moddir, initdir, systemd*dir: set by dracut

check() { return 255; }

depends() {
    echo sealroot benchmark
    return 0
}

install() {
    local u cmd
    for u in verity persist persist-mount layout; do
        case $u in
        verity) cmd="verity open" ;;
        persist) cmd="persist unlock" ;;
        persist-mount) cmd="persist mount" ;;
        layout) cmd="layout apply --root /sysroot /sysroot/etc/sealroot/layout.env" ;;
        esac
        mkdir -p "$initdir$systemdsystemunitdir/sealroot-$u.service.d"
        printf '[Service]\nExecStart=\nExecStart=/usr/lib/bench/bench-rusage sealroot-%s /usr/sbin/sealroot --kmsg %s\n' \
            "$u" "$cmd" >"$initdir$systemdsystemunitdir/sealroot-$u.service.d/bench.conf"
    done
}
