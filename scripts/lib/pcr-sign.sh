# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/lib/pcr-sign.sh — signed PCR 11 policies for scripts/mkimage
# --pcr-key (sourced after mkimage-util.sh, bash).
#
# The UKI carries, for the systemd stub to hand to the initrd:
#   .pcrpkey  the PEM public key of the PCR signing key
#             (the stub: /.extra/tpm2-pcr-public-key.pem; measured into PCR 11)
#   .pcrsig   systemd-measure's JSON signature of the PCR 11 policy the UKI
#             produces in the enter-initrd phase
#             (the stub: /.extra/tpm2-pcr-signature.json; not measured)
#
# systemd-measure 252 computes the policy digest (TPM2_PolicyPCR over the
# expected PCR 11 value) in a trial session of a real TPM, so signing needs
# one: pcr_sign starts a private swtpm for the fraction of a second it takes.
# The digest depends only on the PCR value, not on the TPM.

SYSTEMD_MEASURE=${MKIMAGE_SYSTEMD_MEASURE:-/usr/lib/systemd/systemd-measure}
# The boot phase sealroot unseals in: after the stub, after systemd-pcrphase's
# "enter-initrd", before "leave-initrd" (sealroot measures that after unlock).
PCR_SIGN_PHASE=enter-initrd
PCR_SIGN_SWTPM_PID=""

# pcr_key_check KEY — die with a message naming KEY unless it is a file
# this process can read (before anything is built).
pcr_key_check() {
	local key=$1
	[ -e "$key" ] || die "PCR signing key '$key' not found (--pcr-key); create one with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out KEY.pem"
	[ -f "$key" ] && head -c 1 "$key" >/dev/null 2>&1 ||
		die "PCR signing key '$key' cannot be read as a file (--pcr-key); check the path and its permissions"
}

# pcr_public_key KEY OUT NAME — write KEY's public key (PEM) to OUT; die
# unless KEY (called NAME in messages) is an unencrypted RSA private key:
# systemd 252's TPM2 code takes RSA keys only for signed PCR policies.
pcr_public_key() {
	local key=$1 out=$2 name=$3 err
	err=$(openssl pkey -in "$key" -passin pass: -pubout -out "$out" 2>&1) ||
		die "PCR signing key '$name' is not a PEM private key openssl can read (--pcr-key): $(printf '%s' "$err" | head -n 1)"
	openssl rsa -pubin -in "$out" -noout 2>/dev/null ||
		die "PCR signing key '$name' is not an RSA key (--pcr-key); systemd 252 verifies signed PCR policies with RSA keys only: create one with openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"
}

# pcr_pkfp PUBPEM — the fingerprint systemd writes as "pkfp": sha256 of the
# DER public key as i2d_PublicKey encodes it, for RSA the PKCS#1
# RSAPublicKey (not the SubjectPublicKeyInfo of the PEM file).
pcr_pkfp() {
	local h
	h=$(set -o pipefail; openssl rsa -pubin -in "$1" -RSAPublicKey_out -outform DER 2>/dev/null | sha256sum) ||
		die "cannot read the RSA public key $1"
	echo "${h%% *}"
}

# pcr_spki_sha256 KEY|PUBPEM — sha256 of the DER SubjectPublicKeyInfo of a
# private key or a public key file (to tell two keys apart whatever their
# type).
pcr_spki_sha256() {
	local h
	h=$(set -o pipefail; openssl pkey -in "$1" -passin pass: -pubout -outform DER 2>/dev/null | sha256sum) ||
		h=$(set -o pipefail; openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | sha256sum) ||
		die "cannot read the public key of $1"
	echo "${h%% *}"
}

_pcr_free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$(((RANDOM % 20000) + 10000))
		if ! (: >"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (: >"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# _pcr_swtpm_start DIR — a throwaway TPM on 127.0.0.1; sets PCR_SIGN_TCTI.
_pcr_swtpm_start() {
	local dir=$1 port
	for _ in 1 2 3 4 5; do
		port=$(_pcr_free_port) || die "no free TCP port for the signing swtpm"
		swtpm socket --tpm2 --tpmstate dir="$dir" \
			--server type=tcp,port="$port",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear >"$dir/swtpm.log" 2>&1 &
		PCR_SIGN_SWTPM_PID=$!
		for _ in $(seq 1 50); do
			if (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				PCR_SIGN_TCTI="swtpm:host=127.0.0.1,port=$port"
				return 0
			fi
			kill -0 "$PCR_SIGN_SWTPM_PID" 2>/dev/null || break
			sleep 0.1
		done
		pcr_swtpm_stop
	done
	cat "$dir/swtpm.log" >&2
	die "could not start swtpm for systemd-measure (output above); is swtpm installed?"
}

# pcr_swtpm_stop — stop the swtpm _pcr_swtpm_start started (safe to repeat;
# mkimage's exit trap calls it).
pcr_swtpm_stop() {
	[ -n "$PCR_SIGN_SWTPM_PID" ] || return 0
	kill "$PCR_SIGN_SWTPM_PID" 2>/dev/null || true
	wait "$PCR_SIGN_SWTPM_PID" 2>/dev/null || true
	PCR_SIGN_SWTPM_PID=""
}

# pcr_sign DIR KEY PUBPEM SIG_OUT CALC_OUT --linux=F --osrel=F --cmdline=F --initrd=F
# — sign the enter-initrd PCR 11 policy of a UKI with these sections plus
# .pcrpkey = PUBPEM: the signature JSON (the .pcrsig content) to SIG_OUT,
# systemd-measure calculate's JSON of the same value to CALC_OUT.  DIR is
# scratch space (the swtpm state).
pcr_sign() {
	local dir=$1 key=$2 pub=$3 sig=$4 calc=$5
	shift 5
	local sections=("$@" "--pcrpkey=$pub")
	mkdir -p "$dir/swtpm"
	"$SYSTEMD_MEASURE" calculate "${sections[@]}" --bank=sha256 --phase="$PCR_SIGN_PHASE" \
		--json=short >"$calc" 2>"$dir/measure.log" ||
		{ cat "$dir/measure.log" >&2; die "systemd-measure calculate failed (output above)"; }
	_pcr_swtpm_start "$dir/swtpm"
	if ! "$SYSTEMD_MEASURE" sign "${sections[@]}" --bank=sha256 --phase="$PCR_SIGN_PHASE" \
		--private-key="$key" --public-key="$pub" --tpm2-device="$PCR_SIGN_TCTI" \
		>"$sig" 2>"$dir/measure.log"; then
		pcr_swtpm_stop
		cat "$dir/measure.log" >&2
		die "systemd-measure sign failed with the PCR key (output above)"
	fi
	pcr_swtpm_stop
	jq -e --arg fp "$(pcr_pkfp "$pub")" '.sha256 | length == 1 and .[0].pkfp == $fp and
		.[0].pcrs == [11] and (.[0].pol | test("^[0-9a-f]{64}$")) and (.[0].sig | length > 0)' \
		"$sig" >/dev/null 2>&1 || { cat "$sig" >&2; die "systemd-measure sign wrote an unexpected signature (above)"; }
}

# pcr_manifest_json SIG CALC PUBPEM — the manifest's "pcr_signature" object.
pcr_manifest_json() {
	jq -n --slurpfile sig "$1" --slurpfile calc "$2" --arg pkfp "$(pcr_pkfp "$3")" \
		--arg spki "$(pcr_spki_sha256 "$3")" \
		'{bank: "sha256", pcrs: [11], pkfp: $pkfp, public_key_spki_sha256: $spki,
		  public_key: "pcr-public-key.pem", signature: "pcr-signature.json",
		  signed: [$calc[0].sha256[] | {phase, pcr, value: .hash,
		            policy: ($sig[0].sha256[0].pol)}]}'
}
