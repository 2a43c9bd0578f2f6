#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The console recovery key prompt gives up after sealroot.recovery_timeout=
# (a failure, so the unlock-failure policy applies) instead of waiting
# forever; a key typed in time is still accepted.  The report's steps show
# the way each took: the volatile tmpfs "mounted" after PCR 15 was
# "measured", the recovery key's "keyslot" with nothing "unsealed".  The prompt runs on a
# pseudo-terminal made by script(1) (SEALROOT_TEST_CONSOLE=/dev/tty, test
# builds only) on a volume with no TPM2 token, so the TPM cannot unlock it.
source "$(dirname "$0")/lib-persist.sh"
command -v script >/dev/null || fail "script missing (package bsdutils)"
persist_setup
[ -x "$SEALROOT_TEST" ] || fail "missing $SEALROOT_TEST"

key=cbdefghi-jklnrtuv-cbdefghi-jklnrtuv-cbdefghi-jklnrtuv-cbdefghi-jklnrtuv
img=$(new_image img 32M)
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file <(printf %s "$key") "$img"

# prompt CMDLINE: persist open on a terminal whose input is stdin, in its
# own mount namespace (the volatile policy mounts a tmpfs).
prompt() {
	timeout 60 script -qec "unshare -m env SEALROOT_TEST_CONSOLE=/dev/tty '$SEALROOT_TEST' persist open \
		--cmdline '$1' --device '$img' --tpm2-device '$TCTI' --no-activate" /dev/null
}
duration_ms() { jq -r '.stages[-1].duration_us / 1000 | floor' "$SEALROOT_REPORT"; }

note "nobody types: gives up after 2 s"
before=$(sha256sum <"$img")
run_expect_rc 1 prompt "sealroot.recovery=ask sealroot.recovery_timeout=2" < <(sleep 30)
assert_grep "Recovery key for $img \(input hidden, 2 s\)" "$TMP/out"
assert_grep "No recovery key was entered for $img within 2 s \(sealroot.recovery_timeout=\); giving up" "$TMP/out"
assert_eq "$(jq -r '.stages[-1].result' "$SEALROOT_REPORT")" failed "report result"
ms=$(duration_ms)
[ "$ms" -ge 2000 ] && [ "$ms" -lt 10000 ] || fail "the prompt gave up after $ms ms, expected about 2000"
assert_eq "$(sha256sum <"$img")" "$before" "image after the timeout"

note "the volatile policy then applies"
run_expect_rc 0 prompt "sealroot.recovery=ask sealroot.recovery_timeout=1 sealroot.on_unlock_failure=volatile \
	sealroot.sysroot=$TMP/sysroot" < <(sleep 30)
assert_grep "No recovery key was entered" "$TMP/out"
assert_eq "$(jq -r '.stages[-1].action' "$SEALROOT_REPORT")" volatile "action after the timeout"
assert_steps persist "device classified tpm measured mounted"

note "a key typed in time unlocks"
run_expect_rc 0 prompt "sealroot.recovery=ask sealroot.recovery_timeout=10" \
	< <(sleep 1; printf '%s\n' "$key"; sleep 30)
assert_grep "Recovery key accepted by keyslot 0 of $img" "$TMP/out"
assert_eq "$(jq -r '.stages[-1].token_type' "$SEALROOT_REPORT")" recovery "token type"
assert_steps persist "device classified tpm keyslot measured"
echo "ok: the recovery prompt times out"
