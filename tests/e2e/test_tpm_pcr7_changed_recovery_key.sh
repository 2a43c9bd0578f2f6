#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The recovery key opens the persistent partition when the TPM cannot.  An
# image variant whose (signed) command line enables it: sealroot.recovery_key=1
# (enroll one at provisioning; sealroot prints it once on the console) and
# sealroot.recovery=ask (ask for it when the TPM unseal fails).  Boot 1
# provisions with Secure Boot on; the key is read from the serial log.  Boot 2
# has Secure Boot off, so PCR 7 differs and the TPM refuses: sealroot asks on
# the console (systemd-ask-password in the systemd initramfs), gets a
# well-formed but wrong key first (refused, asked again), then the right one,
# which unlocks the same data.  Answers are typed on the serial console
# (scripts/boot --answer).  Nothing is reformatted.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_variant recovery "$E2E_ARTIFACTS/rootfs" "$E2E_ARTIFACTS/initrd-systemd.img" \
	"sealroot.recovery_key=1 sealroot.recovery=ask"
e2e_disk "$VARIANT"

e2e_boot provision --secure-boot on --args "sealroot_test=basic"
assert_done
assert_marker stage:persist ok
assert_marker persist_action provisioned
boot1_id=$(marker boot_id)
# The key is printed once, in systemd's format: 8 groups of 8 modhex letters.
key=$(tr -d '\r' <"$BOOT_LOG" | grep -oE '^ +[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7} *$' | tr -d ' ' | tail -1)
[ -n "$key" ] || fail "boot 1 printed no recovery key (log $BOOT_LOG)"
wrong=$(echo "$key" | tr 'cbdefghijklnrtuv' 'bdefghijklnrtuvc')

e2e_boot recovery --secure-boot off --args "sealroot_test=basic" \
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
