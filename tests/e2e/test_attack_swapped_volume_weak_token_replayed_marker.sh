#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An attacker with the disk and the TPM rewrites the persistent partition,
# on an image whose signed command line allows the recovery key
# (sealroot.recovery_key=1 sealroot.recovery=ask); every other part of the
# image is mkimage's default (no initramfs shell).
#
# One machine provisions once (the recovery key is printed); each attack
# starts from a copy of that disk and machine state:
#   control   the image's default UKI (no recovery options, same root hash
#             and signer, so the same PCR 7) unlocks the volume: the UKI
#             swap alone changes nothing (positive control for (e))
#   recovery  the owner's way in (positive control for (d)): Secure Boot
#             off, so PCR 7 differs and the TPM refuses; sealroot asks on
#             the console (systemd-ask-password), a well-formed but wrong
#             key is refused and asked again, the key printed at
#             provisioning unlocks the same data; nothing is reformatted
#   (e)       the TPM2 token replaced by one sealed to no PCR at all
#             (systemd-cryptenroll --tpm2-pcrs= against a copy of this
#             machine's TPM, authorised with the recovery key), booted with
#             the default UKI: refused below the PCR floor, locked, rebooted
#   (d)       the partition replaced by the attacker's own LUKS2 volume,
#             passphrase shaped like a recovery key, an ext4 inside holding
#             the genuine header saved from this disk; typed at the recovery
#             prompt it opens, so the attacker's system boots -- where
#             "sealroot persist check" on the genuine header is refused and
#             PCR 15 differs from the genuine boot's
#   (f)       the provisioning marker set back and the recovery token
#             removed: no new recovery key is enrolled or printed, nothing
#             on the partition changes, locked, rebooted
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

KEY_RE='^ +[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7} *$'

e2e_variant recovery "$E2E_ARTIFACTS/rootfs" "$E2E_ARTIFACTS/initrd-systemd.img" \
	"sealroot.recovery_key=1 sealroot.recovery=ask"
e2e_disk "$VARIANT"

e2e_boot provision --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
assert_marker persist_action provisioned
key=$(tr -d '\r' <"$BOOT_LOG" | grep -oE "$KEY_RE" | tr -d ' ' | tail -1)
[ -n "$key" ] || fail "the provisioning boot printed no recovery key (log $BOOT_LOG)"
boot1_id=$(marker boot_id)
e2e_save provisioned

# Control: the default UKI unlocks this volume.
e2e_put_uki "$E2E_ARTIFACTS/img/uki.efi"
e2e_boot control-default-uki --args "sealroot_test=basic"
assert_done
assert_marker persist_action unlocked
assert_marker persist_token_type systemd-tpm2
assert_marker persistent_file "present:$boot1_id"
genuine_pcr15=$(marker pcr15)
[[ $genuine_pcr15 =~ ^[0-9A-Fa-f]{64}$ ]] || fail "the genuine boot printed no PCR 15 ('$genuine_pcr15')"

# The genuine recovery key, typed on the serial console (scripts/boot --answer).
e2e_restore provisioned
wrong=$(echo "$key" | tr 'cbdefghijklnrtuv' 'bdefghijklnrtuvc')
e2e_boot recovery-sb-off --secure-boot off --args "sealroot_test=basic" \
	--answer "Recovery key for=$wrong" --answer "Recovery key for=$key"
assert_grep 'secureboot: Secure boot disabled' "$BOOT_LOG"
assert_grep 'sealroot.*(PCR|pcr).*7' "$BOOT_LOG"
assert_grep 'recovery key was not accepted' "$BOOT_LOG"
assert_done
assert_marker stage:persist ok
assert_marker persist_action unlocked
assert_marker persist_token_type recovery
assert_marker persistent_file "present:$boot1_id"
assert_marker status_rc 0

# (e) a token sealed to no PCR, made with this machine's TPM.
e2e_restore provisioned
e2e_put_uki "$E2E_ARTIFACTS/img/uki.efi"
part_extract sealroot-persist "$TMP/persist.img"
cp -a "$TMP/machine/tpm" "$TMP/tpm-copy"
rm -f "$TMP/tpm-copy"/*.pid "$TMP/tpm-copy"/*.sock
swtpm_start "$TMP/tpm-copy"
PASSWORD=$key systemd-cryptenroll --tpm2-device="swtpm:port=$SWTPM_PORT" --tpm2-pcrs= --wipe-slot=tpm2 \
	"$TMP/persist.img" >"$E2E_LOGDIR/cryptenroll.log" 2>&1 ||
	{ cat "$E2E_LOGDIR/cryptenroll.log" >&2; fail "systemd-cryptenroll --tpm2-pcrs= failed"; }
swtpm_stop
pcrs=$(cryptsetup luksDump --dump-json-metadata "$TMP/persist.img" |
	jq -c '[.tokens[] | select(.type == "systemd-tpm2") | ."tpm2-pcrs"]')
assert_eq "$pcrs" "[[]]" "PCRs of the TPM2 tokens after the downgrade"
part_write_back sealroot-persist "$TMP/persist.img"
sha=$(part_sha256 sealroot-persist)
e2e_boot attack-e-token-without-pcrs --args "sealroot_test=basic"
assert_grep 'sealroot: Refusing token [0-9]+ of .* lacks PCR 7' "$BOOT_LOG"
assert_locked_no_shell "$sha"

# (d) the attacker's own volume, carrying the genuine header.
e2e_restore provisioned
part_extract sealroot-persist "$TMP/genuine.img"
mkdir -p "$TMP/attacker-fs"
cryptsetup luksHeaderBackup "$TMP/genuine.img" --header-backup-file "$TMP/attacker-fs/genuine-header.img" ||
	fail "cannot save the genuine LUKS2 header"
rm -f "$TMP/genuine.img"
cc -O2 -Wall -Wextra -Werror -o "$TMP/xts-encrypt" "$TOP/tests/e2e/xts-encrypt.c" -lcrypto ||
	fail "cannot build tests/e2e/xts-encrypt.c (libssl-dev)"
bytes=$(jq -r '.disk.partitions[] | select(.name == "sealroot-persist") | .bytes' "$E2E_MANIFEST")
attacker_key=cbdefghi-jklnrtuv-cbdefghi-jklnrtuv-cbdefghi-jklnrtuv-cbdefghi-jklnrtuv
printf '%s' "$attacker_key" >"$TMP/attacker.pass"
head -c 64 /dev/urandom >"$TMP/attacker.vk"
truncate -s "$bytes" "$TMP/attacker.img"
cryptsetup luksFormat -q --type luks2 --cipher aes-xts-plain64 --key-size 512 --sector-size 4096 \
	--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --label sealroot-persist \
	--volume-key-file "$TMP/attacker.vk" --key-file "$TMP/attacker.pass" "$TMP/attacker.img" ||
	fail "cannot format the attacker's LUKS2 volume"
seg=$(cryptsetup luksDump --dump-json-metadata "$TMP/attacker.img" | jq -r '.segments."0".offset')
truncate -s 32M "$TMP/attacker-ext4.img"
mkfs.ext4 -q -F -b 4096 -d "$TMP/attacker-fs" "$TMP/attacker-ext4.img" || fail "cannot build the attacker's ext4"
"$TMP/xts-encrypt" "$TMP/attacker.vk" "$TMP/attacker-ext4.img" "$TMP/attacker.img" "$seg" ||
	fail "cannot encrypt the attacker's ext4 into their volume"
part_write_back sealroot-persist "$TMP/attacker.img"
e2e_boot attack-d-swapped-volume --args "sealroot_test=check-genuine-header" \
	--answer "Recovery key for=$attacker_key"
assert_done
assert_marker persist_token_type recovery
assert_marker genuine_check_rc 1
assert_marker genuine_check_refused_by pcr15
attacker_pcr15=$(marker pcr15)
[[ $attacker_pcr15 =~ ^[0-9A-Fa-f]{64}$ ]] || fail "the attacker's boot printed no PCR 15 ('$attacker_pcr15')"
[ "$attacker_pcr15" != "$genuine_pcr15" ] ||
	fail "PCR 15 after the attacker's volume ($attacker_pcr15) equals the genuine boot's"
! [[ $attacker_pcr15 =~ ^0{64}$ ]] || fail "PCR 15 was never extended in the attacker's boot"

# (f) the provisioning marker replayed, the recovery token removed.
e2e_restore provisioned
part_extract sealroot-persist "$TMP/persist.img"
rec=$(cryptsetup luksDump --dump-json-metadata "$TMP/persist.img" |
	jq -r '.tokens | to_entries[] | select(.value.type == "systemd-recovery") | .key' | head -1)
[ -n "$rec" ] || fail "no systemd-recovery token on the provisioned partition"
cryptsetup token remove --token-id "$rec" "$TMP/persist.img" || fail "cannot remove the recovery token"
cryptsetup config --subsystem sealroot-provisioning --label sealroot-persist "$TMP/persist.img" ||
	fail "cannot set the marker"
part_write_back sealroot-persist "$TMP/persist.img"
sha=$(part_sha256 sealroot-persist)
e2e_boot attack-f-marker-replayed --args "sealroot_test=basic"
assert_grep 'sealroot: .*provisioning marker, but the marker is not authenticated' "$BOOT_LOG"
! tr -d '\r' <"$BOOT_LOG" | grep -qE "$KEY_RE" || fail "a recovery key was printed after the marker replay (log $BOOT_LOG)"
assert_no_grep 'Creating the ext4 filesystem' "$BOOT_LOG"
assert_locked_no_shell "$sha"
