#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 'persist unlock' creates the ECC storage primary key and starts one salted
# policy session before its partition appears (tpm2_prestart.h).  That
# session serves one unseal attempt, and only a token whose primary is ECC:
# - two systemd-cryptenroll tokens: token 0 (signed PCR 11 policy) runs its
#   attempt in the pre-started session and is refused by the TPM (its PCR
#   signature was altered: TPM2_VerifySignature fails after PolicyPCR in that
#   session); token 1 then unseals in a session of its own, and the volume
#   unlocks;
# - the PCRs change between PolicyPCR and Unseal in the pre-started session
#   (a relay extends PCR 9 right before the first Unseal reaches the swtpm:
#   TPM_RC_PCR_CHANGED): the retry runs in a new session and unseals;
# - a token whose primary is RSA (systemd's fallback on TPMs without ECC,
#   here made with tpm2-tools from the same templates): the pre-started ECC
#   primary is put away, the RSA one created, and the volume unlocks;
# - a blank partition (the unlock defers it): the pre-start is put away;
# - no TPM at the pre-start: nothing said about it (debug only), and the
#   unlock fails as it did without a pre-start, naming the missing TPM2.
# After every unlock no object and no session is left in the TPM (swtpm has
# no resource manager that would flush them when the connection closes).
source "$(dirname "$0")/lib-persist.sh"
source "$(dirname "$0")/lib-pcrsig.sh"
command -v systemd-cryptenroll >/dev/null || fail "systemd-cryptenroll missing (package systemd)"
persist_setup
export SEALROOT_RUN_DIR=$TMP/run # the unlock's handoff
prestarted="unsealing under the primary key and with the policy session started before"

luks_image() { # NAME: a LUKS2 image whose keyslot 0 takes $TMP/pass
	local img
	img=$(new_image "$1" 32M)
	cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--key-file "$TMP/pass" "$img"
	echo "$img"
}
nothing_left() { # WHAT: no transient object or session left in the TPM
	assert_eq "$(tpm2_getcap handles-transient)" "" "transient objects left after $1"
	assert_eq "$(tpm2_getcap handles-loaded-session)" "" "sessions left after $1"
}
unlock() { # IMG [CMDLINE]: a new boot, then the unlock
	swtpm_reboot
	uki_enter_initrd
	run_expect_rc 0 "$SEALROOT" --verbose persist unlock --cmdline "${2:-}" --device "$1" \
		--tpm2-device "$TCTI" --no-activate
	assert_grep "persist: unlocked" "$TMP/out"
	assert_steps persist "device classified tpm unsealed keyslot measured"
	nothing_left "the unlock of $1"
}
printf 'initial-passphrase' >"$TMP/pass"

note "the first token's attempt used the pre-started session; the second starts its own"
uki_enter_initrd
pcr_key builder
measure_sign builder "$TMP/sig.json"
img=$(luks_image two)
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$TCTI" --tpm2-pcrs=7 \
	--tpm2-public-key="$TMP/builder.pem" --tpm2-public-key-pcrs=11 "$img" >"$TMP/enroll" 2>&1 ||
	{ cat "$TMP/enroll"; fail "systemd-cryptenroll (signed) failed"; }
PASSWORD=initial-passphrase systemd-cryptenroll --tpm2-device="$TCTI" --tpm2-pcrs=7 "$img" \
	>"$TMP/enroll" 2>&1 || { cat "$TMP/enroll"; fail "systemd-cryptenroll (PCR 7) failed"; }
assert_eq "$(token_json "$img" 0 | jq -r '.tpm2_pubkey_pcrs | length')" 1 "token 0 is the signed one"
jq -r '.sha256[0].sig' "$TMP/sig.json" | base64 -d >"$TMP/sig.bin"
flip_byte "$TMP/sig.bin" 17
jq -c --arg s "$(base64 -w0 <"$TMP/sig.bin")" '.sha256[0].sig = $s' "$TMP/sig.json" >"$TMP/bad-sig.json"
unlock "$img" "sealroot.tpm2_pcr_signature=$TMP/bad-sig.json"
assert_grep "The TPM2 refused the PCR signature for token 0 of $img" "$TMP/out"
assert_grep "Unsealed token 1 of $img with the TPM2" "$TMP/out"
assert_eq "$(grep -c "$prestarted" "$TMP/out")" 1 "unseals in the pre-started session"

note "PCRs changed during the first attempt: the retry starts its own session"
swtpm_reboot # PCR 15 back to zero, for the seal and the unseal
img=$(new_image retry)
run_expect_rc 0 provision "$img"
cryptsetup config --subsystem "" "$img" # provisioned: as after its first mount
relay_start extend-before-unseal
run_expect_rc 0 "$SEALROOT" --verbose persist unlock --cmdline "" --device "$img" \
	--tpm2-device "$RELAY_TCTI" --no-activate
assert_grep "injected PCR_Extend\(9\): rc 0x0" "$TMP/relay.err"
assert_grep "TPM2 PCRs changed during unseal, retrying" "$TMP/out"
assert_eq "$(grep -c "$prestarted" "$TMP/out")" 1 "unseals in the pre-started session"
assert_grep "persist: unlocked" "$TMP/out"
nothing_left "the unlock with a retry"

note "an RSA primary: the pre-started ECC one is put away"
tpm2_createpolicy -Q --policy-pcr -l sha256:7 -L "$TMP/policy.bin"
tpm2_createprimary -Q -C o -g sha256 -G rsa2048:null:aes128cfb -c "$TMP/rsa.ctx" \
	-a 'restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth'
tpm2_flushcontext -t
head -c 32 /dev/urandom >"$TMP/secret"
tpm2_create -Q -C "$TMP/rsa.ctx" -g sha256 -a 'fixedtpm|fixedparent' -L "$TMP/policy.bin" \
	-i "$TMP/secret" -u "$TMP/o.pub" -r "$TMP/o.priv"
tpm2_flushcontext -t
printf '%s' "$(base64 -w0 <"$TMP/secret")" >"$TMP/rsa-pass" # as systemd turns it into a passphrase
img=$(luks_image rsa)
cryptsetup luksAddKey -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$TMP/pass" \
	"$img" "$TMP/rsa-pass"
jq -nc --arg blob "$(cat "$TMP/o.priv" "$TMP/o.pub" | base64 -w0)" \
	--arg pol "$(od -An -v -tx1 "$TMP/policy.bin" | tr -d ' \n')" \
	'{type: "systemd-tpm2", keyslots: ["1"], "tpm2-blob": $blob, "tpm2-pcrs": [7],
	  "tpm2-pcr-bank": "sha256", "tpm2-primary-alg": "rsa", "tpm2-policy-hash": $pol,
	  "tpm2-pin": false}' >"$TMP/rsa.json"
cryptsetup token import --token-id 0 --json-file "$TMP/rsa.json" "$img"
unlock "$img"
assert_grep "Unsealed token 0 of $img with the TPM2; keyslot 1 accepts it" "$TMP/out"
assert_no_grep "$prestarted" "$TMP/out"

note "a blank partition: the unlock defers it and puts the pre-start away"
blank=$(new_image blank)
swtpm_reboot
run_expect_rc 0 "$SEALROOT" persist unlock --cmdline "" --device "$blank" --tpm2-device "$TCTI" \
	--no-activate
assert_steps persist "device classified"
nothing_left "the deferred unlock"

note "no TPM: the pre-start says nothing, the unlock names the missing TPM2"
nowhere="swtpm:host=127.0.0.1,port=$(free_port)"
run_expect_rc 1 "$SEALROOT" persist unlock --cmdline "" --device "$img" --tpm2-device "$nowhere" \
	--no-activate
assert_grep "No TPM2 reachable through \"$nowhere\" for $img" "$TMP/out"
assert_no_grep "pre-start" "$TMP/out"
run_expect_rc 1 "$SEALROOT" --verbose persist unlock --cmdline "" --device "$img" \
	--tpm2-device "$nowhere" --no-activate
assert_grep "debug: TPM2 pre-start through \"$nowhere\" failed" "$TMP/out"
echo "ok: the pre-started session serves one attempt of an ECC token"
