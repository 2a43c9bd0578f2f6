# shellcheck shell=bash disable=SC2034 # ZERO32 is used by the tests that source this
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-lock.sh — sourced by tests/host/test_lock_*.sh: expected PCR 15
# values computed without sealroot's code (openssl, sha256sum, cryptsetup).
#
#   (everything from lib-persist.sh)
#   ZERO32                   64 hex zeros, PCR 15 after a TPM reset
#   pcr15                    PCR 15 (SHA-256 bank) of the swtpm, lowercase hex
#   extend OLD DIGEST        SHA-256(OLD || DIGEST), both hex: what PCR_Extend does
#   event_digest EVENT       SHA-256("sealroot:EVENT")
#   volume_key IMG KEY       the volume key (hex) that passphrase KEY unlocks
#   volume_digest IMG KEY [NAME]  HMAC-SHA256(volume key, "cryptsetup:NAME:UUID"),
#                            NAME already escaped (default sealroot-persist)
#   expect_pcr15 HEX MSG     fail unless PCR 15 equals HEX
source "$(dirname "${BASH_SOURCE[0]}")/lib-persist.sh"

ZERO32=0000000000000000000000000000000000000000000000000000000000000000

# tpm2_pcrread prints "    7 : 0x…" but "    15: 0x…".
pcr15() {
	tpm2_pcrread sha256:15 | awk '$1 == "15:" || ($1 == "15" && $2 == ":") { print tolower($NF) }' |
		sed 's/^0x//'
}

extend() { printf '%s%s' "$1" "$2" | xxd -r -p | sha256sum | cut -d' ' -f1; }

event_digest() { printf 'sealroot:%s' "$1" | sha256sum | cut -d' ' -f1; }

volume_key() {
	cryptsetup luksDump --dump-volume-key --batch-mode --key-file <(printf %s "$2") "$1" |
		awk '/^MK dump:/ { on = 1; sub(/^MK dump:/, "") } on && !/^[[:space:]]/ && !/^$/ && !/^MK/ { on = 0 }
			on { print }' | tr -d ' \t\n'
}

volume_digest() {
	local vk uuid
	vk=$(volume_key "$1" "$2")
	[ ${#vk} -eq 128 ] || fail "could not read the 512-bit volume key of $1 (got '${vk:0:16}…')"
	uuid=$(cryptsetup luksUUID "$1")
	printf 'cryptsetup:%s:%s' "${3:-sealroot-persist}" "$uuid" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$vk" | awk '{print $NF}'
}

expect_pcr15() {
	local got
	got=$(pcr15)
	[ "$got" = "$1" ] || fail "$2: PCR 15 is $got, expected $1"
}
