#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The UKI carries .osrel/.cmdline/.linux/.initrd with the root hash on its
# command line, is signed by the given key, and only that certificate verifies it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
out=$TMP/build
mkimage_build "$out" --raw-only --version 1.2.3 --cmdline "quiet sealroot.debug"
uki=$out/uki.efi
rh=$(cat "$out/roothash.txt")

objdump -h "$uki" >"$TMP/sections" || fail "objdump cannot read $uki"
for s in .osrel .cmdline .linux .initrd; do
	assert_grep "^ +[0-9]+ +\\$s " "$TMP/sections"
done
# Sections follow the stub's own, in order, without overlapping.
end=0
while read -r idx name size vma _; do
	[[ "$idx" =~ ^[0-9]+$ ]] || continue
	[ $((0x$vma)) -ge "$end" ] || fail "UKI section $name at 0x$vma overlaps the previous one"
	end=$((0x$vma + 0x$size))
done <"$TMP/sections"
objcopy --dump-section .cmdline="$TMP/cmdline" --dump-section .osrel="$TMP/osrel" \
	--dump-section .linux="$TMP/linux" --dump-section .initrd="$TMP/initrd.sect" "$uki" "$TMP/uki.copy" ||
	fail "cannot extract sections from $uki"
assert_grep "^roothash=$rh systemd\\.verity_root_options=restart-on-corruption root=/dev/mapper/root rootfstype=erofs ro console=ttyS0 rd\\.shell=0 rd\\.emergency=reboot quiet sealroot\\.debug\$" "$TMP/cmdline"
assert_eq "$(cat "$TMP/cmdline")" "$(cat "$out/cmdline.txt")" ".cmdline section vs cmdline.txt"
assert_grep '^IMAGE_VERSION=1\.2\.3$' "$TMP/osrel"
assert_grep '^ID=sealroot-test$' "$TMP/osrel"
cmp -s "$TMP/linux" "$(jq -r .inputs.kernel "$out/manifest.json")" || fail ".linux is not the kernel"
cmp -s "$TMP/initrd.sect" "$TMP/initrd.cpio" || fail ".initrd is not the given initrd"

# Signed by the snakeoil key (default); another certificate must not verify it.
sbverify --cert "$SNAKEOIL_PEM" "$uki" >"$TMP/sbv" 2>&1 || { cat "$TMP/sbv"; fail "sbverify rejected the snakeoil-signed UKI"; }
cmp -s "$out/signing-cert.pem" "$SNAKEOIL_PEM" || fail "signing-cert.pem is not the signing certificate"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other -days 1 \
	-keyout "$TMP/other.key" -out "$TMP/other.pem" >/dev/null 2>&1 || fail "openssl req failed"
run_expect_rc 1 sbverify --cert "$TMP/other.pem" "$uki"

# Signed with our own key: that cert verifies, snakeoil does not.
mkimage_build "$TMP/build2" --raw-only --key "$TMP/other.key" --cert "$TMP/other.pem"
sbverify --cert "$TMP/other.pem" "$TMP/build2/uki.efi" >/dev/null 2>&1 || fail "sbverify rejected a UKI signed with --key/--cert"
run_expect_rc 1 sbverify --cert "$SNAKEOIL_PEM" "$TMP/build2/uki.efi"

# --no-sign: no signature, no certificate artifact.
mkimage_build "$TMP/build3" --raw-only --no-sign
run_expect_rc 1 sbverify --cert "$SNAKEOIL_PEM" "$TMP/build3/uki.efi"
assert_no_file "$TMP/build3/signing-cert.pem"
echo "ok: UKI sections, cmdline, signature"
