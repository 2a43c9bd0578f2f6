#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --pcr-key: the UKI carries .pcrpkey (the PCR key's public PEM) and, as its
# last section, .pcrsig (systemd-measure's JSON); the signature verifies with
# openssl against .pcrpkey over the "pol" digest; "pol" is the TPM2_PolicyPCR
# digest of the PCR 11 value systemd-measure calculates for the sections of
# the finished (Secure Boot signed) UKI in the enter-initrd phase; the
# manifest records the key's fingerprint (systemd's pkfp) and that value.
# A missing, unreadable, non-key, non-RSA or Secure Boot key is refused with
# a message and no image.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

MEASURE=/usr/lib/systemd/systemd-measure
mkimage_fixture
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/pcr.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/other.key" 2>/dev/null
openssl pkey -in "$TMP/pcr.key" -pubout -out "$TMP/pcr.pub"
openssl pkey -in "$TMP/other.key" -pubout -out "$TMP/other.pub"

mkimage_build "$TMP/img" --raw-only --fast --pcr-key "$TMP/pcr.key"
uki=$TMP/img/uki.efi
sbverify --cert "$SNAKEOIL_PEM" "$uki" >/dev/null 2>&1 || fail "the UKI with .pcrsig is not Secure Boot signed"

# section NAME OUT — copy a PE section's content out of the UKI.
section() { objcopy -O binary --only-section="$1" "$uki" "$2" || fail "no section $1 in $uki"; }
# Sections with VMA and size (objdump -h: Idx Name Size VMA ...).
objdump -h "$uki" | awk '$1 ~ /^[0-9]+$/ { print $2, $3, $4 }' >"$TMP/sections"
for s in .osrel .cmdline .linux .initrd .pcrpkey .pcrsig; do
	grep -q "^$s " "$TMP/sections" || { cat "$TMP/sections" >&2; fail "the UKI has no $s section"; }
done
last=$(sort -k3 "$TMP/sections" | tail -n 1 | cut -d' ' -f1)
assert_eq "$last" .pcrsig "the section at the highest address"

section .pcrpkey "$TMP/pcrpkey.pem"
cmp -s "$TMP/pcrpkey.pem" "$TMP/pcr.pub" || fail ".pcrpkey is not the public key of --pcr-key"
cmp -s "$TMP/pcrpkey.pem" "$TMP/img/pcr-public-key.pem" || fail ".pcrpkey differs from pcr-public-key.pem"
section .pcrsig "$TMP/pcrsig.json"
cmp -s "$TMP/pcrsig.json" "$TMP/img/pcr-signature.json" || fail ".pcrsig differs from pcr-signature.json"
# The section sizes are the content sizes (the stub measures VirtualSize).
for s in .pcrpkey:"$TMP/pcr.pub" .pcrsig:"$TMP/img/pcr-signature.json"; do
	want=$(printf '%08x' "$(stat -c %s "${s#*:}")")
	assert_eq "$(grep "^${s%%:*} " "$TMP/sections" | cut -d' ' -f2)" "$want" "size of ${s%%:*}"
done

# One sha256 entry for PCR 11, signed by this key.
jq -e '.sha256 | length == 1' "$TMP/pcrsig.json" >/dev/null || fail "expected one sha256 entry in .pcrsig"
assert_eq "$(jq -c '.sha256[0].pcrs' "$TMP/pcrsig.json")" "[11]" ".pcrsig PCRs"
pkfp=$(openssl rsa -pubin -in "$TMP/pcr.pub" -RSAPublicKey_out -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)
assert_eq "$(jq -r '.sha256[0].pkfp' "$TMP/pcrsig.json")" "$pkfp" ".pcrsig pkfp (sha256 of the DER RSA public key)"
pol=$(jq -r '.sha256[0].pol' "$TMP/pcrsig.json")
printf '%s' "$pol" | xxd -r -p >"$TMP/pol.bin"
jq -r '.sha256[0].sig' "$TMP/pcrsig.json" | base64 -d >"$TMP/sig.bin"
openssl dgst -sha256 -verify "$TMP/pcrpkey.pem" -signature "$TMP/sig.bin" "$TMP/pol.bin" >"$TMP/v.log" 2>&1 ||
	{ cat "$TMP/v.log" >&2; fail "the .pcrsig signature does not verify against .pcrpkey over pol"; }
! openssl dgst -sha256 -verify "$TMP/other.pub" -signature "$TMP/sig.bin" "$TMP/pol.bin" >/dev/null 2>&1 ||
	fail "the signature verifies with an unrelated key"

# pol = TPM2_PolicyPCR digest of the PCR 11 value systemd-measure calculates
# from the sections of the finished UKI (not from mkimage's input files):
# sha256(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION{sha256: PCR 11} || sha256(value)).
for s in .linux .osrel .cmdline .initrd; do section "$s" "$TMP/sec$s"; done
"$MEASURE" calculate --linux="$TMP/sec.linux" --osrel="$TMP/sec.osrel" --cmdline="$TMP/sec.cmdline" \
	--initrd="$TMP/sec.initrd" --pcrpkey="$TMP/pcrpkey.pem" --bank=sha256 --phase=enter-initrd \
	--json=short >"$TMP/calc.json" || fail "systemd-measure calculate failed on the UKI's sections"
value=$(jq -r '.sha256[0].hash' "$TMP/calc.json")
[[ $value =~ ^[0-9a-f]{64}$ ]] || fail "no PCR 11 value from systemd-measure: $(cat "$TMP/calc.json")"
pcr_digest=$(printf '%s' "$value" | xxd -r -p | sha256sum | cut -d' ' -f1)
want_pol=$(printf '%064d%s%s' 0 0000017f00000001000b03000800 "$pcr_digest" | xxd -r -p | sha256sum | cut -d' ' -f1)
assert_eq "$pol" "$want_pol" "pol vs. the PolicyPCR digest of the UKI's enter-initrd PCR 11 value"

# The manifest: fingerprint and signed values.
m=$TMP/img/manifest.json
assert_eq "$(jq -r .uki.pcr_signature.pkfp "$m")" "$pkfp" "manifest pkfp"
assert_eq "$(jq -r .uki.pcr_signature.public_key_spki_sha256 "$m")" \
	"$(openssl pkey -pubin -in "$TMP/pcr.pub" -outform DER | sha256sum | cut -d' ' -f1)" "manifest SPKI sha256"
assert_eq "$(jq -c '[.uki.pcr_signature.signed[] | [.phase, .pcr, .value, .policy]]' "$m")" \
	"[[\"enter-initrd\",11,\"$value\",\"$pol\"]]" "manifest signed values"
for a in pcr-public-key.pem pcr-signature.json; do
	(cd "$TMP/img" && sha256sum -c --quiet "$a.sha256") || fail "$a.sha256 does not match"
	assert_eq "$(jq -r --arg a "$a" '.files[$a].sha256' "$m")" "$(cut -d' ' -f1 "$TMP/img/$a.sha256")" "manifest files.$a"
done

# Another key: another fingerprint and signature, the same measured value
# apart from .pcrpkey; the cache does not hand out the first key's build.
mkimage_build "$TMP/img" --raw-only --fast --pcr-key "$TMP/other.key"
assert_no_grep 'reusing' "$TMP/build.log"
[ "$(jq -r .uki.pcr_signature.pkfp "$m")" != "$pkfp" ] || fail "a build with another key kept the first key's pkfp"
objcopy -O binary --only-section=.pcrpkey "$uki" "$TMP/pcrpkey2.pem"
cmp -s "$TMP/pcrpkey2.pem" "$TMP/other.pub" || fail ".pcrpkey is not the second key after a rebuild"
# Without --pcr-key: no sections, no artifacts, null in the manifest.
mkimage_build "$TMP/img" --raw-only --fast
! objdump -h "$uki" | grep -qE '\.pcr(sig|pkey)' || fail "a build without --pcr-key has PCR sections"
assert_no_file "$TMP/img/pcr-signature.json"
assert_no_file "$TMP/img/pcr-public-key.pem"
assert_eq "$(jq -c .uki.pcr_signature "$m")" null "manifest without --pcr-key"

# Refusals: exit 1 with a message naming the problem, nothing built.
refused() {
	local out=$TMP/bad-$1 re=$2
	shift 2
	run_expect_rc 1 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$out" --raw-only --fast "$@"
	assert_grep "$re" "$TMP/out"
	assert_no_file "$out/image.raw"
	assert_no_file "$out/uki.efi"
	[ -z "$(find "$out" -name '.work.*' 2>/dev/null)" ] || fail "a refused build left a work directory in $out"
}
refused missing "PCR signing key '$TMP/nokey.pem' not found \(--pcr-key\)" --pcr-key "$TMP/nokey.pem"
mkdir "$TMP/keydir"
refused unreadable "PCR signing key '$TMP/keydir' cannot be read as a file" --pcr-key "$TMP/keydir"
echo "not a key" >"$TMP/text.pem"
refused notakey "PCR signing key '$TMP/text.pem' is not a PEM private key" --pcr-key "$TMP/text.pem"
refused public "PCR signing key '$TMP/pcr.pub' is not a PEM private key" --pcr-key "$TMP/pcr.pub"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/ec.key" 2>/dev/null
refused ec "PCR signing key '$TMP/ec.key' is not an RSA key" --pcr-key "$TMP/ec.key"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/sb.key" -out "$TMP/sb.pem" -subj /CN=sb -days 1 2>/dev/null
refused sbkey "--pcr-key $TMP/sb.key is the Secure Boot or verity signing key" \
	--key "$TMP/sb.key" --cert "$TMP/sb.pem" --pcr-key "$TMP/sb.key"
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/bad-noarg" --pcr-key
assert_grep 'option --pcr-key needs a value' "$TMP/out"
echo "ok: .pcrsig verifies against .pcrpkey, pol = PolicyPCR(PCR 11 enter-initrd = $(cut -c1-16 <<<"$value")…), bad keys refused"
