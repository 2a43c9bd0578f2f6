#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark variant (b), step 2: unlock the persistent partition the way a shell
# script with tpm2-tools does it -- the systemd-tpm2 token (enrolled by sealroot
# on the provisioning boot) is exported with cryptsetup, picked apart with jq and
# base64, the sealed blob loaded under a freshly created primary key (systemd's
# ECC P-256 storage template = tpm2-tools' default "ecc") and unsealed through a
# PCR policy session; its base64 is the LUKS passphrase.  Then e2fsck -p and
# mount, as sealroot does.
# For tests/host/test_bench_shell_unseal.sh: SHELLROOT_DEVICE, SHELLROOT_TCTI,
# SHELLROOT_KMSG, SHELLROOT_TEST_PASSPHRASE=1 (only verify the passphrase).
set -eu -o pipefail
kmsg=${SHELLROOT_KMSG:-/dev/kmsg}
echo "<5>bench: stage persist-start" >"$kmsg"
dev=${SHELLROOT_DEVICE:-/dev/disk/by-partlabel/sealroot-persist}
n=0
while [ ! -e "$dev" ]; do
	n=$((n + 1))
	[ $n -lt 600 ] || { echo "shellroot-persist: $dev did not appear" >&2; exit 1; }
	sleep 0.05
done
export TPM2TOOLS_TCTI=${SHELLROOT_TCTI:-device:/dev/tpmrm0}
T=$(mktemp -d "${TMPDIR:-/run}/shellroot.XXXXXX")
trap 'rm -rf "$T"' EXIT
json=$(cryptsetup token export --token-id 0 "$dev")
[ "$(echo "$json" | jq -r .type)" = systemd-tpm2 ] ||
	{ echo "shellroot-persist: token 0 of $dev is not systemd-tpm2" >&2; exit 1; }
echo "$json" | jq -r '."tpm2-blob"' | base64 -d >"$T/blob"
pcrs=$(echo "$json" | jq -r '."tpm2-pcrs" | map(tostring) | join(",")')
# systemd's blob: TPM2B_PRIVATE then TPM2B_PUBLIC, each with its 2-byte size.
# shellcheck disable=SC2046  # two numbers, split on purpose
set -- $(od -An -tu1 -N2 "$T/blob")
priv=$((2 + $1 * 256 + $2))
head -c "$priv" "$T/blob" >"$T/priv"
tail -c +$((priv + 1)) "$T/blob" >"$T/pub"
# Without the kernel's resource manager (tests: swtpm), transient objects
# outlive each tool: flush them, as /dev/tpmrm0 does when a tool exits.
flush() { case $TPM2TOOLS_TCTI in device:/dev/tpmrm*) ;; *) tpm2_flushcontext -t ;; esac; }
tpm2_createprimary -Q -C o -g sha256 -G ecc -c "$T/primary.ctx"
flush
tpm2_load -Q -C "$T/primary.ctx" -u "$T/pub" -r "$T/priv" -c "$T/sealed.ctx"
flush
if [ -n "${SHELLROOT_TEST_PASSPHRASE:-}" ]; then
	tpm2_unseal -c "$T/sealed.ctx" -p "pcr:sha256:$pcrs" | base64 -w0 |
		cryptsetup open --test-passphrase --key-file - "$dev"
	echo "<5>bench: stage persist-unlocked" >"$kmsg"
	exit 0
fi
tpm2_unseal -c "$T/sealed.ctx" -p "pcr:sha256:$pcrs" | base64 -w0 |
	cryptsetup open --key-file - "$dev" persist
echo "<5>bench: stage persist-unlocked" >"$kmsg"
e2fsck -p /dev/mapper/persist >/dev/null
mkdir -p /sysroot/opt
mount -t ext4 /dev/mapper/persist /sysroot/opt
echo "<5>bench: stage persist-mounted" >"$kmsg"
