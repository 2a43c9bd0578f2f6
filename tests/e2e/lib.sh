# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib.sh — sourced by every tests/e2e/test_*.sh (after tests/lib.sh).
#
#   E2E_ARTIFACTS  the cached build (set by tests/e2e/run): rootfs/, initrd-*.img,
#                  img/ (scripts/mkimage output: image.raw, manifest.json, …)
#   E2E_LOGDIR     where this scenario keeps its serial logs (kept after the run)
#   E2E_TIMEOUT    per-boot wall-clock limit in seconds (default 420)
#
#   e2e_disk [DIR]          copy the image to $TMP/disk.raw (a fresh machine's disk)
#   e2e_boot NAME [OPTS…]   boot $E2E_DISK with machine state $TMP/machine; the serial
#                           log is $E2E_LOGDIR/NAME.log; sets BOOT_RC and BOOT_LOG
#   marker KEY [LOG]        value of "SEALROOT-E2E: KEY=value" (empty if absent)
#   assert_marker KEY VALUE [LOG]
#   assert_done [LOG] / assert_not_done [LOG]
#   part_offset LABEL       byte offset of partition LABEL in the image (manifest.json)
#   e2e_variant NAME ROOTFS INITRD "ARGS"
#                           build (once, cached in $E2E_ARTIFACTS/variant-NAME) an
#                           image of ROOTFS whose signed UKI's command line is
#                           mkimage's default + $E2E_CMDLINE + ARGS; sets VARIANT
#                           (more mkimage options after ARGS, e.g. --emergency-shell)
#   e2e_put_uki UKI         install UKI as the ESP's EFI/BOOT/BOOTX64.EFI of
#                           $E2E_DISK (a firmware-side change: same disk, other UKI)
#   e2e_part_blank LABEL    true if the first MiB of partition LABEL of $E2E_DISK is zeros

: "${E2E_ARTIFACTS:?run the scenarios through tests/e2e/run}"
E2E_LOGDIR=${E2E_LOGDIR:-$TMP/logs}
E2E_TIMEOUT=${E2E_TIMEOUT:-420}
mkdir -p "$E2E_LOGDIR"
BOOT_LOG=""
BOOT_RC=0

e2e_disk() {
	local src=${1:-$E2E_ARTIFACTS/img}
	E2E_DISK=$TMP/disk.raw
	cp --sparse=always "$src/image.raw" "$E2E_DISK"
	E2E_MANIFEST=$src/manifest.json
}

e2e_boot() {
	local name=$1 t0 t1
	shift
	BOOT_LOG=$E2E_LOGDIR/$name.log
	BOOT_RC=0
	t0=$(date +%s)
	"$TOP/scripts/boot" --quiet --state "$TMP/machine" --log "$BOOT_LOG" \
		--timeout "$E2E_TIMEOUT" "$@" "$E2E_DISK" 2>>"$E2E_LOGDIR/boot.stderr" || BOOT_RC=$?
	t1=$(date +%s)
	note "boot '$name': rc=$BOOT_RC in $((t1 - t0)) s (log $BOOT_LOG)"
}

marker() {
	local log=${2:-$BOOT_LOG}
	tr -d '\r' <"$log" | sed -n "s|^SEALROOT-E2E: $1=||p" | tail -1
}

assert_marker() {
	local got
	got=$(marker "$1" "${3:-$BOOT_LOG}")
	[ "$got" = "$2" ] || {
		grep -a 'SEALROOT-E2E\|sealroot' "${3:-$BOOT_LOG}" | tail -40 >&2
		fail "marker $1: expected '$2', got '$got' (log ${3:-$BOOT_LOG})"
	}
}

assert_done() {
	local log=${1:-$BOOT_LOG}
	grep -aq '^SEALROOT-E2E: DONE' "$log" || {
		grep -a 'sealroot\|SEALROOT\|FAILED\|verity\|Kernel panic' "$log" | tail -40 >&2
		fail "the guest did not reach 'SEALROOT-E2E: DONE' (boot rc $BOOT_RC, log $log)"
	}
}

assert_not_done() {
	local log=${1:-$BOOT_LOG}
	! grep -aq '^SEALROOT-E2E: BEGIN' "$log" || fail "the guest reached the test init (log $log)"
}

part_offset() {
	jq -r --arg n "$1" '.disk.partitions[] | select(.name == $n) | .offset' "$E2E_MANIFEST"
}

e2e_variant() {
	local name=$1 rootfs=$2 initrd=$3 args=$4
	shift 4
	VARIANT=$E2E_ARTIFACTS/variant-$name
	{
		flock 9
		"$TOP/scripts/mkimage" -q --rootfs "$rootfs" --initrd "$initrd" --out "$VARIANT" \
			--raw-only --fast --cmdline "${E2E_CMDLINE:?} $args" "$@"
	} 9>"$E2E_ARTIFACTS/.variant-$name.lock" >"$E2E_LOGDIR/mkimage-$name.log" 2>&1 ||
		fail "building the image variant '$name' failed (see $E2E_LOGDIR/mkimage-$name.log)"
}

e2e_put_uki() {
	local off
	off=$(part_offset esp)
	[ -n "$off" ] && [ "$off" != null ] || fail "no esp partition in $E2E_MANIFEST"
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$E2E_DISK@@$off" "$1" ::/EFI/BOOT/BOOTX64.EFI ||
		fail "could not write $1 to the ESP of $E2E_DISK"
}

e2e_part_blank() {
	local off
	off=$(part_offset "$1")
	[ -n "$off" ] && [ "$off" != null ] || fail "no $1 partition in $E2E_MANIFEST"
	cmp -s -n 1048576 <(dd if="$E2E_DISK" iflag=skip_bytes skip="$off" bs=1M count=1 status=none) /dev/zero
}
