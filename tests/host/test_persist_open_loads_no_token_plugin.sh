#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 'persist open' loads libcryptsetup, libcrypto and tpm2-tss (dlopen()), and
# none of libcryptsetup's external token plugins: sealroot reads its
# systemd-tpm2 token itself, and systemd's plugin (installed in the systemd
# initramfs by dracut's tpm2-tss module) maps libsystemd-shared and a dozen
# libraries more, about 1.8 MiB of the stage's peak RSS (issue 15).  As the
# dynamic loader reports it (LD_DEBUG=libs).  Without tpm2-tss it fails
# closed, naming the library.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
img=$(new_image img)
run_expect_rc 0 provision "$img"
cryptsetup config --subsystem "" "$img" # as after mkfs+mount in the guest
swtpm_reboot
LD_DEBUG=libs LD_DEBUG_OUTPUT=$TMP/ld run_expect_rc 0 unshare -m "$SEALROOT" persist open \
	--cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate --mount-point "$TMP/sysroot/opt"
assert_grep "keyslot 0 accepts it" "$TMP/out"
sed -n 's/.*calling init: //p' "$TMP"/ld.* | xargs -n1 basename | sort -u >"$TMP/libs"
assert_grep '^libcryptsetup\.so\.12$' "$TMP/libs"
assert_grep '^libtss2-esys\.so\.0$' "$TMP/libs"
assert_grep '^libcrypto\.so\.3$' "$TMP/libs"
assert_no_grep '^libcryptsetup-token-' "$TMP/libs"
assert_no_grep '^libsystemd-shared' "$TMP/libs"

# Without tpm2-tss (the test build's hook makes it look absent) persist open
# fails closed: exit 1, one message naming the library (not the TPM), the
# volume untouched.
before=$(header_sum "$img")
swtpm_reboot
SEALROOT_TEST_DLOPEN_MISSING=libtss2-esys.so.0 run_expect_rc 1 unshare -m "$SEALROOT_TEST" persist open \
	--cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate --mount-point "$TMP/sysroot/opt"
assert_eq "$(grep -c "Cannot load libtss2-esys.so.0" "$TMP/out")" 1 "messages naming libtss2-esys"
assert_no_grep "No TPM2 reachable" "$TMP/out"
assert_eq "$(header_sum "$img")" "$before" "LUKS2 header after a failed open"
