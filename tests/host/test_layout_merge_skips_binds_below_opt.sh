#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Below /opt the image does not count (the persistent partition is mounted
# there at boot and hides it): a bind there is never merged, whatever the
# image (read through a clone of the root's mount, which would show it)
# ships at that path, and nothing of it is recorded in the manifest.  A bind
# elsewhere in the same layout is merged as usual.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
mkdir -p "$S/image/opt/data" "$S/image/etc/app"
echo "image v1" >"$S/image/opt/data/f"
echo "app v1" >"$S/image/etc/app/a"
# The persistent partition on /opt, as `persist open` mounts it: it has
# /opt/data (the device's) and the persistent tree.
mkdir -p "$S/part/.mount/persistence" "$S/part/data"
echo "the device's" >"$S/part/data/f"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="/opt/data /etc/app"
L
export LAYOUT=$TMP/layout.env
M=$S/part/.mount/persistence/.sealroot-manifest
boot_on_partition() {
	boot '
		umount "$R$PBT"
		mount --bind "$S/part" "$R/opt"
		'"$1"
}
boot_on_partition 'apply'
assert_file "$M"
assert_no_grep '/opt/data' "$M"
assert_grep '^E tree:[0-9a-f]{64} /etc/app$' "$M"
echo "image v2" >"$S/image/opt/data/f"
echo "new" >"$S/image/opt/data/new"
echo "app v2" >"$S/image/etc/app/a"
boot_on_partition 'apply'
assert_no_grep '/opt/data' "$M"
assert_no_grep '/opt/data' "$S/out"
assert_eq "$(cat "$S/part/.mount/persistence/opt/data/f")" "the device's" "the bind below /opt keeps its copy"
assert_no_file "$S/part/.mount/persistence/opt/data/new"
assert_eq "$(cat "$S/part/.mount/persistence/etc/app/a")" "app v2" "the other bind is merged"
echo PASS
