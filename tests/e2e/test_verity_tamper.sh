#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One flipped byte in the verified root is caught by dm-verity when the root is
# read: the kernel restarts the machine (restart-on-corruption, the image's
# policy, checked in the log) and the image's init never runs.  Two places:
# the erofs superblock block of the data partition (the kernel reports the
# corrupted block), and the first block of the hash partition
# (sealroot refuses to open: the hash tree no longer matches roothash=).
# Third: an intact disk whose signed UKI names another root hash (the UKI of an
# image built from a rootfs with one more file): sealroot refuses to open.  That
# UKI names the partitions by label (systemd.verity_root_data/_hash=): with the
# default discovery by the root hash's PARTUUIDs a wrong root hash finds no
# partition at all and the boot stops after sealroot.device_timeout= instead.
# Fourth: an intact disk whose signed UKI carries a root hash signature by a
# key the initramfs does not trust (made like the image's own, code-signing):
# sealroot refuses the signature in userspace and never asks the kernel.
# In every case the boot stops before switch-root and the persistent partition
# is never opened: it is still blank afterwards.  (The unlock runs beside the
# verity stage; on a blank partition it only defers the provisioning to the
# mount step, which needs the verified root and never runs here.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

for part in root-a root-a-verity; do
	rm -rf "$TMP/machine"
	e2e_disk
	off=$(part_offset "$part")
	[ -n "$off" ] && [ "$off" != null ] || fail "no $part partition in $E2E_MANIFEST"
	# root-a: inside the erofs superblock (offset 1024); root-a-verity: in the first hash block.
	if [ "$part" = root-a ]; then flip_byte "$E2E_DISK" $((off + 1024 + 8)); else flip_byte "$E2E_DISK" $((off + 100)); fi

	E2E_TIMEOUT=300 e2e_boot "tampered-$part" --args "sealroot_test=basic"
	assert_not_done
	if [ "$part" = root-a ]; then
		# The kernel finds the bad data block as soon as the mapping is read
		# (before sealroot's "Opened" line), and the policy the image asks
		# for is the one that acts: restart-on-corruption restarts at once
		# with dm-verity's reason (eio would end in emergency mode,
		# ignore-corruption would go on with the bad block).
		assert_grep 'Kernel command line: .*systemd\.verity_root_options=restart-on-corruption(,[^ ]*)?( |$)' "$BOOT_LOG"
		assert_no_grep 'Kernel command line: .*systemd\.verity_root_options=[^ ]*(ignore|panic)-on-corruption' "$BOOT_LOG"
		assert_grep 'sealroot: stage verity started' "$BOOT_LOG"
		assert_grep 'device-mapper: verity: .*(is corrupted|corruption)' "$BOOT_LOG"
		assert_grep "reboot: Restarting system with command 'dm-verity device corrupted'" "$BOOT_LOG"
	else
		# sealroot already refuses to open: the hash tree's root is not roothash=.
		assert_grep 'sealroot: root hash mismatch' "$BOOT_LOG"
		assert_grep 'sealroot: stage verity failed' "$BOOT_LOG"
	fi
	assert_no_grep 'sealroot: stage persist-mount|sealroot: persist: provisioned' "$BOOT_LOG"
	e2e_part_blank sealroot-persist || fail "the persistent partition was written (tampered $part)"
done

# The wrong root hash.
cp -a "$E2E_ARTIFACTS/rootfs" "$TMP/rootfs-other"
echo "another image" >"$TMP/rootfs-other/etc/e2e-other-image"
e2e_variant other-root "$TMP/rootfs-other" "$E2E_ARTIFACTS/initrd-systemd.img" \
	"systemd.verity_root_data=PARTLABEL=root-a systemd.verity_root_hash=PARTLABEL=root-a-verity"
[ "$(cat "$VARIANT/roothash.txt")" != "$(cat "$E2E_ARTIFACTS/img/roothash.txt")" ] ||
	fail "the other rootfs has the same root hash"
rm -rf "$TMP/machine"
e2e_disk
e2e_put_uki "$VARIANT/uki.efi"
E2E_TIMEOUT=300 e2e_boot wrong-roothash --args "sealroot_test=basic"
assert_not_done
assert_grep 'sealroot: root hash mismatch' "$BOOT_LOG"
assert_grep 'sealroot: stage verity failed' "$BOOT_LOG"
# Never mapped, so never mounted: no erofs on a dm device, no mount step.
assert_no_grep 'erofs: \(device dm-' "$BOOT_LOG"
assert_no_grep 'sealroot: stage persist-mount|sealroot: persist: provisioned' "$BOOT_LOG"
e2e_part_blank sealroot-persist || fail "the persistent partition was written (wrong root hash)"

# A root hash signature by a key the initramfs does not trust.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=sealroot e2e untrusted signer" \
	-addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=codeSigning \
	-keyout "$TMP/other.key" -out "$TMP/other.crt" 2>/dev/null || fail "openssl req failed"
e2e_variant untrusted-sig "$E2E_ARTIFACTS/rootfs" "$E2E_ARTIFACTS/initrd-systemd.img" "" \
	--verity-key "$TMP/other.key" --verity-cert "$TMP/other.crt"
[ "$(cat "$VARIANT/roothash.txt")" = "$(cat "$E2E_ARTIFACTS/img/roothash.txt")" ] ||
	fail "the variant signed by another key has another root hash"
cmp -s "$VARIANT/roothash.p7s" "$E2E_ARTIFACTS/img/roothash.p7s" && fail "the variant has the image's own signature"
rm -rf "$TMP/machine"
e2e_disk
e2e_put_uki "$VARIANT/uki.efi"
E2E_TIMEOUT=300 e2e_boot untrusted-signature --args "sealroot_test=basic"
assert_not_done
assert_grep 'sealroot: .*The root hash signature is not valid for root hash [0-9a-f]+ with the certificates in /etc/sealroot/verity-certs' "$BOOT_LOG"
assert_grep 'sealroot: stage verity failed' "$BOOT_LOG"
assert_no_grep 'kernel could not check the root hash signature' "$BOOT_LOG"
assert_no_grep 'erofs: \(device dm-' "$BOOT_LOG"
# The unlock runs beside the verity stage; only the mount step, which never
# started, would have provisioned the blank partition.
assert_no_grep 'sealroot: stage persist-mount|sealroot: persist: provisioned' "$BOOT_LOG"
e2e_part_blank sealroot-persist || fail "the persistent partition was written (untrusted signature)"
