#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real systemd rootfs (Debian, scripts/mkrootfs-debian) with its layout:
# /etc and /var as tmpfs overlays, with persistent binds nested inside them
# (/etc/ssh, /var/lib/rancher) and a single-file bind (/etc/machine-id).  Two
# boots of one machine: the first provisions, the second unlocks.  Both reach
# multi-user.target with no failed unit; the machine-id and the SSH host key
# generated on the first boot are the same on the second; what was written to
# the overlays is gone; `sealroot status` works after switch-root.
# e2e-image: debian
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_disk "$E2E_DEBIAN/img"

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
	assert_marker status_rc 0
	assert_marker stage:verity ok
	assert_marker stage:persist ok
	assert_marker stage:layout ok
	assert_grep 'SEALROOT-E2E-STATUS: persist +ok' "$BOOT_LOG"
	[[ $(marker machine_id) =~ ^[0-9a-f]{32}$ ]] || fail "machine_id '$(marker machine_id)' is not 32 hex digits"
	[[ $(marker ssh_host_key_sha256) =~ ^[0-9a-f]{64}$ ]] ||
		fail "no SSH host key: ssh_host_key_sha256='$(marker ssh_host_key_sha256)'"
}

e2e_boot boot1 --args "sealroot_test=basic"
check_boot
assert_marker boot_count 1
id1=$(marker machine_id) key1=$(marker ssh_host_key_sha256) boot1=$(marker boot_id)

e2e_boot boot2 --args "sealroot_test=basic"
check_boot
assert_marker boot_count 2
assert_marker machine_id "$id1"
assert_marker ssh_host_key_sha256 "$key1"
[ "$(marker boot_id)" != "$boot1" ] || fail "boot 2 has the boot_id of boot 1"
grep -a 'SEALROOT-E2E-KMSG\|sealroot: stage' "$BOOT_LOG" | tail -3 >&2 || true
