#!/bin/bash
# A power cut while the LUKS2 header is being written leaves a device with no
# readable header and non-zero bytes.  sealroot marks the device (format
# intent at its end) before crypt_format and clears the mark once the header
# is complete, so the next boot starts over instead of refusing forever —
# while a device with the same bytes but no mark is still refused, and a
# complete volume never carries the mark.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
[ -x "$SEALROOT_TEST" ] || fail "missing $SEALROOT_TEST"

intent_at_end() { # IMG → prints the intent's first line, if any
	local size
	size=$(stat -c %s "$1")
	dd if="$1" bs=4096 skip=$((size / 4096 - 1)) count=1 status=none | head -c 64 | tr -d '\0'
}

# 1. Crash after the intent, before crypt_format wrote anything.
img=$(new_image cut-before-format)
rc=0
SEALROOT_FAULT_INJECT=after-intent "$SEALROOT_TEST" persist provision "$img" --cmdline "" \
	--tpm2-device "$TCTI" --no-activate --pcrs 7 >"$TMP/out" 2>&1 || rc=$?
assert_eq "$rc" 99 "exit status at fault point after-intent"
intent_at_end "$img" | grep -q "LUKS2 format in progress" || fail "no format intent on $img"
swtpm_reboot
run_expect_rc 0 provision "$img" --pcrs 7
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
[ -z "$(intent_at_end "$img")" ] || fail "a provisioned volume still carries the format intent"

# 2. Crash in the middle of the header write: a torn header (first 4 KiB of a
# real header, the rest of the header area never written) plus the intent.
src=$(new_image full-header)
run_expect_rc 0 provision "$src" --pcrs 7
img=$(new_image torn-header)
dd if="$src" of="$img" bs=4096 count=1 conv=notrunc status=none
dd if=/dev/urandom of="$img" bs=1 count=512 seek=8192 conv=notrunc status=none
# Torn for real: the magic may still be there, but no header can be read.
! cryptsetup luksDump "$img" >/dev/null 2>&1 || fail "the torn image still has a readable LUKS2 header"
cp "$img" "$TMP/torn-no-intent"
size=$(stat -c %s "$img")
printf 'sealroot: LUKS2 format in progress, v1\n' |
	dd of="$img" bs=4096 seek=$((size / 4096 - 1)) conv=notrunc,sync status=none
swtpm_reboot
run_expect_rc 0 provision "$img" --pcrs 7
assert_grep "was writing its LUKS2 header when the boot ended" "$TMP/out"
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"

# 3. The same torn bytes without the intent: refused, nothing written.
before=$(sha256sum <"$TMP/torn-no-intent")
run_expect_rc 1 provision "$TMP/torn-no-intent" --pcrs 7
assert_grep "refusing to format it" "$TMP/out"
assert_eq "$(sha256sum <"$TMP/torn-no-intent")" "$before" "device untouched"

# 4. A filesystem plus a (stale or planted) intent: still refused.
img=$(new_image fs-with-intent)
mkfs.ext4 -q -F "$img"
size=$(stat -c %s "$img")
printf 'sealroot: LUKS2 format in progress, v1\n' |
	dd of="$img" bs=4096 seek=$((size / 4096 - 1)) conv=notrunc,sync status=none
before=$(sha256sum <"$img")
run_expect_rc 1 provision "$img" --pcrs 7
assert_grep "it holds ext4; refusing to format it" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "filesystem untouched"
echo ok
