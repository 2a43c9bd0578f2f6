# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/lib/sealroot-libs.sh — the shared libraries a sealroot binary
# needs in a root file system (sourced, bash; the boot lab's rootfs builders).
#
#   sealroot_libs BIN   print the path of every library BIN links (ldd), every
#                       library it loads with dlopen() (helpers/*/dl_*.c: their
#                       sonames are strings in the binary, looked up next to
#                       its libc), and every library those need; one a line,
#                       sorted.  The dynamic loader is included.

sealroot_libs() {
	local bin=$1 libdir so
	local -a objs=("$bin")
	libdir=$(dirname "$(ldd "$bin" | grep -o '/[^ ]*/libc\.so\.[0-9]*')")
	for so in $(grep -aoE 'lib[a-z0-9_+-]+\.so\.[0-9]+' "$bin" | sort -u); do
		[ -e "$libdir/$so" ] && objs+=("$libdir/$so")
	done
	for so in "${objs[@]}"; do
		[ "$so" = "$bin" ] || echo "$so"
		ldd "$so" | grep -o '/[^ ]*'
	done | sort -u
}
