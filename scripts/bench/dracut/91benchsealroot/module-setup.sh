#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "benchsealroot" (scripts/bench): variant (a) of the boot
# benchmark -- modules.d/90sealroot as it is, each of its three commands run under
# bench-rusage (peak RSS in the kernel log).  Stage times come from sealroot's
# own "sealroot: stage X started/ok" kernel-log lines.
# shellcheck disable=SC2154  # moddir, initdir, systemd*dir: set by dracut

check() { return 255; }

depends() {
    echo sealroot benchmark
    return 0
}

install() {
    # Each unit's command under bench-rusage (sealroot-layout.service's
    # mounts the persistent partition, then applies the layout).
    local bench=/usr/lib/bench/bench-rusage
    dropin() { # UNIT LINES
        mkdir -p "$initdir$systemdsystemunitdir/$1.d"
        printf '[Service]\nExecStart=\n%s\n' "$2" >"$initdir$systemdsystemunitdir/$1.d/bench.conf"
    }
    dropin sealroot-verity.service "ExecStart=$bench sealroot-verity /usr/sbin/sealroot --kmsg verity open"
    dropin sealroot-persist.service "ExecStart=$bench sealroot-persist /usr/sbin/sealroot --kmsg persist unlock"
    dropin sealroot-layout.service "ExecStart=$bench sealroot-layout /usr/sbin/sealroot --kmsg layout apply --mount-persist --root /sysroot /sysroot/etc/sealroot/layout.env"
}
