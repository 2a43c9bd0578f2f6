#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Each sealroot command maps only the libraries it calls (issue 15): the
# binary links libc, libblkid and json-c; libcryptsetup, libcrypto and
# tpm2-tss are dlopen()ed by the stage that uses them.  As the dynamic
# loader itself reports it (LD_DEBUG=libs):
# - layout apply of the default layout at a boot that seeds or merges
#   nothing (the second boot of one image) and status load none of the
#   three (the first boot hashes what it seeds: libcrypto);
# - verity verify loads libcryptsetup and libcrypto, not tpm2-tss;
# - lock with no volume open loads tpm2-tss (to extend PCR 15), not
#   libcryptsetup.
# And a library or symbol that is missing (the test build's
# SEALROOT_TEST_DLOPEN_MISSING) fails the command (exit 1) with one message
# naming it, before any device or TPM is touched.
source "$(dirname "$0")/lib-layout.sh"

# The basenames of the libraries a process initialised, from LD_DEBUG files $1.*
libs_of() {
	sed -n 's/.*calling init: //p' "$1".* | xargs -n1 basename | sort -u
	rm -f "$1".*
}
TSS2='libtss2-(esys|sys|mu|rc|tctildr)\.so'

note "layout apply (second boot) and status: no libcryptsetup, libcrypto or tpm2-tss"
scratch_init
image_default
rh=$(printf '%064d' 1)
boot '"$SEALROOT" layout apply --cmdline "roothash='"$rh"'" --root "$R" "$LAYOUT" >"$S/out" 2>&1 ||
	{ cat "$S/out" >&2; exit 1; }'
boot 'LD_DEBUG=libs LD_DEBUG_OUTPUT=$S/ld "$SEALROOT" layout apply --cmdline "roothash='"$rh"'" \
	--root "$R" "$LAYOUT" >"$S/out" 2>&1 || { cat "$S/out" >&2; exit 1; }'
libs_of "$S/ld" >"$TMP/libs"
assert_grep '^libjson-c\.so' "$TMP/libs"
assert_no_grep "^(libcryptsetup|libcrypto|$TSS2)" "$TMP/libs"
LD_DEBUG=libs LD_DEBUG_OUTPUT=$TMP/ld "$SEALROOT" status >"$TMP/out" 2>&1 ||
	{ cat "$TMP/out" >&2; fail "sealroot status failed after layout apply"; }
libs_of "$TMP/ld" >"$TMP/libs"
assert_no_grep "^(libcryptsetup|libcrypto|$TSS2)" "$TMP/libs"

note "verity verify: libcryptsetup and libcrypto, no tpm2-tss"
cd "$TMP"
dd if=/dev/urandom of=data.img bs=4096 count=16 status=none
veritysetup format data.img hash.img >fmt.txt
RH=$(awk '/^Root hash:/ {print $3}' fmt.txt)
[ ${#RH} -eq 64 ] || fail "no root hash from veritysetup"
verify() { "$1" verity verify --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH" data.img hash.img; }
LD_DEBUG=libs LD_DEBUG_OUTPUT=$TMP/ld verify "$SEALROOT" >"$TMP/out" 2>&1 ||
	{ cat "$TMP/out" >&2; fail "verity verify of a good image failed"; }
libs_of "$TMP/ld" >"$TMP/libs"
assert_grep '^libcryptsetup\.so\.12$' "$TMP/libs"
assert_grep '^libcrypto\.so\.3$' "$TMP/libs"
assert_no_grep "^$TSS2" "$TMP/libs"

note "lock with nothing open: tpm2-tss, no libcryptsetup"
port=$(free_port) || fail "no free port"
lock() { "$1" lock --reason test --name "sealroot-test-none-$$" --cmdline quiet \
	--tpm2-device "swtpm:host=127.0.0.1,port=$port"; }
# No TPM listens on the port: the lock fails closed (exit 1) after loading tpm2-tss.
LD_DEBUG=libs LD_DEBUG_OUTPUT=$TMP/ld run_expect_rc 1 lock "$SEALROOT"
libs_of "$TMP/ld" >"$TMP/libs"
assert_grep '^libtss2-esys\.so\.0$' "$TMP/libs"
assert_grep '^libtss2-tctildr\.so\.0$' "$TMP/libs"
assert_no_grep '^libcryptsetup' "$TMP/libs"

note "a missing library or symbol: exit 1, one message naming it"
missing() { # NAME MESSAGE CMD…
	local name=$1 msg=$2
	shift 2
	SEALROOT_TEST_DLOPEN_MISSING=$name run_expect_rc 1 "$@"
	assert_eq "$(grep -cF "$msg" "$TMP/out")" 1 "messages '$msg' for a missing $name"
}
missing libcryptsetup.so.12 "Cannot load libcryptsetup.so.12, needed for dm-verity and LUKS2" \
	verify "$SEALROOT_TEST"
missing libcrypto.so.3 "Cannot load libcrypto.so.3, needed for digests" verify "$SEALROOT_TEST"
missing crypt_load "libcryptsetup.so.12 has no symbol crypt_load" verify "$SEALROOT_TEST"
assert_no_grep "root hash matches" "$TMP/out"
missing libtss2-esys.so.0 "Cannot load libtss2-esys.so.0, needed for the TPM2" lock "$SEALROOT_TEST"
assert_no_grep "no TPM2 reachable" "$TMP/out" # the library is to blame, not the TPM
missing Esys_PCR_Extend "libtss2-esys.so.0 has no symbol Esys_PCR_Extend" lock "$SEALROOT_TEST"
assert_grep "NOT locked" "$TMP/out"
# Without the hook the same commands get past the loading.
run_expect_rc 0 verify "$SEALROOT_TEST"
run_expect_rc 1 lock "$SEALROOT_TEST"
assert_no_grep "Cannot load|has no symbol" "$TMP/out"

note "persist unlock loads its libraries while it waits for the partition"
# The partition never appears (discover gives up after 1 s), no TPM listens:
# the stage fails closed.  libcryptsetup is loaded all the same, before the
# wait: nothing after a missing partition needs it (the lock opens it only for
# an open volume), so only the warm-up loads it (persist_warm.h).
unlock() { "$1" persist unlock --cmdline "sealroot.persist=PARTLABEL=sealroot-test-absent-$$ sealroot.device_timeout=1s" \
	--tpm2-device "swtpm:host=127.0.0.1,port=$port"; }
LD_DEBUG=libs LD_DEBUG_OUTPUT=$TMP/ld run_expect_rc 1 unlock "$SEALROOT"
assert_grep "was not found" "$TMP/out"
libs_of "$TMP/ld" >"$TMP/libs"
assert_grep '^libcryptsetup\.so\.12$' "$TMP/libs"
assert_grep '^libtss2-esys\.so\.0$' "$TMP/libs"
assert_grep '^libcrypto\.so\.3$' "$TMP/libs"
# A library missing at the warm-up: one message, and the stage still ends as
# it would have (failed closed, the partition reported missing).
missing libcryptsetup.so.12 "Cannot load libcryptsetup.so.12, needed for dm-verity and LUKS2" \
	unlock "$SEALROOT_TEST"
assert_grep "was not found" "$TMP/out"

note "verity open whose disk never appears: its libraries loaded while it waited"
# The verity stage warms up the same way (warm.h): libcryptsetup and
# libcrypto before the wait, no tpm2-tss.
vopen() { "$1" verity open --cert-dir "$TMP/nocerts" --cmdline "roothash=$RH systemd.verity_root_data=PARTLABEL=sealroot-test-absent-$$ sealroot.device_timeout=1s"; }
LD_DEBUG=libs LD_DEBUG_OUTPUT=$TMP/ld run_expect_rc 1 vopen "$SEALROOT"
assert_grep "data device PARTLABEL=sealroot-test-absent-$$ not found" "$TMP/out"
libs_of "$TMP/ld" >"$TMP/libs"
assert_grep '^libcryptsetup\.so\.12$' "$TMP/libs"
assert_grep '^libcrypto\.so\.3$' "$TMP/libs"
assert_no_grep "$TSS2" "$TMP/libs"
missing libcryptsetup.so.12 "Cannot load libcryptsetup.so.12, needed for dm-verity and LUKS2" \
	vopen "$SEALROOT_TEST"
assert_grep "not found" "$TMP/out"
