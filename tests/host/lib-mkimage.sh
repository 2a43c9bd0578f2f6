# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing tests
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-mkimage.sh — fixtures for tests/host/test_mkimage_*.sh
# (sourced after tests/lib.sh).
#   MKIMAGE                 the builder under test
#   mkimage_fixture         a tiny rootfs ($TMP/rootfs) and initrd ($TMP/initrd.cpio)
#   mkimage_build OUT ARGS… build into OUT, output in $TMP/build.log, fail on error
#   part_field OUT NAME KEY a partition's field from OUT/manifest.json
#   extract_part IMG OUT NAME FILE   copy a partition out of IMG by its manifest offset

MKIMAGE=$TOP/scripts/mkimage
SNAKEOIL_PEM=/usr/share/ovmf/PkKek-1-snakeoil.pem

mkimage_fixture() {
	local r=$TMP/rootfs
	mkdir -p "$r/bin" "$r/etc/sealroot" "$r/usr/lib" "$r/var/lib"
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	printf 'NAME="sealroot test"\nID=sealroot-test\n' >"$r/usr/lib/os-release"
	echo "persist /var/lib/data" >"$r/etc/sealroot/layout.env"
	head -c 200000 /dev/urandom >"$r/usr/lib/blob"
	mkdir -p "$TMP/initrd"
	echo "tiny initrd" >"$TMP/initrd/hello"
	(cd "$TMP/initrd" && echo hello | cpio -o -H newc 2>/dev/null) >"$TMP/initrd.cpio"
}

mkimage_build() {
	local out=$1
	shift
	"$MKIMAGE" --rootfs "$TMP/rootfs" --initrd "$TMP/initrd.cpio" --out "$out" "$@" >"$TMP/build.log" 2>&1 ||
		{ cat "$TMP/build.log" >&2; fail "mkimage $* failed"; }
}

part_field() {
	jq -r --arg n "$2" --arg k "$3" '.disk.partitions[] | select(.name == $n) | .[$k]' "$1/manifest.json"
}

extract_part() {
	local off bytes
	off=$(part_field "$2" "$3" offset)
	bytes=$(part_field "$2" "$3" bytes)
	if [ -z "$off" ] || [ "$off" = null ]; then
		fail "no partition $3 in $2/manifest.json"
	fi
	dd if="$1" of="$4" bs=1M skip=$((off / 1048576)) count=$((bytes / 1048576)) status=none
}

# sealroot_verity_verify DATA HASH CMDLINE [CERT_DIR] — run `sealroot verity
# verify` (trusting the certificates in CERT_DIR, default: an empty dir);
# returns its exit status, output in $TMP/sv.log.
sealroot_verity_verify() {
	local certs=${4:-$TMP/no-certs}
	[ -x "$SEALROOT" ] || fail "$SEALROOT missing: run make"
	mkdir -p "$TMP/no-certs"
	"$SEALROOT" verity verify --cmdline "$3" --cert-dir "$certs" "$1" "$2" >"$TMP/sv.log" 2>&1
}
