#!/bin/bash
# A sealed object built with tpm2-tools from systemd's templates (primary:
# owner hierarchy, ECC P-256 or RSA-2048, AES-128-CFB, restricted|decrypt|
# fixedtpm|fixedparent|sensitivedataorigin|userwithauth; object: KEYEDHASH,
# fixedtpm|fixedparent, PolicyPCR sha256:7) unseals with sealroot.  Loading
# only succeeds under a bit-identical primary key, so this checks both
# primary templates independently of systemd, including the RSA fallback.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"
export TPM2TOOLS_TCTI="$SWTPM_TCTI"
hexof() { od -An -v -tx1 "$1" | tr -d ' \n'; }

tpm2_pcrextend 7:sha256="$(printf firmware | sha256sum | cut -d' ' -f1)"
tpm2_createpolicy -Q --policy-pcr -l sha256:7 -L "$TMP/policy.bin"
hexof "$TMP/policy.bin" >"$TMP/policy"

for alg in ecc rsa; do
	case $alg in
	ecc) spec=ecc256:null:aes128cfb ;;
	rsa) spec=rsa2048:null:aes128cfb ;;
	esac
	tpm2_createprimary -Q -C o -g sha256 -G "$spec" -c "$TMP/primary.ctx" \
		-a 'restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth'
	tpm2_flushcontext -t
	printf 'tpm2-tools-secret-%s' "$alg" >"$TMP/secret.$alg"
	tpm2_create -Q -C "$TMP/primary.ctx" -g sha256 -a 'fixedtpm|fixedparent' \
		-L "$TMP/policy.bin" -i "$TMP/secret.$alg" -u "$TMP/o.pub" -r "$TMP/o.priv"
	tpm2_flushcontext -t
	cat "$TMP/o.priv" "$TMP/o.pub" >"$TMP/blob.$alg"

	assert_eq "$("$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/blob.$alg" "$TMP/policy" hex "$alg")" \
		"$(hexof "$TMP/secret.$alg")" "secret of the $alg-primary object"
done
# Under the wrong primary the object does not load: -EBADMSG.
run_expect_rc 74 "$DRIVER" "$SWTPM_TCTI" unseal 7 "$TMP/blob.rsa" "$TMP/policy" hex ecc
echo "ok: tpm2-tools objects unseal"
