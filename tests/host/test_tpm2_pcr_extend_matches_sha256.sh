#!/bin/bash
# tpm2_pcr_extend extends the SHA-256 bank with SHA-256(data):
# new = SHA-256(old || SHA-256(data)), as read back by tpm2-tools.
source "$(dirname "$0")/lib-tpm2.sh"
swtpm_start "$TMP/tpm"
export TPM2TOOLS_TCTI="$SWTPM_TCTI"

old=$("$DRIVER" "$SWTPM_TCTI" pcr-read 15 | cut -d' ' -f2)
"$DRIVER" "$SWTPM_TCTI" pcr-extend 15 "sealroot-unlocked"
# shellcheck disable=SC2059  # the format is the \xHH escapes
unhex() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
want=$({ unhex "$old"; printf 'sealroot-unlocked' | openssl dgst -sha256 -binary; } |
	openssl dgst -sha256 -r | cut -d' ' -f1)
got=$(tpm2_pcrread sha256:15 | sed -n 's/.*15 *: *0x//p' | tr 'A-F' 'a-f')
assert_eq "$got" "$want" "PCR 15 after extend"
assert_eq "$("$DRIVER" "$SWTPM_TCTI" pcr-read 15 | cut -d' ' -f2)" "$want" "tpm2_pcr_read of PCR 15"

# More than 8 PCRs in one read (TPM2_PCR_Read returns at most 8 per call).
"$DRIVER" "$SWTPM_TCTI" pcr-read 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 >"$TMP/all"
assert_eq "$(wc -l <"$TMP/all")" 24 "PCRs read"
assert_grep "^15 $want\$" "$TMP/all"
assert_eq "$(tpm2_pcrread sha256:17 | sed -n 's/.*17 *: *0x//p' | tr 'A-F' 'a-f')" \
	"$(sed -n 's/^17 //p' "$TMP/all")" "PCR 17 (reads as all ones)"

run_expect_rc 22 "$DRIVER" "$SWTPM_TCTI" pcr-extend 24 x
echo "ok: pcr extend"
