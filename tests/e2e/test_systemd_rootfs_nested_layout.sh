#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real systemd rootfs (Debian, scripts/mkrootfs-debian) under EMT's real
# layout (tests/e2e/layout-emt.env: 3 tmpfs overlays, 31 persistent binds),
# which the image was not built for: a variant of the Debian image whose
# command line names that file (sealroot.layout=).  /etc and /var are tmpfs
# overlays with persistent binds nested inside them (/etc/ssh, /etc/systemd,
# /var/lib/rancher, paths Debian lacks such as /etc/intel_edge_node) and
# single-file binds (/etc/machine-id, /etc/hosts, /var/log/*.log of
# PERSISTENT_BIND_FILES).  Two boots of one machine: the first provisions, the
# second unlocks.  Both reach multi-user.target with no failed unit; the four
# entries Debian cannot take are skipped with their reason (the overlay
# /usr/share/pki, the binds /etc/lvm/archive, /etc/lvm/backup and
# /var/edge-node/pua), exactly those `sealroot layout check --root` predicts
# for the image's tree, with the same reasons; the machine-id and the SSH host
# key generated on the first boot are the same on the second; what was written
# to the binds is still there, what was written to the overlays is gone;
# `sealroot status` works after switch-root.
# e2e-image: debian
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

emt_layout=/usr/lib/sealroot/e2e-layout-emt.env
cmp -s "$E2E_DEBIAN/rootfs$emt_layout" "$(dirname "$0")/layout-emt.env" ||
	fail "the Debian image's $emt_layout is not tests/e2e/layout-emt.env: stale image cache?"
e2e_variant emt-layout "$E2E_DEBIAN/rootfs" "$E2E_ARTIFACTS/initrd-systemd.img" "sealroot.layout=$emt_layout"
e2e_disk "$VARIANT"

# What the first boot of this tree will skip, and why: check --root's warnings
# as "PATH: REASON" lines, sorted.
"$SEALROOT" layout check --root "$E2E_DEBIAN/rootfs" "$E2E_DEBIAN/rootfs$emt_layout" \
	>"$TMP/check.out" 2>"$TMP/check.err" || { cat "$TMP/check.err" >&2; fail "layout check --root refused EMT's layout"; }
sed -nE "s/^[^:]*:[0-9]+:[0-9]+: warning: [a-z ]+ '([^']*)' is skipped at boot: /\1: /p" "$TMP/check.err" |
	sort >"$TMP/check.skips"
printf '%s\n' /etc/lvm/archive /etc/lvm/backup /usr/share/pki /var/edge-node/pua >"$TMP/want.skips"
diff -u "$TMP/want.skips" <(cut -d: -f1 "$TMP/check.skips") ||
	fail "check --root predicts other skipped entries for the Debian tree than the four it lacks"
[ "$(grep -c warning "$TMP/check.err")" = 4 ] || { cat "$TMP/check.err" >&2; fail "check --root warned about more than the four skips"; }

# The entries the boot did not mount, from `sealroot status` on the console:
# "PATH: MESSAGE" for each skipped or conflict entry.
boot_skips() {
	tr -d '\r' <"$BOOT_LOG" |
		sed -nE 's/^SEALROOT-E2E-STATUS: layout +(\/[^ ]*) +[a-z]+ +(skipped|conflict) +(.*)$/\1: \3/p' | sort
}

check_boot() {
	assert_done
	assert_marker init /usr/lib/systemd/systemd
	assert_marker root_source "/dev/mapper/root,erofs"
	assert_marker root_writable no
	assert_marker mount:/etc overlay
	assert_marker mount:/var overlay
	assert_marker mount:/etc/ssh ext4
	assert_marker mount:/etc/machine-id ext4
	assert_marker mount:/var/lib/rancher ext4
	assert_marker machine_id_transient no
	assert_marker sshd active
	assert_marker persistent_write ok
	assert_marker "tmpfs_file:/etc/sealroot-e2e-tmpfs" missing
	assert_marker "tmpfs_file:/var/sealroot-e2e-tmpfs" missing
	# The files were written (e2e-check marks only a failed write; DONE
	# above proves it got past the writes), so boot 2's "missing" is a reset.
	assert_marker "tmpfs_write:/etc/sealroot-e2e-tmpfs" ""
	assert_marker "tmpfs_write:/var/sealroot-e2e-tmpfs" ""
	assert_marker failed_units 0
	# EMT's layout: mounted where Debian can take it, skipped with the
	# reason check --root gave where it cannot.
	assert_marker scenario emt
	assert_marker mount:/home ext4
	assert_marker mount:/etc/intel_edge_node ext4
	assert_marker mount:/etc/systemd ext4
	assert_marker mount:/var/log/inbm-update-status.log ext4
	assert_marker type:/var/log/inbm-update-status.log regular_file
	assert_marker mount:/usr/share/pki none
	assert_marker mount:/etc/lvm/archive none
	assert_marker mount:/var/edge-node/pua none
	assert_marker exists:/var/edge-node no
	boot_skips >"$TMP/boot.skips"
	diff -u "$TMP/check.skips" "$TMP/boot.skips" ||
		fail "the boot skipped other entries, or for other reasons, than check --root predicted"
	assert_marker status_rc 0
	assert_marker stage:verity ok
	assert_marker stage:persist ok
	assert_marker stage:layout ok
	assert_grep 'SEALROOT-E2E-STATUS: persist +ok' "$BOOT_LOG"
	# mkimage's rootfstype=erofs: no systemd-fsck-root.service between the
	# verified root and /sysroot (the initramfs has no fsck.erofs).
	[ -n "$(_first_line 'Finished .*sysroot\.mount|Mounted .*sysroot\.mount')" ] ||
		fail "no sysroot.mount on the console: the check below would prove nothing"
	[ -z "$(_first_line 'Starting .*systemd-fsck-root')" ] ||
		fail "systemd-fsck-root.service ran on the erofs root (rootfstype= missing from the command line?)"
	# sealroot's modules-load.d list (dm targets, cipher templates, erofs,
	# ext4, overlay) loads on this CPU: a name that cannot load would fail
	# the unit on every boot.  The initramfs's run is the first on the
	# console, before the booted system's.
	local modules_done modules_failed
	modules_done=$(_first_line 'Finished .*Load Kernel Modules')
	modules_failed=$(_first_line 'Failed to start .*Load Kernel Modules')
	[ -n "$modules_done" ] && { [ -z "$modules_failed" ] || [ "$modules_done" -lt "$modules_failed" ]; } ||
		fail "systemd-modules-load.service failed in the initramfs (a module of sealroot's modules-load.d list did not load?)"
	# The layout is part of initrd-fs.target: applied before it is reached,
	# not after initrd-parse-etc.service's daemon-reload.
	local layout_ok fs_target
	layout_ok=$(_first_line 'sealroot: stage layout ok')
	fs_target=$(_first_line 'Reached target .*initrd-fs\.target')
	[ -n "$layout_ok" ] && [ -n "$fs_target" ] ||
		fail "no 'stage layout ok' ($layout_ok) or 'Reached target initrd-fs.target' ($fs_target) on the console"
	[ "$layout_ok" -lt "$fs_target" ] ||
		fail "the layout was applied after initrd-fs.target (console lines $layout_ok and $fs_target)"
	[[ $(marker machine_id) =~ ^[0-9a-f]{32}$ ]] || fail "machine_id '$(marker machine_id)' is not 32 hex digits"
	[[ $(marker ssh_host_key_sha256) =~ ^[0-9a-f]{64}$ ]] ||
		fail "no SSH host key: ssh_host_key_sha256='$(marker ssh_host_key_sha256)'"
}

e2e_boot boot1 --args "sealroot_test=emt"
check_boot
assert_marker boot_count 1
check_writes() {
	local f
	for f in /etc/intel_edge_node/sealroot-e2e /home/sealroot-e2e /var/log/inbm-update-status.log; do
		assert_marker "persistent_write:$f" ""
		assert_marker "lines:$f" "$1"
	done
}
check_writes 1
id1=$(marker machine_id) key1=$(marker ssh_host_key_sha256) boot1=$(marker boot_id)

e2e_boot boot2 --args "sealroot_test=emt"
check_boot
assert_marker boot_count 2
# Boot 1's line is still in each bind (and the overlays' files are gone,
# check_boot above).
check_writes 2
assert_marker machine_id "$id1"
assert_marker ssh_host_key_sha256 "$key1"
[ "$(marker boot_id)" != "$boot1" ] || fail "boot 2 has the boot_id of boot 1"
# The report times each step of an unlock (the device-mapper ones only exist
# in a boot): boot 2 unlocks, then the mount step mounts.
assert_grep 'SEALROOT-E2E-STATUS: persist +ok .* steps=device@[0-9.]+,classified@[0-9.]+,tpm@[0-9.]+,unsealed@[0-9.]+,keyslot@[0-9.]+,measured@[0-9.]+,activated@[0-9.]+,fsck@[0-9.]+([[:space:]]|$)' "$BOOT_LOG"
assert_grep 'SEALROOT-E2E-STATUS: persist-mount +ok .* steps=mounted@[0-9.]+([[:space:]]|$)' "$BOOT_LOG"
grep -a 'SEALROOT-E2E-KMSG\|sealroot: stage' "$BOOT_LOG" | tail -3 >&2 || true
