#!/bin/bash
# 'sealroot verity open' on the host, where there is no device-mapper: a
# correct image still cannot be activated, so open must fail closed — exit 1,
# a clear message naming the devices, no /dev/mapper device.  Everything that
# must be refused before activation is refused for its own reason.
source "$(dirname "$0")/../lib.sh"

cd "$TMP"
export SEALROOT_REPORT=$TMP/report.json
dd if=/dev/urandom of=data.img bs=4096 count=256 status=none
veritysetup format data.img hash.img >fmt.txt
RH=$(awk '/^Root hash:/ {print $3}' fmt.txt)
DATA=$(losetup -f --show --read-only data.img)
cleanup_add "losetup -d $DATA"
HASH=$(losetup -f --show --read-only hash.img)
cleanup_add "losetup -d $HASH"
NAME="sealroot-test-$$"
DEVS="systemd.verity_root_data=$DATA systemd.verity_root_hash=$HASH sealroot.device_timeout=1s"

# The checks that need a host WITHOUT dm-verity run only there; every other
# check runs everywhere, and on a host with dm-verity the test ends as skipped.
no_dm=1
dmsetup targets 2>/dev/null | grep -q verity && no_dm=""

if [ -n "$no_dm" ]; then
	note "correct image, no device-mapper: exit 1, names the devices, no mapping"
	run_expect_rc 1 "$SEALROOT" verity open --cert-dir "$TMP/nocerts" --name "$NAME" --cmdline "roothash=$RH $DEVS"
	assert_grep "Failed to activate /dev/mapper/$NAME \(data $DATA, hash $HASH\)" "$TMP/out"
	assert_grep "dm_verity" "$TMP/out"
	assert_no_file "/dev/mapper/$NAME"
fi

note "no roothash= is refused before anything else"
run_expect_rc 1 "$SEALROOT" verity open --cert-dir "$TMP/nocerts" --cmdline "quiet $DEVS"
assert_grep "no roothash= on the kernel command line" "$TMP/out"

note "wrong root hash is refused before activation"
WRONG=$(printf '%s' "$RH" | tr '0-9a-f' '1-9a-f0')
run_expect_rc 1 "$SEALROOT" verity open --cert-dir "$TMP/nocerts" --name "$NAME" --cmdline "roothash=$WRONG $DEVS"
assert_grep "root hash mismatch" "$TMP/out"
assert_no_grep "Failed to activate" "$TMP/out"

note "damaged top of the hash tree is refused before activation"
cp hash.img bad-hash.img
flip_byte bad-hash.img 4100
BAD=$(losetup -f --show --read-only bad-hash.img)
cleanup_add "losetup -d $BAD"
run_expect_rc 1 "$SEALROOT" verity open --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH systemd.verity_root_data=$DATA systemd.verity_root_hash=$BAD"
assert_grep "root hash mismatch.*$BAD" "$TMP/out"

note "missing hash device is refused"
run_expect_rc 1 "$SEALROOT" verity open --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH systemd.verity_root_data=$DATA systemd.verity_root_hash=PARTLABEL=nope-$$ sealroot.device_timeout=200ms"
assert_grep "hash device PARTLABEL=nope-$$ not found" "$TMP/out"

note "certificates shipped, no signature: refused"
mkdir certs
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out certs/c.pem -days 1 -subj "/CN=t" \
	-addext keyUsage=digitalSignature -addext extendedKeyUsage=codeSigning 2>/dev/null
run_expect_rc 1 "$SEALROOT" verity open --cert-dir certs --cmdline "roothash=$RH $DEVS"
assert_grep "signature is required" "$TMP/out"

note "valid signature checked in userspace, then activation still fails closed without dm"
printf '%s' "$RH" >rh.txt
openssl smime -sign -nocerts -noattr -binary -in rh.txt -inkey k.pem -signer certs/c.pem -outform der -out rh.p7s
run_expect_rc 0 "$SEALROOT" verity open --no-activate --cert-dir certs --cmdline "roothash=$RH $DEVS systemd.verity_root_options=root-hash-signature=$TMP/rh.p7s"
if [ -n "$no_dm" ]; then
	run_expect_rc 1 "$SEALROOT" verity open --cert-dir certs --name "$NAME" --cmdline "roothash=$RH $DEVS systemd.verity_root_options=root-hash-signature=$TMP/rh.p7s"
	assert_grep "signature verified" "$TMP/out"
	# Verified in userspace: the kernel's "not supported" (no device-mapper
	# here) lets it go on with the root hash alone, which then fails.
	assert_grep "kernel could not check the root hash signature \(Operation not supported\); it was verified in userspace" "$TMP/out"
	assert_grep "Failed to activate /dev/mapper/$NAME" "$TMP/out"
	assert_no_file "/dev/mapper/$NAME"
	note "  ...but with no certificates only the kernel checks it: its refusal is final"
	run_expect_rc 1 "$SEALROOT" verity open --cert-dir "$TMP/nocerts" --name "$NAME" --cmdline "roothash=$RH $DEVS systemd.verity_root_options=root-hash-signature=$TMP/rh.p7s"
	assert_grep "The kernel refused the root hash signature for $NAME .*Not activating" "$TMP/out"
	assert_no_grep "kernel could not check|Failed to activate" "$TMP/out"
	assert_no_file "/dev/mapper/$NAME"
fi

note "a signature only the kernel could check is not reported (or used) as verified"
rm -f "$SEALROOT_REPORT"
run_expect_rc 0 "$SEALROOT" verity open --no-activate --cert-dir certs --cmdline "roothash=$RH $DEVS systemd.verity_root_options=root-hash-signature=$TMP/rh.p7s"
assert_eq "$(jq -r '.stages[] | select(.name == "verity") | .signature' "$SEALROOT_REPORT")" userspace "signature mode with certificates"
rm -f "$SEALROOT_REPORT"
run_expect_rc 0 "$SEALROOT" verity open --no-activate --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH $DEVS systemd.verity_root_options=root-hash-signature=$TMP/rh.p7s"
assert_grep "leaving the root hash signature to the kernel" "$TMP/out"
assert_eq "$(jq -r '.stages[] | select(.name == "verity") | .signature' "$SEALROOT_REPORT")" none "signature mode without certificates"

note "usage errors exit 2"
run_expect_rc 2 "$SEALROOT" verity
run_expect_rc 2 "$SEALROOT" verity frobnicate
run_expect_rc 2 "$SEALROOT" verity open extra-arg
run_expect_rc 2 "$SEALROOT" verity verify onlyone
run_expect_rc 2 "$SEALROOT" verity verify --name x a b
run_expect_rc 0 "$SEALROOT" verity --help
[ -n "$no_dm" ] ||
	skip "dm-verity works here: activation without device-mapper (fail closed) not checked; the other checks passed"
echo ok
