#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages say what the programs do: every --long option a --help prints
# is documented in the matching section of its man page, and every --long
# option documented there exists; every kernel command line option (and
# systemd.verity_root_options= item) that helpers/cmdline/kcmdline.c accepts is in
# sealroot.cmdline(7), and every sealroot.* option that page names is accepted.
# Each page converts with go-md2man.
. "$(dirname "$0")/../lib.sh"
cd "$TOP"
MAN=$TOP/man
errors=0
err() { echo "  $*" >&2; errors=$((errors + 1)); }

[ -x "$SEALROOT" ] || fail "build $SEALROOT first (make)"

# --long option names in stdin, one per line, sorted.
long_opts() { grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u; }

# Lines of the Markdown section headed exactly HEADING ("# OPTIONS",
# "## persist"), up to the next heading of the same or a higher level.
section() {
	local file=$1 heading=$2
	awk -v h="$heading" '
		BEGIN { n = index(h, " ") - 1 }
		/^#+ / {
			lvl = index($0, " ") - 1
			if (in_s && lvl <= n) exit
			if ($0 == h) { in_s = 1; next }
		}
		in_s { print }' "$file"
}

# help_of CMD… : the --help output of CMD (must exit 0).
help_of() {
	local out rc=0
	out=$("$@" --help 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || { err "'$* --help' exited $rc"; return 0; }
	[ -n "$out" ] || err "'$* --help' printed nothing"
	printf '%s\n' "$out"
}

# compare WHAT HELP_TEXT PAGE HEADING: both directions.  --help is accepted by
# every command (help_of proves it), so the page may list it even where the
# help text does not.
compare() {
	local what=$1 help=$2 page=$3 heading=$4 sec o
	sec=$(section "$page" "$heading")
	[ -n "$sec" ] || { err "$page: no section '$heading' (for $what)"; return; }
	for o in $(printf '%s\n' "$help" | long_opts); do
		printf '%s\n' "$sec" | grep -qE -- "\`$o([^a-z0-9-]|\$)" ||
			err "$(basename "$page") '$heading': option $o of '$what --help' is not documented"
	done
	for o in $(printf '%s\n' "$sec" | long_opts); do
		[ "$o" = --help ] && continue
		printf '%s\n' "$help" | long_opts | grep -qxF -- "$o" ||
			err "$(basename "$page") '$heading': documents $o, which '$what --help' does not list"
	done
}

note "sealroot(8) against sealroot … --help"
compare "sealroot" "$(help_of "$SEALROOT")" "$MAN/sealroot.8.md" "# OPTIONS"
compare "sealroot layout" "$(help_of "$SEALROOT" layout; help_of "$SEALROOT" layout check
	help_of "$SEALROOT" layout plan; help_of "$SEALROOT" layout apply)" \
	"$MAN/sealroot.8.md" "## layout"
compare "sealroot verity" "$(help_of "$SEALROOT" verity; help_of "$SEALROOT" verity open
	help_of "$SEALROOT" verity verify)" "$MAN/sealroot.8.md" "## verity"
compare "sealroot persist" "$(help_of "$SEALROOT" persist; help_of "$SEALROOT" persist open)" \
	"$MAN/sealroot.8.md" "## persist"
compare "sealroot status" "$(help_of "$SEALROOT" status)" "$MAN/sealroot.8.md" "## status"
compare "sealroot lock" "$(help_of "$SEALROOT" lock)" "$MAN/sealroot.8.md" "## lock"

# Every subcommand and verb the binary knows has its own paragraph.
for verb in "layout check" "layout plan" "layout apply" "verity open" "verity verify" \
	"persist open" "persist provision" "persist check" "persist reseal" "status" "lock"; do
	grep -qF -- "\`sealroot $verb" "$MAN/sealroot.8.md" || err "sealroot.8.md: no paragraph for 'sealroot $verb'"
done
for c in $(help_of "$SEALROOT" | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { on = 0 }'); do
	grep -qx "## $c" "$MAN/sealroot.8.md" || err "sealroot.8.md: command '$c' of 'sealroot --help' has no section"
done

note "layout.env(5) names every option of sealroot layout"
for o in $( (help_of "$SEALROOT" layout check; help_of "$SEALROOT" layout plan
	help_of "$SEALROOT" layout apply) | long_opts); do
	[ "$o" = --help ] && continue
	grep -qF -- "$o" man/layout.env.5.md || err "layout.env.5.md: option $o of 'sealroot layout' missing"
done

note "sealroot-mkimage(8) and sealroot-boot(8) against scripts/mkimage and scripts/boot --help"
compare "scripts/mkimage" "$(help_of scripts/mkimage)" "$MAN/sealroot-mkimage.8.md" "# OPTIONS"
compare "scripts/boot" "$(help_of scripts/boot)" "$MAN/sealroot-boot.8.md" "# OPTIONS"

note "sealroot.cmdline(7) against helpers/cmdline/kcmdline.c"
CMDLINE_PAGE=$MAN/sealroot.cmdline.7.md
# The option table: { "name", opt_…, flags }.
mapfile -t names < <(sed -n 's/^[[:space:]]*{ "\([a-z0-9_.]*\)", opt_[a-z0-9_]*,.*/\1/p' helpers/cmdline/kcmdline.c)
[ "${#names[@]}" -ge 10 ] || fail "found only ${#names[@]} options in helpers/cmdline/kcmdline.c: has the option table changed?"
for n in "${names[@]}"; do
	grep -qE -- "\`$n(=|\`)" "$CMDLINE_PAGE" || err "sealroot.cmdline.7.md: kernel command line option $n is not documented"
done
# Items of systemd.verity_root_options=: the corruption policies, the ignored
# systemd options, and those compared with streq(item, "…").
mapfile -t items < <(
	awk '/^static int verity_option_item/,/^}/' helpers/cmdline/kcmdline.c |
		grep -oE '"[a-z]+(-[a-z]+)+"|"(superblock|format|salt|uuid|hash)"|streq\(item, "[a-z-]+"\)' |
		grep -oE '[a-z]+(-[a-z]+)*' | grep -vx 'streq\|item' | sort -u)
[ "${#items[@]}" -ge 15 ] || fail "found only ${#items[@]} verity option items in helpers/cmdline/kcmdline.c"
for i in "${items[@]}"; do
	grep -qE -- "\`$i(=|\`)" "$CMDLINE_PAGE" || err "sealroot.cmdline.7.md: verity option item $i is not documented"
done
# Reverse: every sealroot.* / systemd.verity_* option the page names exists.
for n in $(grep -oE '(rd\.)?(sealroot|systemd\.verity)[._][a-z0-9_]+' "$CMDLINE_PAGE" | sed 's/^rd\.//' | sort -u); do
	[ "$n" = sealroot.cmdline ] && continue
	printf '%s\n' "${names[@]}" | grep -qxF -- "$n" ||
		err "sealroot.cmdline.7.md names $n, which helpers/cmdline/kcmdline.c does not accept"
done
# The defaults the page states are the ones in config.h.
grep -q 'SEALROOT_DEFAULT_PERSIST_SPEC "PARTLABEL=sealroot-persist"' helpers/core/config.h &&
	grep -q 'Default `PARTLABEL=sealroot-persist`' "$CMDLINE_PAGE" || err "sealroot.persist= default differs from config.h"
grep -q 'SEALROOT_DEFAULT_TPM2_DEVICE "device:/dev/tpmrm0"' helpers/core/config.h &&
	grep -q 'Default `device:/dev/tpmrm0`' "$CMDLINE_PAGE" || err "sealroot.tpm2_device= default differs from config.h"
grep -q 'SEALROOT_DEFAULT_DEVICE_TIMEOUT_USEC (30 \* USEC_PER_SEC)' helpers/core/config.h &&
	grep -q 'Default `30s`' "$CMDLINE_PAGE" || err "sealroot.device_timeout= default differs from config.h"
grep -q 'SEALROOT_DEFAULT_TPM2_PCRS (UINT32_C(1) << 7)' helpers/core/config.h &&
	grep -q 'Default `7`' "$CMDLINE_PAGE" || err "sealroot.tpm2_pcrs= default differs from config.h"

note "every page converts with go-md2man"
command -v go-md2man >/dev/null || fail "go-md2man is missing (scripts/install-deps installs it)"
for src in man/*.md; do
	out=$TMP/$(basename "$src" .md)
	go-md2man -in "$src" -out "$out" || { err "$src: go-md2man failed"; continue; }
	grep -q '^\.TH ' "$out" || err "$src: no .TH header in the output"
	for s in NAME SYNOPSIS DESCRIPTION; do
		grep -q "^\.SH $s\$" "$out" || err "$src: no $s section"
	done
done

[ "$errors" -eq 0 ] || fail "$errors documentation mismatches (see above)"
echo "docs match --help and helpers/cmdline/kcmdline.c"
