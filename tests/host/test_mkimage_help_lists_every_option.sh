#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --help documents every option the parser accepts (read from the script, so
# help cannot drift), and bad invocations fail with a message, not a build.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"

"$MKIMAGE" --help >"$TMP/help" || fail "--help exited non-zero"
# Options are the patterns of the parser's case arms: "	--foo)" or "	--a | --b)".
sed -n '/^while \[ \$# -gt 0 \]; do$/,/^done$/p' "$MKIMAGE" |
	grep -oE '^[[:space:]]+-[-a-z0-9| ]+\)' | tr -d ')' | tr '|' '\n' | tr -d ' \t' | sort -u >"$TMP/opts"
[ "$(wc -l <"$TMP/opts")" -ge 20 ] || { cat "$TMP/opts"; fail "found too few options in the parser"; }
while read -r o; do
	grep -qE -- "(^|[ ,])$o([ ,=]|\$)" "$TMP/help" || fail "--help does not document $o"
done <"$TMP/opts"

mkimage_fixture
run_expect_rc 2 "$MKIMAGE" --bogus
assert_grep "unknown option '--bogus'" "$TMP/out"
run_expect_rc 2 "$MKIMAGE" --initrd "$TMP/initrd.cpio" --out "$TMP/o"
assert_grep '--rootfs DIR is required' "$TMP/out"
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" --fs btrfs
assert_grep '--fs must be erofs or ext4' "$TMP/out"
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" --persist-size lots
run_expect_rc 2 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" --out
assert_grep 'option --out needs a value' "$TMP/out"
run_expect_rc 1 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" --kernel "$TMP/nokernel"
assert_grep "kernel '$TMP/nokernel' not found" "$TMP/out"
run_expect_rc 1 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" --kernel "$TMP/initrd.cpio"
assert_grep 'is not an x86 bzImage' "$TMP/out"
run_expect_rc 1 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" --esp-size 4M
assert_grep 'cannot hold the' "$TMP/out"
run_expect_rc 1 "$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$TMP/o" --cmdline "$(printf 'x%.0s' $(seq 1 2000))"
assert_grep 'kernel command line is [0-9]+ bytes' "$TMP/out"
# A failed build leaves no artifacts and no work directory behind.
assert_no_file "$TMP/o/image.raw"
if [ -n "$(ls "$TMP/o")" ] || [ -n "$(find "$TMP/o" -name '.work.*')" ]; then
	ls -la "$TMP/o"
	fail "a failed build left files in --out"
fi
echo "ok: $(wc -l <"$TMP/opts") options documented; bad input rejected"
