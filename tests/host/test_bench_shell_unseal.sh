#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The boot benchmark's shell baseline (scripts/bench/dracut/91shellroot) really
# unseals a systemd-tpm2 token that 'sealroot persist provision' enrolled: its
# tpm2-tools flow (createprimary -G ecc, load, unseal with a PCR policy) yields
# the passphrase the keyslot accepts; after a PCR 7 change it fails.
source "$(dirname "$0")/lib-persist.sh"
persist_setup
img=$(new_image img 40M)
provision "$img" >"$TMP/prov" 2>&1 || { cat "$TMP/prov"; fail "sealroot persist provision failed"; }
script=$TOP/scripts/bench/dracut/91shellroot/shellroot-persist.sh
export SHELLROOT_DEVICE=$img SHELLROOT_TCTI=$TCTI SHELLROOT_KMSG=$TMP/kmsg SHELLROOT_TEST_PASSPHRASE=1
export TMPDIR=$TMP
run_expect_rc 0 "$script"
assert_grep 'bench: stage persist-unlocked' "$TMP/kmsg"

tpm2_pcrextend "7:sha256=$(printf other | sha256sum | cut -d' ' -f1)"
: >"$TMP/kmsg"
run_expect_rc 1 "$script"
assert_no_grep 'persist-unlocked' "$TMP/kmsg"
