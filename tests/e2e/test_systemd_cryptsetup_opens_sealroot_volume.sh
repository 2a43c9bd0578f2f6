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
# value.  Both UKIs carry a PCR 11 policy signed with the same key (mkimage
# --pcr-key); the variant also masks the systemd-pcrphase units, so PCR 11
# holds exactly what the stub measured for the variant, and the guest
# measures enter-initrd itself, reaching the value the variant's .pcrsig
# signed.  Then it runs
#   systemd-cryptsetup attach e2echeck /dev/disk/by-partlabel/sealroot-persist - \
#       tpm2-device=auto,headless=1,readonly
# (the signature: the UKI's /.extra file, which systemd's tmpfiles copied to
# /run/systemd/ in the initrd), mounts the mapping read-only and reads what
# boot 1 wrote.
# e2e-image: debian
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_disk "$E2E_DEBIAN/img"
e2e_variant no-sealroot-persist "$E2E_DEBIAN/rootfs" "$E2E_ARTIFACTS/initrd-systemd.img" \
	"rd.systemd.mask=sealroot-persist.service rd.systemd.mask=sealroot-layout.service rd.modules_load=dm_crypt,xts,algif_skcipher,ext4 rd.systemd.mask=systemd-pcrphase-initrd.service systemd.mask=systemd-pcrphase-sysinit.service systemd.mask=systemd-pcrphase.service"
[ "$(cat "$VARIANT/roothash.txt")" = "$(cat "$E2E_DEBIAN/img/roothash.txt")" ] ||
	fail "the variant image has another root hash than the Debian image: mkimage is not reproducible?"

e2e_boot provision --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
assert_marker boot_count 1
assert_marker failed_units 0
# sealroot sealed to the PCR key of the UKI (.pcrpkey): a signed PCR 11 policy.
tokens=$(persist_tokens)
jq -e --arg pub "$(base64 -w0 <"$E2E_DEBIAN/img/pcr-public-key.pem")" '[.tokens[] | select(.type == "systemd-tpm2")] |
	length == 1 and .[0]["tpm2_pubkey_pcrs"] == [11] and .[0]["tpm2_pubkey"] == $pub' <<<"$tokens" >/dev/null ||
	fail "the provisioned token is not a signed PCR 11 policy of the image's PCR key: $tokens"

e2e_put_uki "$VARIANT/uki.efi"
e2e_boot systemd-cryptsetup --args "sealroot_test=cryptsetup"
assert_done
assert_grep 'secureboot: Secure boot enabled' "$BOOT_LOG"
assert_no_grep 'sealroot: stage persist' "$BOOT_LOG"
assert_marker mount:/opt none
[[ $(marker pcr15) =~ ^0{64}$ ]] || fail "PCR 15 is '$(marker pcr15)', not its reset value: something unsealed before"
# PCR 11: the stub's measurements of the variant UKI, then enter-initrd (by
# the guest) = the value the variant's .pcrsig signed.
assert_marker pcr11 "$(uki_pcr11 "$VARIANT/uki.efi")"
assert_marker pcrphase_enter_initrd ok
signed=$(jq -r '.uki.pcr_signature.signed[] | select(.phase == "enter-initrd") | .value' "$VARIANT/manifest.json")
assert_marker pcr11_at_attach "$signed"
assert_marker run_systemd:tpm2-pcr-signature.json present
assert_marker run_systemd:tpm2-pcr-public-key.pem present
assert_marker systemd_cryptsetup_rc 0
assert_marker dm_uuid_type CRYPT-LUKS2
assert_marker persisted_boot_count 1
assert_marker systemd_cryptsetup ok
# systemd's debug lines name the way in: libcryptsetup's systemd-tpm2 token plugin.
assert_grep 'SEALROOT-E2E-CRYPTSETUP: Token handler systemd-tpm2' "$BOOT_LOG"
assert_grep 'SEALROOT-E2E-CRYPTSETUP: Volume e2echeck activated with LUKS token id 0' "$BOOT_LOG"
grep -a 'SEALROOT-E2E-CRYPTSETUP' "$BOOT_LOG" | tr -d '\r' >&2 || true
echo "ok: systemd-cryptsetup opened sealroot's signed-policy volume with token 0 and the UKI's signature, no passphrase"
