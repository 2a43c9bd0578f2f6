#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench/bench-report on canned serial logs and QEMU TPM traces: stage
# times from kernel-log timestamps, TPM time from the first CreatePrimary on
# (the kernel's GetRandom left out), helper time = (layout done - disk) - TPM,
# the ratios, peak RSS; the overlap of the verity stage with the persistent
# partition's unlock (split into "persist" and "persist-mount"); the floor
# variant and every variant's switch-root relative to it; kernel-log lines
# behind systemd's console escape codes; a boot that never finished is refused;
# the steps of sealroot's unlock and mount (`sealroot status` "steps=" on the
# console) on the kernel-log clock and after the disk, medians per step.
source "$(dirname "$0")/../lib.sh"
R=$TMP/runs
mkdir -p "$R"
# TPM trace: GetCapability before (firmware/kernel), then CreatePrimary 10 ms,
# GetRandom 50 ms (ignored), Unseal 5 ms.
tpm_trace() {
	cat <<'T'
100@1000.000000:tpm_util_show_buffer direction: To TPM len: 22
80 01 00 00 00 16 00 00 01 7A 00 00 00 06 00 00
100@1000.300000:tpm_util_show_buffer direction: From TPM len: 10
80 01 00 00 00 0A 00 00 00 00
100@1010.000000:tpm_util_show_buffer direction: To TPM len: 40
80 01 00 00 00 28 00 00 01 31 40 00 00 01 00 00
00 00
100@1010.010000:tpm_util_show_buffer direction: From TPM len: 10
80 01 00 00 00 0A 00 00 00 00
100@1010.020000:tpm_util_show_buffer direction: To TPM len: 12
80 01 00 00 00 0C 00 00 01 7B 00 20
100@1010.070000:tpm_util_show_buffer direction: From TPM len: 10
80 01 00 00 00 0A 00 00 00 00
100@1010.100000:tpm_util_show_buffer direction: To TPM len: 30
80 02 00 00 00 1E 00 00 01 5E 80 00 00 01 00 00
100@1010.105000:tpm_util_show_buffer direction: From TPM len: 10
80 01 00 00 00 0A 00 00 00 00
T
}
cat >"$R/sealroot-1.log" <<'L'
[    1.000000] Linux version 6.1
[   10.000000] sealroot: stage verity started
[   12.000000]  vda: vda1 vda2 vda3 vda4
[   10.100000] sealroot: stage persist started
[K[   11.000000] sealroot: stage persist ok 900.0 ms
[   12.500000] sealroot: stage verity ok 2500.0 ms
[   12.900000] sealroot: stage persist-mount started
[   13.000000] sealroot: stage persist-mount ok 100.0 ms
[   13.700000] sealroot: stage layout started
[   13.800000] sealroot: stage layout ok 100.0 ms
[   13.810000] bench: rss sealroot-persist 4000 rc=0
[   13.820000] bench: rss sealroot-layout 2000 rc=0
[   14.000000] bench: stage switch-root
SEALROOT-E2E-STATUS: STAGE      RESULT    DURATION  DETAILS
SEALROOT-E2E-STATUS: persist    ok        900.0 ms  device=/dev/vda4 pcr11_phase=not measured steps=device@40.0,classified@52.5,tpm@100.0,unsealed@300.0,keyslot@600.0,measured@650.0,activated@700.0,fsck@880.0 overlaps=verity 900.0 ms
SEALROOT-E2E-STATUS: persist-mount ok        100.0 ms  volume=sealroot-persist steps=mounted@90.0 overlaps=
SEALROOT-E2E-STATUS: layout     ok        100.0 ms  file=/sysroot/etc/sealroot/layout.env overlaps=
SEALROOT-E2E: DONE
L
cat >"$R/shell-1.log" <<'L'
[   10.000000] bench: stage verity-start
[   12.000000]  vda: vda1 vda2 vda3 vda4
[   13.000000] bench: stage verity-ready
[   13.100000] bench: stage persist-start
[   14.000000] bench: stage persist-unlocked
[   15.100000] bench: stage persist-mounted
[   15.200000] bench: stage layout-start
[   16.800000] bench: stage layout-done
[   16.810000] bench: rss shell-persist 9000 rc=0
[   17.000000] bench: stage switch-root
SEALROOT-E2E: DONE
L
cat >"$R/systemd-1.log" <<'L'
[   12.000000]  vda: vda1 vda2 vda3 vda4
[   12.400000] bench: stage verity-start
[   12.800000] bench: stage verity-ready
[   12.500000] bench: stage persist-start
[   12.700000] bench: stage persist-unlocked
[   13.500000] bench: stage persist-mounted
[   14.200000] bench: stage layout-done
[   14.300000] bench: stage switch-root
SEALROOT-E2E: DONE
L
cat >"$R/floor-1.log" <<'L'
[   12.000000]  vda: vda1 vda2 vda3 vda4
[   12.100000] bench: stage verity-start
[   12.300000] bench: stage verity-ready
[   12.500000] bench: stage switch-root
SEALROOT-E2E: DONE
L
for v in sealroot shell systemd floor; do tpm_trace >"$R/$v-1.tpm"; done
printf 'x' | gzip >"$TMP/a.img"
run_expect_rc 0 python3 "$TOP/scripts/bench/bench-report" --runs "$R" --n 1 --floor \
	--initrd "sealroot=$TMP/a.img" --out "$TMP/results.json"
j=$TMP/results.json
q() { jq -r "$1" "$j"; }
assert_eq "$(q '.variants.sealroot.tpm_ms | round')" 15 "TPM time (CreatePrimary + Unseal)"
assert_eq "$(q '.variants.sealroot.critical_ms | round')" 1800 "sealroot critical path"
assert_eq "$(q '.variants.sealroot.helper_ms | round')" 1785 "sealroot helper time"
assert_eq "$(q '.variants.shell.helper_ms | round')" 4785 "shell helper time"
assert_eq "$(q '.variants.systemd.helper_ms | round')" 2185 "systemd helper time"
assert_eq "$(q '.ratios.shell_over_sealroot * 1000 | round')" "$(((4785 * 1000 + 1785 / 2) / 1785))" "ratio shell/sealroot"
assert_eq "$(q '.ratios.systemd_over_sealroot * 1000 | round')" "$(((2185 * 1000 + 1785 / 2) / 1785))" "ratio systemd/sealroot"
# sealroot busy: verity from the disk (0.5 s) + unlock 0.9 + mount 0.1 + layout 0.1
assert_eq "$(q '.variants.sealroot.busy_ms | round')" 1600 "sealroot busy time"
assert_eq "$(q '.variants.sealroot.persist_unlocked')" 11 "sealroot unlock done"
assert_eq "$(q '.variants.sealroot.persist_mounted')" 13 "sealroot persistent partition mounted"
# verity 10.0-12.5, unlock 10.1-11.0: 0.9 s together; systemd 12.5-12.7
assert_eq "$(q '.variants.sealroot.overlap_ms | round')" 900 "sealroot overlap"
assert_eq "$(q '.variants.systemd.overlap_ms | round')" 200 "systemd overlap"
assert_eq "$(q '.variants.shell.overlap_ms | round')" 0 "shell overlap (in series)"
assert_eq "$(q '.ratios.sealroot_over_floor_switch_root * 1000 | round')" 1120 "sealroot switch-root / floor"
assert_eq "$(q '.ratios.systemd_over_floor_switch_root * 1000 | round')" 1144 "systemd switch-root / floor"
assert_eq "$(q '.variants.shell.switch_root_over_floor_ms | round')" 4500 "shell switch-root - floor"
assert_eq "$(q '.ratios.sealroot_over_systemd_switch_root * 1000 | round')" 979 "switch-root sealroot/systemd"
assert_eq "$(q '.targets.switch_root_at_most_0_75x_systemd')" false "switch-root target"
# From the disk's appearance: sealroot 2.0 s, systemd 2.3 s, floor 0.5 s (its
# verity root 0.3 s after the disk).  The bounds: the floor as sealroot.
assert_eq "$(q '.ratios.sealroot_over_systemd_switch_from_disk * 1000 | round')" 870 "switch-root from the disk sealroot/systemd"
assert_eq "$(q '.variants.floor.verity_from_disk_ms | round')" 300 "floor verity root from the disk"
assert_eq "$(q '.bounds.systemd_over_sealroot_at_most * 1000 | round')" 7283 "bound systemd/sealroot (2185/300)"
assert_eq "$(q '.bounds.shell_over_sealroot_at_most * 1000 | round')" 15950 "bound shell/sealroot (4785/300)"
assert_eq "$(q '.bounds.sealroot_over_systemd_switch_from_disk_at_least * 1000 | round')" 217 "bound switch-root from the disk (500/2300)"
assert_eq "$(q '.bounds.sealroot_over_systemd_switch_root_at_least * 1000 | round')" 874 "bound switch-root (floor 12.5 s / systemd 14.3 s)"
assert_eq "$(q '.bounds.verity_basis')" floor "bound from the floor's verity (0.3 s, sealroot's 0.5 s)"
assert_eq "$(q '.ratios | has("shell_over_sealroot") and has("systemd_over_sealroot") and has("shell_over_sealroot_busy")')" true "the ratios keys kept"
assert_eq "$(q '.variants.sealroot.max_peak_rss_kib')" 4000 "peak RSS"
assert_eq "$(q '.variants.sealroot.tpm_commands.GetRandom // "none"')" none "GetRandom not counted"
assert_eq "$(q '.initrd.sealroot.uncompressed_bytes')" 1 "uncompressed initrd size"
assert_eq "$(q '.targets.peak_rss_under_8MiB')" true "RSS target"
assert_grep 'shell/sealroot 2.68' "$TMP/out"
# The unlock began at 10.1 s, the mount step at 12.9 s, the disk appeared at 12.0 s.
assert_eq "$(q '.variants.sealroot.persist_steps | keys | join(" ")')" \
	"activated classified device fsck keyslot measured mount.mounted tpm unsealed" "sealroot steps"
# The table lists them in the order they happened.
assert_eq "$(awk '/unlock steps/ {on = 1; next} on && NF == 3 {printf "%s ", $1} on && NF != 3 {on = 0}' "$TMP/out")" \
	"device classified tpm unsealed keyslot measured activated fsck mount.mounted " "sealroot steps, in order"
assert_eq "$(q '.variants.sealroot.persist_steps.tpm * 1000 | round')" 10200 "tpm connected (kernel-log ms)"
assert_eq "$(q '.variants.sealroot.persist_steps.classified * 10000 | round')" 101525 "classified (kernel-log 0.1 ms)"
assert_eq "$(q '.variants.sealroot.persist_steps_from_disk_ms.keyslot | round')" -1300 "keyslot after the disk"
assert_eq "$(q '.variants.sealroot.persist_steps_from_disk_ms["mount.mounted"] | round')" 990 "mounted after the disk"
assert_eq "$(q '.variants.shell.persist_steps')" "{}" "no steps for the shell variant"
assert_grep '^ +unsealed +10\.400 +-1600$' "$TMP/out"

# A floor slower to its verity root than sealroot (0.8 s vs 0.5 s): the bound
# uses sealroot's own.
sed -i 's/^\[   12.300000\] bench: stage verity-ready/[   12.800000] bench: stage verity-ready/' "$R/floor-1.log"
run_expect_rc 0 python3 "$TOP/scripts/bench/bench-report" --runs "$R" --n 1 --floor --out "$j"
assert_eq "$(q '.bounds.verity_basis')" sealroot "bound from sealroot's own verity"
assert_eq "$(q '.bounds.systemd_over_sealroot_at_most * 1000 | round')" 4370 "bound systemd/sealroot (2185/500)"

# Two boots: the median per step, over the boots that reached it; a step done
# twice counts at its last time; a boot without steps (an older sealroot) is
# still a boot.
R2=$TMP/runs2
mkdir -p "$R2"
for i in 1 2 3 4; do
	sed '/SEALROOT-E2E-STATUS/d' "$R/sealroot-1.log" >"$R2/sealroot-$i.log"
done
sed -i 's/^SEALROOT-E2E: DONE/SEALROOT-E2E-STATUS: persist    ok        900.0 ms  steps=device@1950.0,tpm@2000.0,unsealed@2100.0,unsealed@2300.0 overlaps=\n&/' "$R2/sealroot-1.log"
sed -i 's/^SEALROOT-E2E: DONE/SEALROOT-E2E-STATUS: persist    ok        900.0 ms  steps=device@2100.0,tpm@2200.0,unsealed@2500.0 overlaps=\n&/' "$R2/sealroot-2.log"
sed -i 's/^SEALROOT-E2E: DONE/SEALROOT-E2E-STATUS: persist    ok        900.0 ms  steps=device@5000.0 overlaps=\n&/' "$R2/sealroot-3.log"
run_expect_rc 0 python3 "$TOP/scripts/bench/bench-report" --runs "$R2" --n 4 --variants sealroot --out "$j"
# device 50, 200 and 3100 ms after the disk (12.0 s): the median, not the mean.
assert_eq "$(q '.variants.sealroot.persist_steps_from_disk_ms.device | round')" 200 "median device after the disk"
# unsealed (boots 1 and 2 only): 400 ms (the retry; 200 ms the first try) and 600 ms.
assert_eq "$(q '.variants.sealroot.persist_steps_from_disk_ms.unsealed | round')" 500 "median unsealed (the retry's time)"
assert_eq "$(q '.boots.sealroot[3].persist_steps')" "{}" "a boot without steps"

# A boot that did not reach the test init is an error, not a number.
sed -i '/SEALROOT-E2E: DONE/d' "$R/shell-1.log"
run_expect_rc 1 python3 "$TOP/scripts/bench/bench-report" --runs "$R" --n 1 --out "$TMP/r2.json"
assert_grep 'shell-1.log: no .*boot did not finish' "$TMP/out"
