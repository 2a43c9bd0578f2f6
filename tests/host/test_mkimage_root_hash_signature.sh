#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --root-hash-sig signs the ASCII hex root hash (detached PKCS#7, DER) with
# the verity key; the signature is on the command line and verifies against
# the verity certificate only.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

mkimage_fixture
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=sealroot-verity-test -days 1 \
	-addext keyUsage=digitalSignature -addext extendedKeyUsage=codeSigning \
	-keyout "$TMP/v.key" -out "$TMP/v.pem" >/dev/null 2>&1 || fail "openssl req failed"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other -days 1 \
	-keyout "$TMP/o.key" -out "$TMP/o.pem" >/dev/null 2>&1 || fail "openssl req failed"
out=$TMP/build
mkimage_build "$out" --raw-only --root-hash-sig --verity-key "$TMP/v.key" --verity-cert "$TMP/v.pem"
assert_no_grep "warning" "$TMP/build.log"
rh=$(cat "$out/roothash.txt")
assert_file "$out/roothash.p7s"
printf '%s' "$rh" >"$TMP/content"

verify() {
	openssl smime -verify -binary -inform der -in "$1" -content "$TMP/content" \
		-certfile "$2" -CAfile "$2" -nointern -purpose any -out /dev/null
}
verify "$out/roothash.p7s" "$TMP/v.pem" >"$TMP/ssl.log" 2>&1 || { cat "$TMP/ssl.log"; fail "signature does not verify"; }
run_expect_rc 4 verify "$out/roothash.p7s" "$TMP/o.pem"
# The command line carries the same signature.
b64=$(sed -n 's/.*root-hash-signature=base64:\([A-Za-z0-9+\/=]*\).*/\1/p' "$out/cmdline.txt")
[ -n "$b64" ] || fail "no root-hash-signature=base64: on the command line"
base64 -d <<<"$b64" >"$TMP/sig.der"
cmp -s "$TMP/sig.der" "$out/roothash.p7s" || fail "command line signature differs from roothash.p7s"
assert_grep "systemd\\.verity_root_options=restart-on-corruption,root-hash-signature=base64:" "$out/cmdline.txt"
# A signature over a different root hash does not verify this one.
printf '%s' "$(printf '%s' "$rh" | tr '0-9a-f' '1-9a-f0')" >"$TMP/content"
run_expect_rc 4 verify "$out/roothash.p7s" "$TMP/v.pem"
assert_eq "$(jq -r .verity.root_hash_signature "$out/manifest.json")" true "manifest root_hash_signature"

# sealroot accepts the image with the verity cert trusted, and refuses it
# with only another cert trusted.
extract_part "$out/image.raw" "$out" root-a "$TMP/data"
extract_part "$out/image.raw" "$out" root-a-verity "$TMP/hash"
mkdir -p "$TMP/certs-ok" "$TMP/certs-other"
cp "$TMP/v.pem" "$TMP/certs-ok/verity.pem"
cp "$TMP/o.pem" "$TMP/certs-other/other.pem"
sealroot_verity_verify "$TMP/data" "$TMP/hash" "$(cat "$out/cmdline.txt")" "$TMP/certs-ok" ||
	{ cat "$TMP/sv.log"; fail "sealroot verity verify rejected the signed image"; }
rc=0
sealroot_verity_verify "$TMP/data" "$TMP/hash" "$(cat "$out/cmdline.txt")" "$TMP/certs-other" || rc=$?
assert_eq "$rc" 1 "sealroot verity verify with an untrusted signer"

# A verity certificate without the code-signing EKU (here the other one)
# still signs, with a warning that sealroot would refuse it from its certs.
mkimage_build "$TMP/build-o" --raw-only --no-sign --root-hash-sig --verity-key "$TMP/o.key" --verity-cert "$TMP/o.pem"
assert_grep "warning: .*o\.pem has no code-signing extended key usage" "$TMP/build.log"
assert_file "$TMP/build-o/roothash.p7s"

# --verity-key without --root-hash-sig is a usage error.
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/x" --verity-key "$TMP/v.key"
echo "ok: root hash signature verifies with the verity cert only"
