#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The default layout on a scratch root: tmpfs overlays are writable and reset
# at the next boot, persistent binds (directories and files, nested under
# overlays) are seeded once and kept; the image itself is never written.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
image_default

boot '
	apply
	! touch "$R/usr-is-ro" 2>/dev/null || { echo "FAIL: image is writable"; exit 1; }
	for p in $TOT /var /etc/lp /etc/caddy /etc/ssh /etc/machine-id /etc/fstab /var/lib/rancher; do
		ismount $p || { echo "FAIL: $p not mounted"; findmnt -R "$R"; exit 1; }
	done
	echo tmp >"$R/var/log/this-boot"
	echo tmp >"$R/etc/caddy/Caddyfile"
	echo key >"$R/etc/ssh/ssh_host_key"
	echo cluster >"$R/var/lib/rancher/k3s.yaml"
	echo 0123abcd >"$R/etc/machine-id"
	findmnt -R -n -o TARGET,FSTYPE "$R" >"$S/mounts1"
'
assert_file "$S/persist/etc/ssh/ssh_host_key"
assert_file "$S/persist/etc/ssh/sshd_config"
assert_eq "$(cat "$S/persist/etc/machine-id")" 0123abcd "machine-id kept in the persistent copy"
assert_eq "$(cat "$S/image/etc/machine-id")" image "image machine-id untouched"
assert_no_file "$S/image/var/log/this-boot"
assert_no_file "$S/image/var/lib/rancher"
assert_file "$S/persist/var/lib/rancher/k3s.yaml"
assert_grep "overlay" "$S/mounts1"

boot '
	apply
	[ ! -e "$R/var/log/this-boot" ] || { echo "FAIL: tmpfs overlay survived a reboot"; exit 1; }
	[ ! -e "$R/etc/caddy/Caddyfile" ] || { echo "FAIL: overlay file survived"; exit 1; }
	[ -f "$R/var/log/boot.log" ] || { echo "FAIL: image file hidden by overlay"; exit 1; }
	[ "$(cat "$R/etc/ssh/ssh_host_key")" = key ] || { echo "FAIL: persistent file lost"; exit 1; }
	[ "$(cat "$R/var/lib/rancher/k3s.yaml")" = cluster ] || { echo "FAIL: nested bind lost"; exit 1; }
	[ "$(cat "$R/etc/machine-id")" = 0123abcd ] || { echo "FAIL: file bind lost"; exit 1; }
'
echo "PASS"
