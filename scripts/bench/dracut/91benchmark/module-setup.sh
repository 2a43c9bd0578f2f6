#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "benchmark" (scripts/bench): what every boot-benchmark variant
# shares -- /usr/lib/bench/bench-rusage (kernel-log markers, peak RSS of a
# helper) and the "bench: stage switch-root" marker just before the initrd
# switches root.  Environment: BENCH_RUSAGE = the compiled scripts/bench/rusage.c.
# shellcheck disable=SC2154  # moddir, initdir, systemd*dir: set by dracut

check() {
    [[ -x ${BENCH_RUSAGE:-} ]] || { dwarn "benchmark: BENCH_RUSAGE not set"; return 1; }
    return 255
}

depends() {
    echo systemd
    return 0
}

install() {
    inst_binary "$BENCH_RUSAGE" /usr/lib/bench/bench-rusage
    mkdir -p "$initdir$systemdsystemunitdir/initrd-switch-root.service.d"
    cat >"$initdir$systemdsystemunitdir/initrd-switch-root.service.d/bench.conf" <<'CONF'
[Service]
ExecStartPre=/usr/lib/bench/bench-rusage --mark switch-root
CONF
}
