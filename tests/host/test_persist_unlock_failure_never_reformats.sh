#!/bin/bash
# Unlocking: PCR 15 is extended after every unseal so the secret cannot be
# unsealed twice in one boot; a changed PCR 7 makes check/open fail naming
# PCR 7 without touching the image; the default policy fails (exit 1), the
# volatile policy mounts an empty tmpfs (nosuid,nodev, like the partition
# it stands in for) and exits 0 with status "volatile".
source "$(dirname "$0")/lib-lock.sh"
persist_setup
img=$(new_image img)
run_expect_rc 0 provision "$img" --pcrs 7
cryptsetup config --subsystem "" "$img" # as after mkfs+mount in the guest
open_args=(persist open --cmdline "" --device "$img" --tpm2-device "$TCTI" --no-activate)

# 1. A normal unlock, then the lock PCR blocks a second unseal this boot.
run_expect_rc 0 "$SEALROOT" "${open_args[@]}"
assert_grep "persist: unlocked" "$TMP/out"
jq -e '.stages[-1].action == "unlocked"' "$SEALROOT_REPORT" >/dev/null || fail "report: unlocked"
[ "$(pcr15)" != "$ZERO32" ] || fail "PCR 15 was not extended after the unseal"
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "PCR 15 \(was 00000000…" "$TMP/out"
assert_grep "already unlocked once during this boot" "$TMP/out"
swtpm_reboot
run_expect_rc 0 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"

# 2. PCR 7 changes (new boot loader, Secure Boot db update...).
tpm2_pcrextend "7:sha256=$(printf 'new shim' | sha256sum | cut -d' ' -f1)"
before=$(sha256sum <"$img")
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"
assert_grep "PCR 7 \(was [0-9a-f]{8}…, now [0-9a-f]{8}…\) changed since enrollment" "$TMP/out"
assert_grep "Nothing was changed on disk" "$TMP/out"
assert_no_grep "PCR 15" "$TMP/out"

run_expect_rc 1 "$SEALROOT" "${open_args[@]}"
assert_grep "PCR 7 .* changed since enrollment" "$TMP/out"
jq -e '.stages[-1].action == "failed" and .stages[-1].result == "failed"' "$SEALROOT_REPORT" \
	>/dev/null || { cat "$SEALROOT_REPORT"; fail "report: failed"; }
assert_eq "$(sha256sum <"$img")" "$before" "image after failed unlocks"

# 3. Volatile policy: tmpfs at the mount point, loud warning, exit 0.
mp=$TMP/sysroot/opt
unshare -m bash -c '
	"$@" >"'"$TMP"'/out" 2>&1 || exit $?
	findmnt -n -o FSTYPE "'"$mp"'" >"'"$TMP"'/fstype"
	findmnt -n -o OPTIONS "'"$mp"'" >"'"$TMP"'/options"
' _ "$SEALROOT" persist open --cmdline "sealroot.on_unlock_failure=volatile" \
	--device "$img" --tpm2-device "$TCTI" --no-activate --mount-point "$mp" ||
	{ cat "$TMP/out"; fail "volatile open did not exit 0"; }
assert_eq "$(cat "$TMP/fstype")" tmpfs "mount point under the volatile policy"
assert_grep '(^|,)nosuid(,|$)' "$TMP/options"
assert_grep '(^|,)nodev(,|$)' "$TMP/options"
assert_grep "could NOT be unlocked" "$TMP/out"
assert_grep "EMPTY tmpfs" "$TMP/out"
jq -e '.stages[-1].action == "volatile"' "$SEALROOT_REPORT" >/dev/null ||
	{ cat "$SEALROOT_REPORT"; fail "report: volatile"; }
assert_eq "$(sha256sum <"$img")" "$before" "image after volatile fallback"

# ... also when the partition does not exist at all.
unshare -m bash -c '
	"$@" >"'"$TMP"'/out" 2>&1 || exit $?
	findmnt -n -o FSTYPE "'"$mp"'" >"'"$TMP"'/fstype"
' _ "$SEALROOT" persist open --tpm2-device "$TCTI" --no-activate --mount-point "$mp" --cmdline \
	"sealroot.persist=PARTLABEL=sealroot-no-such-part sealroot.device_timeout=1 sealroot.on_unlock_failure=volatile" ||
	{ cat "$TMP/out"; fail "volatile open without a partition did not exit 0"; }
assert_eq "$(cat "$TMP/fstype")" tmpfs "mount point without a partition"
assert_grep "PARTLABEL=sealroot-no-such-part was not found" "$TMP/out"
run_expect_rc 1 "$SEALROOT" persist open --tpm2-device "$TCTI" --no-activate --cmdline \
	"sealroot.persist=PARTLABEL=sealroot-no-such-part sealroot.device_timeout=1"

# 4. No TPM at all: explained, image untouched.
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "swtpm:host=127.0.0.1,port=1"
assert_grep "No TPM2 reachable" "$TMP/out"
assert_eq "$(sha256sum <"$img")" "$before" "image after no-TPM failure"
echo "ok: unlock failures are explained and safe"
