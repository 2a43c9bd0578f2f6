#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Both dracut flavours built by scripts/mkinitrd run "sealroot lock" before any
# shell can start, and never give a shell when the lock fails:
# - systemd: every unit of the initramfs that starts a shell (sulogin,
#   dracut-emergency, systemd-sulogin-shell, sh/bash) has, as systemd 252 itself
#   reads it (systemd-analyze verify --root on the unpacked initramfs), the
#   ExecStartPre= "sealroot --kmsg lock --reason emergency" (not "-"-prefixed,
#   so a failing lock fails the unit before its shell), FailureAction=
#   reboot-force and an ordering after sealroot-persist.service and
#   sealroot-layout.service (which runs the mount step; the unlock
#   runs beside the verity stage: when a stage fails and emergency.target is
#   isolated, systemd stops a still-running unlock before the lock runs);
# - systemd: the unlock is ordered after neither the root nor the verity
#   stage, nor before initrd-root-fs.target; the mount step needs both the
#   root and the unlock and runs in the layout's unit, before the layout;
# - both: the first hook of "emergency" and "shutdown-emergency" is the lock,
#   run here in a chroot of the unpacked initramfs with a stub sealroot and a
#   stub reboot: lock ok -> the caller continues; lock failed -> reboot -f is
#   called and the hook never returns to its caller (the shell).
# The binary in the initramfs is the one that was built.
source "$(dirname "$0")/../lib.sh"

LOCK_CMD="/usr/sbin/sealroot --kmsg lock --reason emergency"
kver=$(ls /boot/vmlinuz-* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -1)
[ -n "$kver" ] || fail "no kernel in /boot"
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (package systemd)"

for flavour in systemd classic; do
	img=$TMP/initrd-$flavour.img
	root=$TMP/root-$flavour
	"$TOP/scripts/mkinitrd" --quiet --flavour "$flavour" --compress cat --kver "$kver" \
		--sealroot "$SEALROOT" "$img" >"$TMP/mkinitrd-$flavour.log" 2>&1 ||
		{ cat "$TMP/mkinitrd-$flavour.log" >&2; fail "mkinitrd --flavour $flavour failed"; }
	lsinitrd "$img" >"$TMP/list-$flavour" || fail "lsinitrd cannot read $img"
	mkdir -p "$root"
	(cd "$root" && cpio -id --quiet <"$img") || fail "cannot unpack $img"
	# dracut strips debug information from what it installs.
	strip --strip-debug -o "$TMP/sealroot.stripped" "$SEALROOT"
	cmp -s "$root/usr/sbin/sealroot" "$TMP/sealroot.stripped" ||
		fail "$flavour: /usr/sbin/sealroot in the initramfs is not $SEALROOT"

	# dracut's hooks: the lock is the first script of both, and it runs the binary.
	for hook in emergency shutdown-emergency; do
		first=$(ls "$root/usr/lib/dracut/hooks/$hook" | head -1)
		assert_eq "$first" 00-sealroot-lock-hook.sh "$flavour: first $hook hook"
		grep -qF "$LOCK_CMD" "$root/usr/lib/dracut/hooks/$hook/$first" ||
			fail "$flavour: the $hook hook does not run '$LOCK_CMD'"
	done
	[ -e "$root/usr/sbin/reboot" ] || fail "$flavour: no reboot in the initramfs (rd.emergency=reboot and the hook need it)"
done

# systemd: every shell unit as systemd reads it, drop-ins included.
root=$TMP/root-systemd
n=0
for unit in "$root"/usr/lib/systemd/system/*.service; do
	u=$(basename "$unit")
	grep -qE '^ExecStart=.*(sulogin|dracut-emergency|/bin/(ba)?sh)' "$unit" || continue
	n=$((n + 1))
	SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --root="$root" "$u" >"$TMP/dump-$u" 2>&1 ||
		{ tail -20 "$TMP/dump-$u" >&2; fail "systemd-analyze verify $u failed"; }
	# The unit's own dump section.
	sed -n "/-> Unit $u:/,/^	-> Unit /p" "$TMP/dump-$u" >"$TMP/unit-$u"
	grep -qP '^\t\tFailure Action: reboot-force$' "$TMP/unit-$u" ||
		{ cat "$TMP/unit-$u" >&2; fail "$u: no FailureAction=reboot-force"; }
	pre=$(sed -n '/-> ExecStartPre:/,/-> Exec[A-Z][a-z]*:/p' "$TMP/unit-$u" | grep -m1 'Command Line:' | sed 's/.*Command Line: //')
	assert_eq "$pre" "$LOCK_CMD" "$u: first ExecStartPre= as systemd reads it"
	grep -q "^ExecStartPre=$LOCK_CMD\$" "$root/usr/lib/systemd/system/$u.d/sealroot-lock.conf" ||
		fail "$u: the lock's ExecStartPre= is missing or '-'-prefixed (a failed lock would not stop the shell)"
	grep -qP '^\t\tAfter: sealroot-persist\.service ' "$TMP/unit-$u" ||
		{ cat "$TMP/unit-$u" >&2; fail "$u: not ordered after sealroot-persist.service (a running unlock could outlive the lock)"; }
	grep -qP '^\t\tAfter: sealroot-layout\.service ' "$TMP/unit-$u" ||
		{ cat "$TMP/unit-$u" >&2; fail "$u: not ordered after sealroot-layout.service (its persist mount, which may provision, could outlive the lock)"; }
done

# The sealroot units' own dependencies (systemd-analyze verify cannot load
# them: sysroot.mount comes from a generator at boot), one "After: x" line per
# unit named in After=/Requires=, plus "WantedBy: T" per T.wants/ link.
deps() { # UNIT
	local f=$root/usr/lib/systemd/system/$1 t
	[ -f "$f" ] || fail "no $1 in the systemd initramfs"
	awk -F= '$1 == "After" || $1 == "Requires" { n = split($2, u, " "); for (i = 1; i <= n; i++) print $1 ": " u[i] }' "$f"
	for t in "$root"/{etc,usr/lib}/systemd/system/*.wants/"$1"; do
		if [ -L "$t" ]; then echo "WantedBy: $(basename "$(dirname "$t")" .wants)"; fi
	done
}
deps sealroot-persist.service >"$TMP/deps-unlock"
assert_grep 'ExecStart=.*persist unlock' "$root/usr/lib/systemd/system/sealroot-persist.service"
for d in sysroot.mount sealroot-verity.service initrd-root-fs.target initrd-root-device.target; do
	! grep -qE "^(After|Requires): $d\$" "$TMP/deps-unlock" ||
		fail "sealroot-persist.service (the unlock) waits for $d: it would not overlap the verity stage"
done
# Nothing waits for the unlock to reach initrd-root-fs.target: that target
# starts initrd-parse-etc.service (a daemon-reload), which then runs beside
# the unlock instead of after it, on the critical path.
grep -q '^Before=.*initrd-root-fs\.target' "$root/usr/lib/systemd/system/sealroot-persist.service" &&
	fail "sealroot-persist.service is ordered before initrd-root-fs.target: initrd-parse-etc would wait for the unlock"
# The mount step (which may provision) and the layout: one unit, mount first.
[ ! -e "$root/usr/lib/systemd/system/sealroot-persist-mount.service" ] ||
	fail "sealroot-persist-mount.service is still installed: a job transition on the critical path"
deps sealroot-layout.service >"$TMP/deps-layout"
for d in "After: sysroot.mount" "After: sealroot-persist.service" "Requires: sysroot.mount" \
	"Requires: sealroot-persist.service" "WantedBy: initrd.target"; do
	grep -qx "$d" "$TMP/deps-layout" || { cat "$TMP/deps-layout" >&2; fail "sealroot-layout.service: no $d"; }
done
assert_eq "$(grep '^ExecStart=' "$root/usr/lib/systemd/system/sealroot-layout.service")" \
	"ExecStart=/usr/sbin/sealroot --kmsg layout apply --mount-persist --root /sysroot" \
	"sealroot-layout.service: the persistent mount, then the layout"
# The layout is part of initrd-fs.target, as systemd's own x-initrd mounts are:
# not after it, where it would wait for initrd-parse-etc.service's daemon-reload.
grep -qx 'After: initrd-fs.target' "$TMP/deps-layout" &&
	fail "sealroot-layout.service waits for initrd-fs.target (initrd-parse-etc's daemon-reload) before it starts"
grep -q '^Before=.*initrd-fs\.target' "$root/usr/lib/systemd/system/sealroot-layout.service" ||
	fail "sealroot-layout.service is not ordered before initrd-fs.target"
# (Not the lock, but this initramfs is at hand: systemd-modules-load loads the
# dm targets at sysinit, off the critical path, and both units wait for it.)
[ "$(grep -v '^#' "$root/usr/lib/modules-load.d/sealroot.conf" | sort | tr '\n' ' ')" = "dm_crypt dm_verity ecb erofs ext4 overlay xts " ] ||
	fail "the systemd initramfs does not preload dm_verity, dm_crypt, the xts/ecb templates of the persistent partition's cipher and the erofs/ext4/overlay filesystems (usr/lib/modules-load.d/sealroot.conf)"
for m in dm-verity dm-crypt xts ecb erofs ext4 overlay; do
	grep -q "/$m\.ko" "$TMP/list-systemd" || fail "the systemd initramfs lacks the $m module it preloads"
done
for u in sealroot-persist.service sealroot-verity.service; do
	grep -q '^After=.*systemd-modules-load\.service' "$root/usr/lib/systemd/system/$u" ||
		fail "$u does not wait for systemd-modules-load.service"
done
[ "$n" -ge 4 ] || fail "found only $n shell units in the systemd initramfs (emergency, rescue, dracut-emergency, debug-shell expected)"

# The hook's behaviour, in a chroot of the classic initramfs (its /proc is an
# empty directory, never the host's).  Stubs record what was called.
root=$TMP/root-classic
mountpoint -q "$root/proc" && fail "$root/proc is a mount point: refusing to run the hook"
printf '#!/bin/sh\necho "sealroot $*" >>/calls\nexit "$(cat /lock-rc)"\n' >"$root/usr/sbin/sealroot"
rm -f "$root/usr/sbin/reboot"
printf '#!/bin/sh\necho "reboot $*" >>/calls\n' >"$root/usr/sbin/reboot"
chmod +x "$root/usr/sbin/sealroot" "$root/usr/sbin/reboot"
for hook in emergency shutdown-emergency; do
	for rc in 0 1; do
		echo "$rc" >"$root/lock-rc"
		: >"$root/calls"
		rm -f "$root/proc/sysrq-trigger"
		out=$(timeout 5 chroot "$root" /bin/sh -c ". /usr/lib/dracut/hooks/$hook/00-sealroot-lock-hook.sh; echo CALLER-CONTINUES" 2>&1) || true
		calls=$(cat "$root/calls")
		if [ "$rc" = 0 ]; then
			assert_eq "$out" CALLER-CONTINUES "$hook hook, lock ok: output"
			assert_eq "$calls" "sealroot --kmsg lock --reason emergency" "$hook hook, lock ok: calls"
		else
			[[ $out != *CALLER-CONTINUES* ]] || fail "$hook hook: the lock failed and the hook returned to its caller (a shell would start)"
			assert_eq "$calls" "sealroot --kmsg lock --reason emergency
reboot -f" "$hook hook, lock failed: calls"
			assert_eq "$(cat "$root/proc/sysrq-trigger" 2>/dev/null)" b "$hook hook, lock failed: sysrq fallback"
		fi
	done
done
echo "ok: $n shell units lock first (FailureAction=reboot-force); hooks lock first in both flavours"
