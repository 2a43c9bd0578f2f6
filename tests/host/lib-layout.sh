# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-layout.sh — shared by tests/host/test_layout_apply_*.sh.
# Source it FIRST (before tests/lib.sh): it re-runs the test in a private
# mount namespace, then sources tests/lib.sh.
#
#   scratch_init [ext4]   $S = a scratch tree on tmpfs (or a loop ext4):
#                         $S/image (the read-only root's content), $S/persist
#                         (the persistent partition, kept between boots), $S/root
#   image_default         fill $S/image with the directories of layout/layout.env
#   boot 'COMMANDS'       one "boot": a NEW mount namespace where $S/image is
#                         bind-mounted read-only on $R=$S/root and $S/persist on
#                         $R/opt/.mount/persistence; then COMMANDS run (bash -eu)
#                         with $S, $R, $SEALROOT, $LAYOUT exported.  The tmpfs of
#                         a boot is gone with its namespace.
#   apply [rc]            inside boot: sealroot layout apply --root $R $LAYOUT,
#                         expecting exit status rc (default 0); output in $S/out
if [ -z "${SEALROOT_IN_NS:-}" ]; then
	SEALROOT_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# The report goes to the test's directory, never the host's /run/sealroot.
export SEALROOT_REPORT=$TMP/report.json
LAYOUT=${LAYOUT:-$TOP/layout/layout.env}
PBT=/opt/.mount/persistence
TOT=/opt/.mount/tmpfs

scratch_init() {
	S=$TMP/s
	mkdir -p "$S"
	if [ "${1:-}" = ext4 ]; then
		truncate -s 64M "$TMP/disk.img"
		mkfs.ext4 -q -F "$TMP/disk.img"
		mount -o loop,acl,user_xattr "$TMP/disk.img" "$S"
	else
		mount -t tmpfs -o size=256M tmpfs "$S"
	fi
	cleanup_add "umount -l $S"
	mkdir -p "$S/image$PBT" "$S/image$TOT" "$S/image/var" "$S/persist" "$S/root"
	R=$S/root
	export S R SEALROOT LAYOUT PBT TOT
}

image_default() {
	local p
	for p in /var/log /var/lib /var/cache /etc/lp /etc/node-agent /etc/cluster-agent \
		/etc/fluent-bit /etc/health-check /etc/telegraf /etc/caddy /etc/otelcol \
		/etc/pki /etc/ssh /etc/systemd /etc/udev /etc/cloud /etc/sysconfig /etc/rancher \
		/etc/netplan /etc/cni /etc/kubernetes /etc/lvm/archive /etc/lvm/backup \
		/etc/intel_edge_node; do
		mkdir -p "$S/image$p"
	done
	echo "image" >"$S/image/etc/machine-id"
	echo "# fstab" >"$S/image/etc/fstab"
	echo "PATH=/usr/bin" >"$S/image/etc/environment"
	echo "127.0.0.1 localhost" >"$S/image/etc/hosts"
	echo "Port 22" >"$S/image/etc/ssh/sshd_config"
	echo "[Unit]" >"$S/image/etc/systemd/system.conf"
	echo "log" >"$S/image/var/log/boot.log"
}

boot() {
	unshare -m --propagation private bash -euc '
		mount --bind "$S/image" "$R"
		mount -o remount,bind,ro "$R"
		mount --bind "$S/persist" "$R$PBT"
		apply() {
			local want=${1:-0} rc=0
			"$SEALROOT" layout apply --root "$R" "$LAYOUT" >"$S/out" 2>&1 || rc=$?
			if [ "$rc" != "$want" ]; then
				cat "$S/out" >&2
				echo "FAIL: layout apply exited $rc, expected $want" >&2
				exit 1
			fi
		}
		ismount() { mountpoint -q "$R$1"; }
		'"$1"
}
