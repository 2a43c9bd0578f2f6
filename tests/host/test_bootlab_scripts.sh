#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The boot-lab scripts without booting anything: every option a script parses
# is in its --help, usage errors exit 2, the busybox rootfs is complete (the
# sealroot copied into it runs there with only the libraries that were copied),
# and the dracut module's shell parses.
source "$(dirname "$0")/../lib.sh"

# help_lists_options SCRIPT: each "--opt)" of the option parser appears in --help.
help_lists_options() {
	local script=$1 opt n=0
	run_expect_rc 0 "$script" --help
	cp "$TMP/out" "$TMP/help"
	for opt in $(grep -oE '^\s+(-[a-z] \| )?--[a-z-]+( \| -[a-z])?\) ' "$script" | grep -oE -- '--[a-z-]+'); do
		grep -qe "$opt" "$TMP/help" || fail "$script: option $opt is parsed but not in --help"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "$script: found only $n options in its parser (is the pattern stale?)"
}

for s in scripts/boot scripts/mkinitrd scripts/mkrootfs-busybox; do
	help_lists_options "$TOP/$s"
done
run_expect_rc 0 "$TOP/tests/e2e/run" --help

run_expect_rc 2 "$TOP/scripts/boot"
run_expect_rc 2 "$TOP/scripts/boot" --secure-boot maybe "$TMP/x.raw"
run_expect_rc 2 "$TOP/scripts/boot" --timeout soon "$TMP/x.raw"
run_expect_rc 1 "$TOP/scripts/boot" "$TMP/missing.raw"
assert_grep 'image .*missing.raw not found' "$TMP/out"
run_expect_rc 2 "$TOP/scripts/mkinitrd" --flavour upstart "$TMP/initrd.img"
run_expect_rc 2 "$TOP/scripts/mkinitrd"
run_expect_rc 2 "$TOP/scripts/mkrootfs-busybox" --bogus "$TMP/r"

# The rootfs.
run_expect_rc 0 "$TOP/scripts/mkrootfs-busybox" --layout "$TOP/tests/e2e/layout.env" \
	--sealroot "$SEALROOT" "$TMP/rootfs"
r=$TMP/rootfs
[ -x "$r/bin/busybox" ] || fail "no /bin/busybox"
[ -L "$r/bin/sh" ] || fail "no /bin/sh applet link"
cmp -s "$r/sbin/init" "$TOP/tests/e2e/guest-init" || fail "/sbin/init is not tests/e2e/guest-init"
cmp -s "$r/etc/sealroot/layout.env" "$TOP/tests/e2e/layout.env" || fail "layout.env not installed"
[ -d "$r/etc/ssh" ] && [ -d "$r/var/lib/e2e" ] && [ -d "$r/etc/lp" ] || fail "layout directories missing"
[ -f "$r/etc/machine-id" ] || fail "/etc/machine-id must be a file (file bind mount)"
run_expect_rc 0 chroot "$r" /usr/sbin/sealroot --version
assert_grep '^sealroot [0-9]' "$TMP/out"
# The libraries sealroot dlopen()s (ldd does not list them), each loadable there.
ldso=$(cd "$r" && find lib64 usr/lib64 -maxdepth 1 -name 'ld-linux-*.so.*' 2>/dev/null | head -1)
for so in $(grep -rhoE 'dlopen_lib_load\("[^"]+"' "$TOP/helpers" | sed 's/.*("//; s/"$//' | sort -u); do
	p=$(cd "$r" && find lib usr/lib -name "$so" 2>/dev/null | head -1)
	[ -n "$p" ] || fail "rootfs: no $so (sealroot loads it with dlopen())"
	run_expect_rc 0 chroot "$r" "/$ldso" --list "/$p"
done
run_expect_rc 1 chroot "$r" /bin/sh -c 'SEALROOT_REPORT=/nonexistent/report.json sealroot status'
assert_grep 'sealroot did not run during this boot' "$TMP/out"

# A path in PERSISTENT_BIND_FILES is not made a directory (sealroot creates
# the empty file at boot); its parent is made, and check --root is clean.
cat "$TOP/tests/e2e/layout.env" - >"$TMP/files.env" <<'L'
PERSISTENT_BIND_PATHS+=" /var/log/app/state.log"
PERSISTENT_BIND_FILES="/var/log/app/state.log"
L
run_expect_rc 0 "$TOP/scripts/mkrootfs-busybox" --layout "$TMP/files.env" \
	--sealroot "$SEALROOT" "$TMP/rootfs-files"
[ -d "$TMP/rootfs-files/var/log/app" ] || fail "parent of a PERSISTENT_BIND_FILES path not made"
assert_no_file "$TMP/rootfs-files/var/log/app/state.log"
run_expect_rc 0 "$SEALROOT" layout check --root "$TMP/rootfs-files" "$TMP/files.env"
assert_no_grep 'warning' "$TMP/out"

# It refuses to overwrite a non-empty directory.
run_expect_rc 1 "$TOP/scripts/mkrootfs-busybox" --layout "$TOP/tests/e2e/layout.env" \
	--sealroot "$SEALROOT" "$TMP/rootfs"
assert_grep 'not empty' "$TMP/out"

# Shell glue parses; the units run sealroot with --kmsg and only for verity images.
for f in "$TOP"/modules.d/90sealroot/*.sh "$TOP"/scripts/boot "$TOP"/scripts/mkinitrd \
	"$TOP"/scripts/mkrootfs-busybox "$TOP"/tests/e2e/run "$TOP"/tests/e2e/*.sh; do
	bash -n "$f" || fail "$f does not parse"
done
sh -n "$TOP/tests/e2e/guest-init" || fail "guest-init does not parse"
for u in "$TOP"/modules.d/90sealroot/*.service; do
	assert_grep '^ExecStart=/usr/sbin/sealroot --kmsg ' "$u"
	assert_grep '^ConditionKernelCommandLine=roothash$' "$u"
	assert_grep '^OnFailure=emergency.target$' "$u"
	assert_grep '^DefaultDependencies=no$' "$u"
done
