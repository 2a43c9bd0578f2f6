#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One flipped byte in the verified root (the erofs superblock block) is caught
# by dm-verity when the root is mounted: the boot stops (restart-on-corruption)
# and never reaches the image's init.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

e2e_disk
off=$(part_offset root-a)
[ -n "$off" ] && [ "$off" != null ] || fail "no root-a partition in $E2E_MANIFEST"
# erofs superblock: offset 1024 in the first block.
pos=$((off + 1024 + 8))
orig=$(dd if="$E2E_DISK" bs=1 skip="$pos" count=1 status=none | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(((orig ^ 0xff) & 0xff)))" |
	dd of="$E2E_DISK" bs=1 seek="$pos" count=1 conv=notrunc status=none
new=$(dd if="$E2E_DISK" bs=1 skip="$pos" count=1 status=none | od -An -tu1 | tr -d ' ')
[ "$orig" != "$new" ] || fail "could not flip the byte at $pos"

E2E_TIMEOUT=300 e2e_boot tampered --args "sealroot_test=basic"
assert_not_done
assert_grep 'device-mapper: verity: .*(is corrupted|corruption)' "$BOOT_LOG"
