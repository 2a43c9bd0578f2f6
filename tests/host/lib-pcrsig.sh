# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-pcrsig.sh — signed PCR 11 policies on the host, sourced after
# lib-tpm2.sh (or lib-persist.sh) once swtpm_start ran.
#
#   uki_stub_measure        extend swtpm's PCR 11 as systemd-stub 252 does for the
#                           test UKI ($TMP/uki-linux, one .linux section)
#   uki_enter_initrd        the same, then the phase enter-initrd as
#                           systemd-pcrphase measures it
#   pcr_key NAME [rsa|ecc]  $TMP/NAME.key (private) and $TMP/NAME.pem (public)
#   measure_sign NAME OUT [PHASES]
#                           systemd-measure 252 signs the test UKI's PCR 11
#                           (default phase enter-initrd) with NAME into OUT
#   openssl_sign NAME OUT POL [PCRS]
#                           a signature file with one entry approving the
#                           PolicyPCR digest POL (hex), signed by NAME with
#                           openssl (RSA or ECDSA) -- for ECC keys, which
#                           systemd-measure 252 cannot use
#   key_fingerprint NAME    systemd's "pkfp" of NAME (hex)
#   pcr11_extend_word WORD  extend PCR 11 with SHA-256(WORD), as systemd-pcrphase

MEASURE=/usr/lib/systemd/systemd-measure
[ -x "$MEASURE" ] || fail "missing $MEASURE (package systemd 252)"

uki_linux() { [ -e "$TMP/uki-linux" ] || printf 'sealroot test kernel' >"$TMP/uki-linux"; }

pcr11_extend_word() {
	TPM2TOOLS_TCTI=$SWTPM_TCTI tpm2_pcrextend "11:sha256=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"
}

uki_stub_measure() {
	uki_linux
	# The stub: the section name with its NUL, then the section's content.
	TPM2TOOLS_TCTI=$SWTPM_TCTI tpm2_pcrextend \
		"11:sha256=$(printf '.linux\0' | sha256sum | cut -d' ' -f1)"
	TPM2TOOLS_TCTI=$SWTPM_TCTI tpm2_pcrextend "11:sha256=$(sha256sum <"$TMP/uki-linux" | cut -d' ' -f1)"
}

uki_enter_initrd() {
	uki_stub_measure
	pcr11_extend_word enter-initrd
}

pcr_key() {
	local name=$1 type=${2:-rsa}
	if [ "$type" = ecc ]; then
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/$name.key" 2>/dev/null
	else
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/$name.key" 2>/dev/null
	fi
	openssl pkey -in "$TMP/$name.key" -pubout -out "$TMP/$name.pem"
}

measure_sign() {
	local name=$1 out=$2 phases=${3:-enter-initrd}
	uki_linux
	"$MEASURE" sign --linux="$TMP/uki-linux" --bank=sha256 --phase="$phases" \
		--tpm2-device="$SWTPM_TCTI" --private-key="$TMP/$name.key" \
		--public-key="$TMP/$name.pem" >"$out" || fail "systemd-measure sign failed"
}

key_fingerprint() {
	# systemd hashes i2d_PublicKey: PKCS#1 RSAPublicKey, or the EC point
	# (the last 65 bytes of a P-256 SubjectPublicKeyInfo).
	if openssl pkey -pubin -in "$TMP/$1.pem" -noout -text 2>/dev/null | grep -q 'ASN1 OID'; then
		openssl pkey -pubin -in "$TMP/$1.pem" -outform DER | tail -c 65 | sha256sum | cut -d' ' -f1
	else
		openssl rsa -pubin -in "$TMP/$1.pem" -RSAPublicKey_out -outform DER 2>/dev/null |
			sha256sum | cut -d' ' -f1
	fi
}

openssl_sign() {
	local name=$1 out=$2 pol=$3 pcrs=${4:-11} sig
	sig=$(printf '%s' "$pol" | xxd -r -p | openssl dgst -sha256 -sign "$TMP/$name.key" | base64 -w0)
	printf '{"sha256":[{"pcrs":[%s],"pkfp":"%s","pol":"%s","sig":"%s"}]}\n' \
		"$pcrs" "$(key_fingerprint "$name")" "$pol" "$sig" >"$out"
}
