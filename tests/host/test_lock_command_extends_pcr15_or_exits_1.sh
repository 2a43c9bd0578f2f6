#!/bin/bash
# 'sealroot lock [--reason WORD]' extends PCR 15 with SHA-256("sealroot:
# failure:WORD") (default "emergency"), so the genuine key no longer
# unseals; it takes the TPM from sealroot.tpm2_device=, records a "lock"
# report stage, exits 2 for a bad WORD and 1 when no TPM can be reached.  It
# unmounts every mount of /dev/mapper/NAME (a loop device stands in for it
# through a test-only sysfs view) and exits 1 while the mapping is still
# there.  A stage command that fails inside the initramfs locks the same way
# ("failure:verity", "failure:layout"); outside it, it leaves PCR 15 alone.
source "$(dirname "$0")/lib-lock.sh"
persist_setup
img=$(new_image img)
run_expect_rc 0 provision "$img"

note "default reason, TPM from the kernel command line"
swtpm_reboot
run_expect_rc 0 "$SEALROOT" lock --cmdline "sealroot.tpm2_device=$TCTI"
assert_grep "locked: PCR 15 extended \(failure:emergency\), no open /dev/mapper/sealroot-persist" \
	"$TMP/out"
want=$(extend $ZERO32 "$(event_digest failure:emergency)")
expect_pcr15 "$want" "sealroot lock"
jq -e --arg v "$want" '.stages[-1] | .name == "lock" and .reason == "emergency" and
	.lock_measured == "failure:emergency" and .pcr15 == $v and .result == "ok"' \
	"$SEALROOT_REPORT" >/dev/null || { cat "$SEALROOT_REPORT"; fail "report: lock stage"; }
run_expect_rc 1 "$SEALROOT" persist check "$img" --tpm2-device "$TCTI"

note "--reason, --tpm2-device; repeated locks keep extending"
run_expect_rc 0 "$SEALROOT" lock --reason fsck-2 --tpm2-device "$TCTI" --cmdline ""
want=$(extend "$want" "$(event_digest failure:fsck-2)")
expect_pcr15 "$want" "sealroot lock --reason fsck-2"

note "bad reasons are usage errors and extend nothing"
for bad in "" "Emergency" "a:b" "x y" "abcdefghijklmnopqrstuvwxyz0123456"; do
	run_expect_rc 2 "$SEALROOT" lock --reason "$bad" --tpm2-device "$TCTI" --cmdline ""
done
run_expect_rc 2 "$SEALROOT" lock --tpm2-device "$TCTI" --cmdline "" extra
run_expect_rc 2 "$SEALROOT" lock --bogus
expect_pcr15 "$want" "after refused lock calls"

note "no TPM: exit 1 (the caller reboots instead of giving a shell)"
run_expect_rc 1 "$SEALROOT" lock --tpm2-device "swtpm:host=127.0.0.1,port=1" --cmdline ""
assert_grep "NOT locked: PCR 15 NOT extended" "$TMP/out"
jq -e '.stages[-1] | .name == "lock" and .result == "failed"' "$SEALROOT_REPORT" >/dev/null ||
	{ cat "$SEALROOT_REPORT"; fail "report: failed lock"; }

note "the volume's mounts are detached, deepest first"
swtpm_reboot
truncate -s 16M "$TMP/fs.img"
mkfs.ext4 -q "$TMP/fs.img"
loop=$(losetup --find --show "$TMP/fs.img")
cleanup_add "losetup -d $loop"
mkdir -p "$TMP/sys/block/dm-7/dm" "$TMP/mnt/opt" "$TMP/mnt/etc/ssh"
echo sealroot-persist >"$TMP/sys/block/dm-7/dm/name"
cat "/sys/class/block/$(basename "$loop")/dev" >"$TMP/sys/block/dm-7/dev"
rc=0
SEALROOT_TEST_SYSFS=$TMP/sys unshare -m bash -c '
	set -e
	mount "$1" "$2/mnt/opt"
	mkdir -p "$2/mnt/opt/ssh"
	mount --bind "$2/mnt/opt/ssh" "$2/mnt/etc/ssh"
	rc=0; "$3" lock --tpm2-device "$4" --cmdline "" >"$2/out" 2>&1 || rc=$?
	findmnt -rn -o TARGET | grep -F "$2/mnt" >"$2/left" || true
	exit $rc' _ "$loop" "$TMP" "$SEALROOT_TEST" "$TCTI" || rc=$?
cat "$TMP/out"
assert_eq "$rc" 1 "exit status while the (stand-in) mapping is still there"
assert_eq "$(cat "$TMP/left")" "" "mounts of the volume left after sealroot lock"
assert_grep "Unmounted $TMP/mnt/etc/ssh" "$TMP/out"
assert_grep "Unmounted $TMP/mnt/opt" "$TMP/out"
[ "$(grep -n Unmounted "$TMP/out" | head -1 | grep -c etc/ssh)" = 1 ] ||
	fail "the deeper mount was not detached first"
assert_grep "/dev/mapper/sealroot-persist is still there" "$TMP/out"
expect_pcr15 "$(extend $ZERO32 "$(event_digest failure:emergency)")" "lock with an open volume"

note "a stage that fails in the initramfs locks in-process"
swtpm_reboot
SEALROOT_TEST_INITRD=1 run_expect_rc 1 "$SEALROOT_TEST" verity open --no-activate \
	--cmdline "sealroot.tpm2_device=$TCTI"
assert_grep "locked: PCR 15 extended \(failure:verity\)" "$TMP/out"
want=$(extend $ZERO32 "$(event_digest failure:verity)")
expect_pcr15 "$want" "verity open failed"
SEALROOT_TEST_INITRD=1 run_expect_rc 1 "$SEALROOT_TEST" layout apply --root "$TMP/no-such-root" \
	--cmdline "sealroot.tpm2_device=$TCTI"
want=$(extend "$want" "$(event_digest failure:layout)")
expect_pcr15 "$want" "layout apply failed"
SEALROOT_TEST_INITRD=1 run_expect_rc 2 "$SEALROOT_TEST" persist open --tpm2-device "$TCTI" --bogus
want=$(extend "$want" "$(event_digest failure:persist)")
expect_pcr15 "$want" "persist open usage error"

note "... and outside the initramfs it leaves PCR 15 alone"
SEALROOT_TEST_INITRD=0 run_expect_rc 1 "$SEALROOT_TEST" verity open --no-activate \
	--cmdline "sealroot.tpm2_device=$TCTI"
expect_pcr15 "$want" "verity open failed outside the initramfs"
echo "ok: sealroot lock"
