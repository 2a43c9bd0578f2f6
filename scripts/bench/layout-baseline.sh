#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# layout-baseline.sh ROOT LAYOUT — the shell baseline of scripts/bench/bench-layout:
# the same work as 'sealroot layout apply --root ROOT LAYOUT', done the way an
# initramfs bash script would (source the file, mkdir/mount/cp -a per path).
# No symlink checks, no idempotence: it is the speed reference, not a tool.
set -eu
ROOT=$1
# shellcheck disable=SC1090
. "$2"
TOT=${TMPFS_OVERLAY_TARGET:-/opt/.mount/tmpfs}
PBT=${PERSISTENT_BIND_TARGET:-/opt/.mount/persistence}
SIZE=${OVERLAY:-tmpfs:25%}
SIZE=${SIZE#tmpfs:}

if [ -n "${TMPFS_OVERLAYS_PATHS:-}" ]; then
	mkdir -p "$ROOT$TOT"
	mount -t tmpfs -o "size=$SIZE,mode=0755,nosuid,nodev" tmpfs "$ROOT$TOT"
fi
{
	for p in ${TMPFS_OVERLAYS_PATHS:-}; do echo "$p o"; done
	for p in ${PERSISTENT_BIND_PATHS:-}; do echo "$p b"; done
} | sort | while read -r p k; do
	if [ "$k" = o ]; then
		mkdir -p "$ROOT$TOT$p/upper" "$ROOT$TOT$p/work"
		chown --reference="$ROOT$p" "$ROOT$TOT$p/upper"
		chmod --reference="$ROOT$p" "$ROOT$TOT$p/upper"
		mount -t overlay overlay \
			-o "lowerdir=$ROOT$p,upperdir=$ROOT$TOT$p/upper,workdir=$ROOT$TOT$p/work" "$ROOT$p"
	else
		src=$ROOT$PBT$p
		if [ ! -e "$src" ]; then
			mkdir -p "$(dirname "$src")"
			if [ -e "$ROOT$p" ]; then cp -a "$ROOT$p" "$src"; else mkdir "$src"; fi
		fi
		[ -e "$ROOT$p" ] || mkdir -p "$ROOT$p"
		mount --bind "$src" "$ROOT$p"
	fi
done
