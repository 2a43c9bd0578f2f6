#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A persistent partition provisioned by sealroot opens with systemd's own TPM2
# code: systemd-cryptsetup (systemd 252) and libcryptsetup's systemd-tpm2 token
# plugin in the Debian guest unseal sealroot's token, with no passphrase.
#
# Boot 1: the normal image provisions the partition (sealroot) and writes to it.
# Boot 2: the same machine and disk, but the ESP's UKI is replaced by a variant
# built from the same rootfs (same root hash, same signing key, so PCR 7 is the
# same) whose command line masks sealroot's persist and layout units
# (rd.systemd.mask=) and loads dm-crypt in the initramfs (the rootfs has no
# kernel modules).  sealroot does not unseal, so PCR 15 -- part of the token's
# policy, extended by sealroot after its own unseal -- is still at its reset
# value, and the guest runs
#   systemd-cryptsetup attach e2echeck /dev/disk/by-partlabel/sealroot-persist - \
#       tpm2-device=auto,headless=1,readonly
# then mounts the mapping read-only and reads what boot 1 wrote.
# e2e-image: debian
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_disk "$E2E_DEBIAN/img"
e2e_variant no-sealroot-persist "$E2E_DEBIAN/rootfs" "$E2E_ARTIFACTS/initrd-systemd.img" \
	"rd.systemd.mask=sealroot-persist.service rd.systemd.mask=sealroot-layout.service rd.modules_load=dm_crypt,xts,algif_skcipher,ext4"
[ "$(cat "$VARIANT/roothash.txt")" = "$(cat "$E2E_DEBIAN/img/roothash.txt")" ] ||
	fail "the variant image has another root hash than the Debian image: mkimage is not reproducible?"

e2e_boot provision --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
assert_marker boot_count 1
assert_marker failed_units 0

e2e_put_uki "$VARIANT/uki.efi"
e2e_boot systemd-cryptsetup --args "sealroot_test=cryptsetup"
assert_done
assert_grep 'secureboot: Secure boot enabled' "$BOOT_LOG"
assert_no_grep 'sealroot: stage persist' "$BOOT_LOG"
assert_marker mount:/opt none
[[ $(marker pcr15) =~ ^0{64}$ ]] || fail "PCR 15 is '$(marker pcr15)', not its reset value: something unsealed before"
assert_marker systemd_cryptsetup_rc 0
assert_marker dm_uuid_type CRYPT-LUKS2
assert_marker persisted_boot_count 1
assert_marker systemd_cryptsetup ok
# systemd's debug lines name the way in: libcryptsetup's systemd-tpm2 token plugin.
assert_grep 'SEALROOT-E2E-CRYPTSETUP: Token handler systemd-tpm2' "$BOOT_LOG"
assert_grep 'SEALROOT-E2E-CRYPTSETUP: Volume e2echeck activated with LUKS token id 0' "$BOOT_LOG"
grep -a 'SEALROOT-E2E-CRYPTSETUP' "$BOOT_LOG" | tr -d '\r' >&2 || true
echo "ok: systemd-cryptsetup opened sealroot's volume with token 0, no passphrase"
