#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark variant (c): wrap the unit systemd-veritysetup-generator makes for
# roothash= in bench-rusage (same command line: data and hash devices by the
# PARTUUIDs the generator derives from the root hash) and mark its start/end.
rh="" opts=""
for w in $(cat /proc/cmdline); do
	case $w in
	roothash=*) rh=${w#roothash=} ;;
	systemd.verity_root_options=*) opts=${w#systemd.verity_root_options=} ;;
	esac
done
[ ${#rh} = 64 ] || exit 0
u() { echo "$1" | sed 's/^\(.\{8\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)\(.\{12\}\)$/\1-\2-\3-\4-\5/'; }
data=/dev/disk/by-partuuid/$(u "$(echo "$rh" | cut -c1-32)")
hash=/dev/disk/by-partuuid/$(u "$(echo "$rh" | cut -c33-64)")
d=$1/systemd-veritysetup@root.service.d
mkdir -p "$d"
cat >"$d/bench.conf" <<CONF
[Service]
ExecStartPre=/usr/lib/bench/bench-rusage --mark verity-start
ExecStart=
ExecStart=/usr/lib/bench/bench-rusage systemd-veritysetup /lib/systemd/systemd-veritysetup attach 'root' '$data' '$hash' '$rh' '$opts'
ExecStartPost=/usr/lib/bench/bench-rusage --mark verity-ready
CONF
