#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/emt-model.sh ROOT LAYOUT — a model of what EMT's
# 91persistent-mount dracut hook does at every boot, written for the
# comparison tests (test_layout_emt_model_*.sh) from reading its behaviour:
# our own code, not EMT's.  ROOT is the root being set up (read-only image),
# with the persistent store already mounted at PERSISTENT_BIND_TARGET below it.
#
# What the model does, in EMT's order:
#  1. LAYOUT is sourced as bash (EMT sources it); unset targets default to
#     /opt/.mount/persistent and /opt/.mount/tmpfs, an unset
#     TMPFS_OVERLAYS_PATHS to /var.
#  2. A tmpfs (OVERLAY=tmpfs:SIZE) on TMPFS_OVERLAY_TARGET.
#  3. Each overlay in list order, when the path is a directory and not yet a
#     mount point: upper and work directories in the tmpfs under the path's
#     flattened name ("/" -> "-", ".overlay"); the upper directory gets the
#     image directory's owner, mode and POSIX ACLs (not its other xattrs);
#     then overlayfs.  Otherwise nothing, with a message.
#  4. Each bind in list order, when the path is not a mount point: a regular
#     file is copied into STORE/<flat>.bind/ and that copy is bound; a
#     directory's content into STORE/<flat>.bind/, which is bound.  The copy
#     is `rsync -aHX --ignore-existing`, AT EVERY BOOT: what the store lacks
#     is copied from the image (so files the user deleted come back), what it
#     has is never overwritten (so image updates of existing files never
#     arrive), directories get the image's owner, mode and times back, and
#     POSIX ACLs are not copied (no -A).  Any other path: nothing, a message.
# Exit status: that of the last failing command (set -e), 0 otherwise.
set -euo pipefail
root=$1 layout=$2

# shellcheck disable=SC1090 # the layout under test; EMT sources it too
. "$layout"
store=${PERSISTENT_BIND_TARGET:-/opt/.mount/persistent}
base=${TMPFS_OVERLAY_TARGET:-/opt/.mount/tmpfs}
size=${OVERLAY:-tmpfs:25%}
overlays=${TMPFS_OVERLAYS_PATHS-/var}
binds=${PERSISTENT_BIND_PATHS:-}

flat() { local p=${1#/}; echo "${p//\//-}"; }

mkdir -p "$root$base"
mount -t tmpfs -o "size=${size#tmpfs:}" tmpfs "$root$base"

for p in $overlays; do
	m=$root$p
	if mountpoint -q "$m"; then continue; fi
	if [ ! -d "$m" ]; then
		echo "emt-model: overlay $p: not a directory in the image, nothing mounted"
		continue
	fi
	d=$root$base/$(flat "$p").overlay
	up=$d/$(basename "$p")
	mkdir -p "$up" "$d/work"
	chown --reference="$m" "$up"
	chmod --reference="$m" "$up"
	getfacl -p "$m" | sed "1s|^# file: .*|# file: $up|" | setfacl --restore=-
	mount -t overlay overlay -o "lowerdir=$m,upperdir=$up,workdir=$d/work" "$m"
done

for p in $binds; do
	m=$root$p
	if mountpoint -q "$m"; then continue; fi
	copy=$root$store/$(flat "$p").bind
	if [ -f "$m" ]; then
		mkdir -p "$copy"
		rsync -aqHX --ignore-existing "$m" "$copy/"
		mount --bind "$copy/$(basename "$p")" "$m"
	elif [ -d "$m" ]; then
		mkdir -p "$copy"
		rsync -aqHX --ignore-existing "$m/" "$copy/"
		mount --bind "$copy" "$m"
	else
		echo "emt-model: bind $p: not in the image, nothing mounted"
	fi
done
