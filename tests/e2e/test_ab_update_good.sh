#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A/B update with a good image: slot A (version 1) boots and provisions the
# persistent partition; scripts/update writes version 2 into slot B with
# 2 tries; the next boot runs B, passes the health check and blesses its
# entry (the counter disappears from the file name); B stays the default on
# the boot after; the persistent data written under A is there, unlocked by
# the same token: both UKIs carry a PCR 11 policy signed with the same PCR
# key (mkimage --pcr-key), and the LUKS2 tokens and keyslots are the same
# before and after the update (no reseal).  In every booted system PCR 11
# is exactly what systemd-measure calculates for the booted UKI plus the
# phases measured since (enter-initrd by systemd-pcrphase, leave-initrd by
# sealroot after the unlock and by systemd-pcrphase at switch-root), and the
# genuine token, tried with the UKI's own signature, no longer unseals.
# Anti-rollback (issue 13): v1 has security version 1, v2 has 2. A
# provisions the TPM's minimum at 1; B's trial boot (boot counter) raises
# nothing; the first boot of the blessed B entry raises it to 2 and loses
# power right then; the next boot finds it raised and unlocks. Then the
# attacker with the ESP removes B's entry so v1 boots again: v1 is refused
# before unsealing ("security version 1 … at least 2"), locked, no shell.
# Last, a version 3 signed with ANOTHER PCR key goes into slot A: its one
# try is refused (the token's key signed nothing for it) and fails closed:
# TPM locked, no decryption, reboot, no shell.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ab/lib-ab-host.sh"

ab_build v1 1 --slots ab --svn 1
ab_build v2 2 --svn 2
e2e_disk "$TMP/v1"
assert_eq "$(ab_entries)" "sealroot-1-a.efi" "fresh A/B disk entries"
pkfp=$(jq -r '.uki.pcr_signature.pkfp' "$TMP/v1/manifest.json")
[[ $pkfp =~ ^[0-9a-f]{64}$ ]] || fail "v1 has no signed PCR policy (manifest uki.pcr_signature: $pkfp)"
assert_eq "$(jq -r '.uki.pcr_signature.pkfp' "$TMP/v2/manifest.json")" "$pkfp" "v2's PCR key fingerprint"
# The phases measured into PCR 11 before the booted system runs.
BOOTED_PHASES=enter-initrd:leave-initrd:leave-initrd
# assert_booted_pcr11 BUILD: PCR 11 of this boot vs. systemd-measure for the
# build's UKI; the value its PCR key signed (enter-initrd) is left behind, and
# the genuine token does not unseal with the UKI's signature.
assert_booted_pcr11() {
	local signed
	signed=$(jq -r '.uki.pcr_signature.signed[] | select(.phase == "enter-initrd") | .value' "$1/manifest.json")
	assert_eq "$(uki_pcr11 "$1/uki.efi" enter-initrd)" "$signed" "systemd-measure vs. the manifest's signed value"
	assert_marker pcr11 "$(uki_pcr11 "$1/uki.efi" "$BOOTED_PHASES")"
	[ "$(marker pcr11)" != "$signed" ] || fail "the booted system still has the signed enter-initrd PCR 11 value"
	assert_marker pcr_signature_file present
	assert_marker unseal_after_boot refused
	assert_grep 'SEALROOT-E2E-UNSEAL: .*refused to unseal token 0' "$BOOT_LOG"
	# sealroot checks the lock PCR 15 first; PCR 11 alone would refuse it too:
	# the UKI's .pcrsig has no signature for the PolicyPCR digest of this value.
	assert_eq "$(policy_pcr11 "$signed")" "$(jq -r '.sha256[0].pol' "$1/pcr-signature.json")" \
		"PolicyPCR digest of the signed value vs. .pcrsig's pol"
	! jq -e --arg p "$(policy_pcr11 "$(marker pcr11)")" '.sha256[] | select(.pol == $p)' \
		"$1/pcr-signature.json" >/dev/null || fail "the UKI's .pcrsig approves the booted system's PCR 11 value"
}
# policy_pcr11 VALUE: the TPM2_PolicyPCR digest of PCR 11 (sha256) = VALUE.
policy_pcr11() {
	printf '%064d%s%s' 0 0000017f00000001000b03000800 "$(printf '%s' "$1" | xxd -r -p | sha256sum | cut -d' ' -f1)" |
		xxd -r -p | sha256sum | cut -d' ' -f1
}

ab_boot a1 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot a
assert_marker ab_version 1
assert_marker ab_health ok
assert_marker stage:persist ok
assert_marker persistent_write ok
assert_marker boot_count 1
a1_id=$(marker boot_id)
assert_booted_pcr11 "$TMP/v1"
assert_marker persist_policy signed
assert_marker persist_svn_image 1
assert_marker persist_svn_minimum 1
tokens_a=$(persist_tokens)
jq -e --arg pub "$(base64 -w0 <"$TMP/v1/pcr-public-key.pem")" '[.tokens[] | select(.type == "systemd-tpm2")] |
	length == 1 and .[0]["tpm2_pubkey_pcrs"] == [11] and .[0]["tpm2_pubkey"] == $pub' <<<"$tokens_a" >/dev/null ||
	fail "the provisioned token is not a signed PCR 11 policy of v1's PCR key: $tokens_a"

ab_update v2 --tries 2
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b+2.efi" "entries after the update"

t0=$(date +%s)
ab_boot b1 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot b
assert_marker ab_version 2
assert_marker ab_boot_count_path /EFI/Linux/sealroot-2-b+1-1.efi
assert_marker ab_health ok
assert_marker ab_blessed sealroot-2-b.efi
assert_marker root_source "/dev/mapper/root,erofs"
assert_marker stage:verity ok
assert_marker stage:persist ok
assert_marker stage:layout ok
assert_marker persistent_file "present:$a1_id"
assert_marker boot_count 2
assert_booted_pcr11 "$TMP/v2"
# A trial boot: the minimum stays 1, so A could still take over.
assert_marker persist_svn_image 2
assert_marker persist_svn_minimum 1
assert_marker persist_svn_raised none
assert_eq "$(persist_tokens)" "$tokens_a" "LUKS2 tokens and keyslots after the update (a reseal would change them)"
assert_eq "$(ab_entries)" "sealroot-1-a.efi sealroot-2-b.efi" "entries after B was blessed"
ab_record "update to good B: first B boot blessed in $(($(date +%s) - t0)) s"

# The first boot of the blessed entry raises the minimum to 2; the power is
# cut as soon as it says so (qemu killed), before the unlock goes on.
ab_boot b-raise-cut --kill-at "raised from 1 to 2" --args "sealroot_test=basic"
[ "$BOOT_RC" = 0 ] || fail "the power cut after the raise did not happen (boot rc $BOOT_RC, log $BOOT_LOG)"
assert_not_done
assert_grep "minimum security version of .* raised from 1 to 2" "$BOOT_LOG"
# The next boot finds the raise done (one TPM2 command): nothing to raise
# again, and B unlocks the same data.
ab_boot b2 --args "sealroot_test=basic"
assert_done
assert_marker ab_slot b
assert_marker ab_boot_count_path none
assert_marker ab_blessed "already (no boot counter)"
assert_marker persistent_file "present:$(marker boot_id "$E2E_LOGDIR/b1.log")"
assert_marker boot_count 3
assert_marker persist_svn_minimum 2
assert_marker persist_svn_raised none
assert_no_grep "raised from" "$BOOT_LOG"
ab_record "update to good B: $AB_BOOTS boots, $AB_SECONDS s of boots"

# An attacker with the ESP makes v1 (slot A, SVN 1) the default again.
esp="$E2E_DISK@@$(ab_esp_offset)"
mcopy -i "$esp" ::EFI/Linux/sealroot-2-b.efi "$TMP/b-entry.efi" || fail "cannot save B's entry"
mdel -i "$esp" ::EFI/Linux/sealroot-2-b.efi || fail "cannot remove B's entry"
persist_sha=$(part_sha256 sealroot-persist)
t0=$(date +%s)
ab_boot a-rollback --args "sealroot_test=basic"
assert_locked_no_shell "$persist_sha"
assert_grep "this image has security version 1 \(sealroot.svn=\) and the TPM2 requires at least 2" "$BOOT_LOG"
assert_no_grep 'sealroot: stage persist ok' "$BOOT_LOG"
ab_record "v1 (SVN 1) booted after SVN 2 was blessed: refused and locked in $(($(date +%s) - t0)) s (1 boot)"
mcopy -i "$esp" "$TMP/b-entry.efi" ::EFI/Linux/sealroot-2-b.efi || fail "cannot restore B's entry"

# Version 3, signed with another PCR key, into slot A: refused, fail closed.
# (SVN 3, so the anti-rollback check passes and the PCR key is what refuses it)
ab_build v3 3 --pcr-key "$E2E_PCR_KEY_OTHER" --svn 3
ab_update v3 --tries 1
assert_grep "warning: $TMP/v3/uki.efi is signed by another PCR key" "$E2E_LOGDIR/update-v3.log"
assert_eq "$(ab_entries)" "sealroot-2-b.efi sealroot-3-a+1.efi" "entries after the update to v3"
persist_sha=$(part_sha256 sealroot-persist)
t0=$(date +%s)
ab_boot a-other-key --args "sealroot_test=basic"
assert_locked_no_shell "$persist_sha"
assert_grep "holds no signature of PCR 11 by its key \(fingerprint $(jq -r .uki.pcr_signature.pkfp "$TMP/v1/manifest.json")\): this image was signed with another PCR key" "$BOOT_LOG"
assert_no_grep 'sealroot: stage persist ok' "$BOOT_LOG"
assert_eq "$(ab_entries)" "sealroot-2-b.efi sealroot-3-a+0-1.efi" "entries after v3's refused try"
assert_eq "$(persist_tokens)" "$tokens_a" "LUKS2 tokens after the refused boot"
ab_record "v3 signed with another PCR key: refused and locked in $(($(date +%s) - t0)) s (1 boot)"
