#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark variant (b), step 1: the verity root with the veritysetup CLI.
# Devices as systemd-veritysetup-generator finds them: PARTUUID = the first
# and the last 128 bits of roothash= (scripts/mkimage lays them out so).
set -eu
echo "<5>bench: stage verity-start" >/dev/kmsg
rh=""
for w in $(cat /proc/cmdline); do
	case $w in roothash=*) rh=${w#roothash=} ;; esac
done
[ ${#rh} = 64 ] || { echo "shellroot-verity: no roothash= on the command line" >&2; exit 1; }
uuid() { echo "${1:0:8}-${1:8:4}-${1:12:4}-${1:16:4}-${1:20:12}"; }
data=/dev/disk/by-partuuid/$(uuid "${rh:0:32}")
hash=/dev/disk/by-partuuid/$(uuid "${rh:32:32}")
n=0
while [ ! -b "$data" ] || [ ! -b "$hash" ]; do
	n=$((n + 1))
	[ $n -lt 600 ] || { echo "shellroot-verity: $data / $hash did not appear" >&2; exit 1; }
	sleep 0.05
done
echo "<5>bench: stage verity-devices" >/dev/kmsg
veritysetup open "$data" root "$hash" "$rh" --restart-on-corruption
echo "<5>bench: stage verity-ready" >/dev/kmsg
