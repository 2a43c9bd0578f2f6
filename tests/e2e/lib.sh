# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib.sh — sourced by every tests/e2e/test_*.sh (after tests/lib.sh).
#
#   E2E_ARTIFACTS  the cached build (set by tests/e2e/run): rootfs/, initrd-*.img,
#                  img/ (scripts/mkimage output: image.raw, manifest.json, …)
#   E2E_LOGDIR     where this scenario keeps its serial logs (kept after the run)
#   E2E_TIMEOUT    per-boot wall-clock limit in seconds (default 420)
#   E2E_TIMEOUT_SCALE  the limit is E2E_TIMEOUT times this (default 2: two
#                  scenarios at once on a loaded machine; a limit only ends a
#                  boot that hangs, it never decides a pass)
#   E2E_SMP        guest CPUs per boot (default 1)
#   E2E_MKIMAGE, E2E_BOOT  the INSTALLED sealroot-mkimage and sealroot-boot
#                  (tests/e2e/run stages make install): every image and boot uses them
#   E2E_VERITY_KEY, E2E_VERITY_CERT  the root hash signing key and certificate
#                  (code signing); the certificate is in every initrd of the build
#   E2E_PCR_KEY, E2E_PCR_KEY_OTHER  the PCR signing key of every image (mkimage
#                  --pcr-key) and another one, for images that must be refused
#
#   e2e_disk [DIR]          copy the image to $TMP/disk.raw (a fresh machine's disk)
#   e2e_boot NAME [OPTS…]   boot $E2E_DISK with machine state $TMP/machine; the serial
#                           log is $E2E_LOGDIR/NAME.log; sets BOOT_RC and BOOT_LOG;
#                           a boot whose guest lost the emulated TPM to host load
#                           runs again once from the same state (E2E_LAB_TPM_LOST)
#   marker KEY [LOG]        value of "SEALROOT-E2E: KEY=value" (empty if absent)
#   assert_marker KEY VALUE [LOG]
#   assert_done [LOG] / assert_not_done [LOG]
#   part_offset LABEL       byte offset of partition LABEL in the image (manifest.json)
#   e2e_variant NAME ROOTFS INITRD "ARGS"
#                           build (once, cached in $E2E_ARTIFACTS/variant-NAME) an
#                           image of ROOTFS whose signed UKI's command line is
#                           mkimage's default + $E2E_CMDLINE + ARGS, its root hash
#                           signed with E2E_VERITY_KEY like every image; sets VARIANT
#                           (more mkimage options after ARGS, e.g. --emergency-shell,
#                           or --verity-key/--verity-cert to sign with another key;
#                           signed with E2E_PCR_KEY unless they give another --pcr-key)
#   e2e_put_uki UKI         install UKI as the ESP's EFI/BOOT/BOOTX64.EFI of
#                           $E2E_DISK (a firmware-side change: same disk, other UKI)
#   e2e_part_blank LABEL    true if the first MiB of partition LABEL of $E2E_DISK is zeros
#   e2e_save NAME / e2e_restore NAME
#                           keep / bring back a copy of $E2E_DISK and the machine
#                           state ($TMP/machine: TPM, firmware variables): one
#                           provisioning boot serves several attacks
#   part_sha256 LABEL       sha256 of the whole partition LABEL of $E2E_DISK
#   part_extract LABEL FILE / part_write_back LABEL FILE
#                           copy partition LABEL out of $E2E_DISK / back into it
#   assert_layout_mounts_hardened [LOG]
#                           every mount of tests/e2e/layout.env (and the persistent
#                           partition, the overlay tmpfs) is nosuid,nodev; each
#                           overlay's upper directory is on the overlay tmpfs
#                           (/opt/.mount/tmpfs), and a file written below /var is
#                           in that upper directory, not in the root
#   assert_root_hash_signature_userspace [LOG]
#                           sealroot verified the root hash signature against the
#                           initramfs's certificates, the kernel could not check it
#                           (no key of ours in its keyring), and the report says
#                           "userspace"
#   uki_pcr11 UKI [PHASES]  the sha256 PCR 11 value systemd-measure calculates for
#                           UKI's sections followed by the boot phases PHASES
#                           ("enter-initrd:leave-initrd"; default: none)
#   persist_tokens          the LUKS2 tokens and keyslots of $E2E_DISK's persistent
#                           partition (JSON, one line): equal before and after a
#                           boot = no reseal
#   assert_locked_no_shell SHA
#                           the boot failed closed, as the attacker sees it: the
#                           guest rebooted by itself (qemu -no-reboot ended before
#                           the timeout) without reaching the image's init;
#                           "sealroot: locked:" is in the log before dracut's
#                           emergency script ran and before the reboot, from both
#                           the emergency unit and dracut's hook; no shell or
#                           password prompt was offered; the persistent partition
#                           still has sha256 SHA

: "${E2E_ARTIFACTS:?run the scenarios through tests/e2e/run}"
E2E_LOGDIR=${E2E_LOGDIR:-$TMP/logs}
E2E_TIMEOUT=${E2E_TIMEOUT:-420}
E2E_TIMEOUT_SCALE=${E2E_TIMEOUT_SCALE:-2}
: "${E2E_MKIMAGE:?run the scenarios through tests/e2e/run}" "${E2E_BOOT:?run the scenarios through tests/e2e/run}"
mkdir -p "$E2E_LOGDIR"
BOOT_LOG=""
BOOT_RC=0

e2e_disk() {
	local src=${1:-$E2E_ARTIFACTS/img}
	E2E_DISK=$TMP/disk.raw
	cp --sparse=always "$src/image.raw" "$E2E_DISK"
	E2E_MANIFEST=$src/manifest.json
}

# A boot in which the guest kernel lost the emulated TPM (swtpm or the vCPU
# starved by a loaded host: "tpm tpm0: Operation Timed out", the chip then in
# "field failure mode") tested the lab, not sealroot: it is run once more from
# the disk and machine state it started with, and the retry is noted.
E2E_LAB_TPM_LOST='tpm tpm0: Operation Timed out|TPM in field failure mode'

_e2e_boot_once() {
	local t0 t1
	BOOT_RC=0
	t0=$(date +%s)
	# One guest CPU: a TCG boot is mostly serial, a second vCPU costs ~15 %
	# more host CPU time for no shorter boot, and tests/e2e/run runs two
	# scenarios at once.
	"$E2E_BOOT" --quiet --state "$TMP/machine" --log "$BOOT_LOG" --smp "${E2E_SMP:-1}" \
		--timeout "$((E2E_TIMEOUT * E2E_TIMEOUT_SCALE))" "$@" "$E2E_DISK" 2>>"$E2E_LOGDIR/boot.stderr" || BOOT_RC=$?
	t1=$(date +%s)
	note "boot '$(basename "$BOOT_LOG" .log)': rc=$BOOT_RC in $((t1 - t0)) s (log $BOOT_LOG)"
}

e2e_boot() {
	local name=$1
	shift
	BOOT_LOG=$E2E_LOGDIR/$name.log
	rm -rf "$TMP/preboot"
	mkdir -p "$TMP/preboot"
	cp --sparse=always "$E2E_DISK" "$TMP/preboot/disk.raw"
	[ ! -d "$TMP/machine" ] || cp -a "$TMP/machine" "$TMP/preboot/machine"
	_e2e_boot_once "$@"
	if tr -d '\r' <"$BOOT_LOG" | grep -aqE "$E2E_LAB_TPM_LOST"; then
		mv "$BOOT_LOG" "$E2E_LOGDIR/$name.lab-tpm-lost.log"
		note "boot '$name': the guest lost the emulated TPM (host load), not a sealroot result: booting again from the same state"
		cp --sparse=always "$TMP/preboot/disk.raw" "$E2E_DISK"
		rm -rf "$TMP/machine"
		[ ! -d "$TMP/preboot/machine" ] || cp -a "$TMP/preboot/machine" "$TMP/machine"
		_e2e_boot_once "$@"
		! tr -d '\r' <"$BOOT_LOG" | grep -aqE "$E2E_LAB_TPM_LOST" ||
			fail "boot '$name' lost the emulated TPM twice: the host is too loaded for the lab (log $BOOT_LOG)"
	fi
	rm -rf "$TMP/preboot"
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
		"$E2E_MKIMAGE" -q --rootfs "$rootfs" --initrd "$initrd" --out "$VARIANT" \
			--raw-only --fast --pcr-key "${E2E_PCR_KEY:?}" --cmdline "${E2E_CMDLINE:?} $args" --root-hash-sig \
			--verity-key "${E2E_VERITY_KEY:?}" --verity-cert "${E2E_VERITY_CERT:?}" "$@"
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

e2e_save() {
	rm -rf "$TMP/saved-$1"
	mkdir -p "$TMP/saved-$1"
	cp --sparse=always "$E2E_DISK" "$TMP/saved-$1/disk.raw"
	cp -a "$TMP/machine" "$TMP/saved-$1/machine"
}

e2e_restore() {
	[ -d "$TMP/saved-$1" ] || fail "nothing saved as '$1'"
	cp --sparse=always "$TMP/saved-$1/disk.raw" "$E2E_DISK"
	rm -rf "$TMP/machine"
	cp -a "$TMP/saved-$1/machine" "$TMP/machine"
}

# _part_range LABEL: "OFFSET BYTES" of partition LABEL.
_part_range() {
	local r
	r=$(jq -r --arg n "$1" '.disk.partitions[] | select(.name == $n) | "\(.offset) \(.bytes)"' "$E2E_MANIFEST")
	[[ $r =~ ^[0-9]+\ [0-9]+$ ]] || fail "no partition $1 in $E2E_MANIFEST"
	echo "$r"
}

part_sha256() {
	local off bytes
	read -r off bytes < <(_part_range "$1")
	dd if="$E2E_DISK" iflag=skip_bytes,count_bytes skip="$off" count="$bytes" bs=1M status=none |
		sha256sum | cut -d' ' -f1
}

part_extract() {
	local off bytes
	read -r off bytes < <(_part_range "$1")
	dd if="$E2E_DISK" of="$2" iflag=skip_bytes,count_bytes skip="$off" count="$bytes" bs=1M \
		conv=sparse status=none || fail "cannot copy partition $1 out of $E2E_DISK"
}

part_write_back() {
	local off bytes
	read -r off bytes < <(_part_range "$1")
	[ "$(stat -c %s "$2")" = "$bytes" ] || fail "$2 is not the size of partition $1 ($bytes bytes)"
	dd if="$2" of="$E2E_DISK" oflag=seek_bytes seek="$off" bs=1M conv=notrunc status=none ||
		fail "cannot write $2 into partition $1 of $E2E_DISK"
}

uki_pcr11() {
	local uki=$1 phases=${2:-} d=$TMP/uki-pcr11 s args=()
	rm -rf "$d"
	mkdir -p "$d"
	for s in linux osrel cmdline initrd pcrpkey; do
		objcopy -O binary --only-section=".$s" "$uki" "$d/$s" 2>/dev/null || fail "cannot read section .$s of $uki"
		[ ! -s "$d/$s" ] || args+=("--$s=$d/$s")
	done
	/usr/lib/systemd/systemd-measure calculate "${args[@]}" --bank=sha256 --phase="$phases" --json=short |
		jq -r '.sha256[0].hash'
}

persist_tokens() {
	part_extract sealroot-persist "$TMP/persist.img"
	cryptsetup luksDump --dump-json-metadata "$TMP/persist.img" | jq -c -S '{tokens, keyslots}' ||
		fail "no LUKS2 header on the persistent partition of $E2E_DISK"
	rm -f "$TMP/persist.img"
}

# The first line number of extended regex RE in the log (0 if absent).
_first_line() { tr -d '\r' <"$BOOT_LOG" | grep -anE -m1 -- "$1" | cut -d: -f1 || true; }

assert_locked_no_shell() {
	local want=$1 locked end got
	[ "$BOOT_RC" != 124 ] || fail "the guest did not reboot by itself: timeout (log $BOOT_LOG)"
	assert_not_done
	locked=$(_first_line 'sealroot: locked:')
	[ -n "$locked" ] || {
		grep -a 'sealroot' "$BOOT_LOG" | tail -20 >&2
		fail "no 'sealroot: locked:' in the log: the TPM was not locked (log $BOOT_LOG)"
	}
	# What runs after a failure: dracut's emergency script (its "Boot has
	# failed" warning, or the shell's banner and sulogin's prompt) and the
	# reboot.  (systemd may print "Started emergency.service" before the
	# output of the unit's ExecStartPre= lock: that line is not an action.)
	end=$(_first_line 'Boot has failed|Entering emergency mode|Press Enter for maintenance|Give root password|reboot: Restarting')
	[ -n "$end" ] || fail "the log shows neither dracut's emergency script nor a reboot (log $BOOT_LOG)"
	[ "$locked" -lt "$end" ] || {
		tr -d '\r' <"$BOOT_LOG" | sed -n "${end}p;${locked}p" >&2
		fail "'sealroot: locked:' (line $locked) came after emergency mode / the reboot (line $end) (log $BOOT_LOG)"
	}
	assert_grep 'reboot: Restarting system' "$BOOT_LOG"
	# Both layers of the initramfs locked: the emergency unit's ExecStartPre=
	# and dracut's emergency hook (each logs once to the kernel log).
	# (Count the timestamped copies; another process's output may share their line.)
	n=$(tr -d '\r' <"$BOOT_LOG" | grep -aoE '\[ *[0-9.]+\] sealroot: locked: PCR 15 extended \(failure:emergency\)' | wc -l)
	[ "$n" -ge 2 ] || fail "$n emergency lock(s) in the kernel log, expected the unit's and the hook's (log $BOOT_LOG)"
	assert_no_grep 'Press Enter for maintenance|Give root password|Login incorrect|Entering emergency mode|:/# |sh-[0-9.]+# ' "$BOOT_LOG"
	got=$(part_sha256 sealroot-persist)
	[ "$got" = "$want" ] || fail "the persistent partition changed during the boot (log $BOOT_LOG)"
}

assert_layout_mounts_hardened() {
	local log=${1:-$BOOT_LOG} m o
	for m in /opt /opt/.mount/tmpfs /var /etc/lp /etc/ssh /etc/machine-id /var/lib/e2e; do
		o=$(marker "options:$m" "$log")
		case ",$o," in
		*,nosuid,*nodev,* | *,nodev,*nosuid,*) ;;
		*) fail "$m is mounted without nosuid,nodev: options '$o' (log $log)" ;;
		esac
	done
	for m in /var /etc/lp; do
		assert_marker "upper:$m" "/opt/.mount/tmpfs$m/upper,tmpfs,/opt/.mount/tmpfs" "$log"
	done
	assert_marker tmpfs_write ok "$log"
	assert_marker upper_holds_write yes "$log"
}

assert_root_hash_signature_userspace() {
	local log=${1:-$BOOT_LOG}
	assert_grep 'Kernel command line: .*root-hash-signature=base64:' "$log"
	assert_grep 'SEALROOT-E2E-KMSG: .*sealroot: Root hash [0-9a-f]+: signature verified against /etc/sealroot/verity-certs' "$log"
	assert_grep 'SEALROOT-E2E-KMSG: .*sealroot: The kernel could not check the root hash signature' "$log"
	assert_marker verity_signature userspace "$log"
}
