#!/bin/bash
# Root hash signatures checked in userspace against the certificates shipped
# in the initramfs (--cert-dir): a valid signature passes; a signature by
# another key, a tampered signature, a signature over another hash, a signer
# certificate not made for code signing (no code-signing extended key usage
# unless sealroot.verity_sig_eku= names its purpose, or a keyUsage without
# digitalSignature), or a missing signature when certificates are shipped all
# fail closed.
source "$(dirname "$0")/../lib.sh"

cd "$TMP"
dd if=/dev/urandom of=data.img bs=4096 count=64 status=none
veritysetup format data.img hash.img >fmt.txt
RH=$(awk '/^Root hash:/ {print $3}' fmt.txt)

mkcert() { # NAME [EKU [KU]]: self-signed certificate + key (default codeSigning, digitalSignature)
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days 1 \
		-subj "/CN=sealroot test $1" -addext "keyUsage=${3:-digitalSignature}" \
		-addext "extendedKeyUsage=${2:-codeSigning}" 2>/dev/null
}
sign() { # KEY-NAME TEXT OUT
	printf '%s' "$2" >"$3.txt"
	openssl smime -sign -nocerts -noattr -binary -in "$3.txt" -inkey "$1.key" -signer "$1.crt" \
		-outform der -out "$3"
}
mkcert good
mkcert other
mkdir certs other-certs empty-certs
cp good.crt certs/
cp other.crt other-certs/other.pem
sign good "$RH" good.p7s
sign other "$RH" other.p7s
sign good "$(printf '%s' "$RH" | tr 'a-f0-9' 'b-f0-9a')" wronghash.p7s
B64=$(base64 -w0 good.p7s)

V() { "$SEALROOT" verity verify "$@" data.img hash.img; }

note "valid signature (file) passes"
run_expect_rc 0 V --cert-dir certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/good.p7s"
assert_grep "signature valid" "$TMP/out"

note "valid signature (base64: inline) passes"
run_expect_rc 0 V --cert-dir certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=base64:$B64"

note "DER certificate with .crt suffix is accepted too"
mkdir dercerts
openssl x509 -in good.crt -outform der -out dercerts/good.crt
run_expect_rc 0 V --cert-dir dercerts --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/good.p7s"

note "signer certificate embedded in the signature, chaining to a shipped CA, passes"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj "/CN=sealroot test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=sealroot leaf" 2>/dev/null
printf 'keyUsage=digitalSignature\nextendedKeyUsage=codeSigning\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile leaf.ext \
	-out leaf.crt 2>/dev/null
printf '%s' "$RH" >rh.txt
openssl smime -sign -noattr -binary -in rh.txt -inkey leaf.key -signer leaf.crt -outform der -out leaf.p7s
mkdir ca-certs && cp ca.crt ca-certs/
run_expect_rc 0 V --cert-dir ca-certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/leaf.p7s"
note "  ...but an embedded self-signed certificate is not trusted"
openssl smime -sign -noattr -binary -in rh.txt -inkey other.key -signer other.crt -outform der -out embedded-other.p7s
run_expect_rc 1 V --cert-dir ca-certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/embedded-other.p7s"
assert_grep "signature is not valid" "$TMP/out"

note "  ...and a leaf without the code-signing extended key usage is not either"
openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out leaf-noeku.crt 2>/dev/null
openssl smime -sign -noattr -binary -in rh.txt -inkey leaf.key -signer leaf-noeku.crt -outform der -out leaf-noeku.p7s
run_expect_rc 1 V --cert-dir ca-certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/leaf-noeku.p7s"
assert_grep "certificate .*CN ?= ?sealroot leaf has no extended key usage 1\.3\.6\.1\.5\.5\.7\.3\.3 \(code signing\)" "$TMP/out"

note "a signer certificate for TLS servers (serverAuth) is refused, unless its purpose is named"
mkcert tls serverAuth
mkdir tls-certs && cp tls.crt tls-certs/
sign tls "$RH" tls.p7s
run_expect_rc 1 V --cert-dir tls-certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/tls.p7s"
assert_grep "does not list the extended key usage 1\.3\.6\.1\.5\.5\.7\.3\.3" "$TMP/out"
assert_grep "signature is not valid" "$TMP/out"
run_expect_rc 0 V --cert-dir tls-certs --cmdline "roothash=$RH sealroot.verity_sig_eku=1.3.6.1.5.5.7.3.1 systemd.verity_root_options=root-hash-signature=$TMP/tls.p7s"
note "  ...and naming another purpose refuses the code-signing certificate"
run_expect_rc 1 V --cert-dir certs --cmdline "roothash=$RH sealroot.verity_sig_eku=1.3.6.1.4.1.55555.7 systemd.verity_root_options=root-hash-signature=$TMP/good.p7s"
assert_grep "does not list the extended key usage 1\.3\.6\.1\.4\.1\.55555\.7" "$TMP/out"

note "a code-signing certificate whose keyUsage lacks digitalSignature (an encryption key) is refused"
mkcert enc codeSigning keyEncipherment
mkdir enc-certs && cp enc.crt enc-certs/
sign enc "$RH" enc.p7s
run_expect_rc 1 V --cert-dir enc-certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/enc.p7s"
assert_grep "certificate .*CN ?= ?sealroot test enc has a keyUsage without digitalSignature; refusing it" "$TMP/out"
assert_grep "signature is not valid" "$TMP/out"

note "signature checked against the wrong certificate fails closed"
run_expect_rc 1 V --cert-dir other-certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/good.p7s"
assert_grep "signature is not valid" "$TMP/out"

note "signature made by an untrusted key fails closed"
run_expect_rc 1 V --cert-dir certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/other.p7s"
assert_grep "signature is not valid" "$TMP/out"

note "signature over another root hash fails closed"
run_expect_rc 1 V --cert-dir certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/wronghash.p7s"
assert_grep "signature is not valid" "$TMP/out"

note "tampered signature fails closed"
cp good.p7s tampered.p7s
size=$(stat -c %s tampered.p7s)
flip_byte tampered.p7s $((size - 20))
run_expect_rc 1 V --cert-dir certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/tampered.p7s"
assert_grep "signature is not valid|Refusing" "$TMP/out"

note "garbage instead of PKCS#7 fails closed"
head -c 300 /dev/urandom >garbage.p7s
run_expect_rc 1 V --cert-dir certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/garbage.p7s"

note "missing signature file fails"
run_expect_rc 1 V --cert-dir certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/nope.p7s"
assert_grep "nope.p7s" "$TMP/out"

note "certificates shipped but no signature: refused"
run_expect_rc 1 V --cert-dir certs --cmdline "roothash=$RH"
assert_grep "signature is required" "$TMP/out"

note "signature but no certificates: verify cannot check it, refused"
run_expect_rc 1 V --cert-dir empty-certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/good.p7s"
assert_grep "no certificates" "$TMP/out"

note "unparsable certificate file fails closed"
mkdir badcerts
echo "not a certificate" >badcerts/broken.crt
cp good.crt badcerts/
run_expect_rc 1 V --cert-dir badcerts --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/good.p7s"
assert_grep "broken.crt" "$TMP/out"

note "a valid signature does not excuse corrupted data"
flip_byte data.img 8192
run_expect_rc 1 V --cert-dir certs --cmdline "roothash=$RH systemd.verity_root_options=root-hash-signature=$TMP/good.p7s"
assert_grep "corruption detected" "$TMP/out"
echo ok
