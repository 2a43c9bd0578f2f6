#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# packaging/sealroot.spec packages exactly what `make install` installs: every
# installed file is matched by one %files entry, every entry matches an
# installed file, every directory sealroot owns is a %dir; the spec's Version
# is the Makefile's; the sealroot-mkimage/-boot wrappers point at installed
# scripts.  Then `rpmbuild -bb --nodeps` (scripts/build-rpm --worktree) builds
# both packages and they contain the same list.
# Then the installed product works: both RPMs installed with `rpm --root` into
# an empty root give the same tree as `make install DESTDIR=` (paths, modes,
# symlinks, and every file byte for byte except the ELF binary, which rpmbuild
# compiles with its own CFLAGS and strips: that one must run and print the same
# --version and --help), and the RPM's sealroot-mkimage and sealroot-boot run
# from that root: --help, then a build of a tiny rootfs up to image.raw (no
# boot) that is byte-identical to what scripts/mkimage builds from the tree.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-mkimage.sh"
cd "$TOP"
SPEC=packaging/sealroot.spec
command -v rpmspec >/dev/null || fail "rpmspec is missing (scripts/install-deps installs rpm)"

version=$(sed -n 's/^VERSION *:= *//p' Makefile)
assert_eq "$(rpmspec -q --srpm --qf '%{VERSION}' "$SPEC")" "$version" "spec Version vs. Makefile VERSION"

# What make install installs (relative to DESTDIR, with a leading /).
D=$TMP/destdir
make --no-print-directory -s install DESTDIR="$D" PREFIX=/usr >"$TMP/install.log" 2>&1 ||
	{ cat "$TMP/install.log" >&2; fail "make install failed"; }
(cd "$D" && find . ! -type d | sed 's|^\.||' | sort) >"$TMP/installed-files"
# Directories sealroot owns: those whose path names sealroot.
(cd "$D" && find . -type d | sed 's|^\.||' | grep sealroot | sort) >"$TMP/installed-dirs"
[ -s "$TMP/installed-files" ] || fail "make install installed nothing"

# The %files entries, macros expanded.  A line is: [%doc|%license|%dir|%attr(…)|
# %config(…)…] PATH; PATH may end in * (man pages: the build host may compress).
rpmspec -P "$SPEC" | awk '
	/^%files/ { on = 1; next }
	/^%(package|description|prep|build|install|check|changelog|pre|post|preun|postun|files)/ { on = 0 }
	on && NF && $0 !~ /^#/ { print }
' >"$TMP/files-section"
: >"$TMP/spec-files"
: >"$TMP/spec-dirs"
while read -r line; do
	dir=0
	# shellcheck disable=SC2086  # split the line into its words
	set -- $line
	while [ $# -gt 1 ]; do
		case $1 in
		%dir) dir=1 ;;
		%doc | %license | %ghost | %config* | %attr* | %verify* | %defattr*) ;;
		*) fail "unexpected %files line in $SPEC: $line" ;;
		esac
		shift
	done
	case $1 in /*) ;; *) fail "%files entry is not an absolute path: $line" ;; esac
	if [ "$dir" = 1 ]; then echo "$1" >>"$TMP/spec-dirs"; else echo "$1" >>"$TMP/spec-files"; fi
done <"$TMP/files-section"
[ -s "$TMP/spec-files" ] || fail "no %files entries found in $SPEC"

errors=0
err() { echo "  $*" >&2; errors=$((errors + 1)); }
# Glob -> regex: only "*" is special (within one path component).
to_re() { printf '^%s$' "$(printf '%s' "$1" | sed 's/[].[^$\\+?(){}|]/\\&/g; s/\*/[^\/]*/g')"; }

while read -r f; do
	n=0
	while read -r p; do printf '%s\n' "$f" | grep -qE "$(to_re "$p")" && n=$((n + 1)); done <"$TMP/spec-files"
	[ "$n" -eq 1 ] || err "installed $f is matched by $n %files entries (want exactly 1)"
done <"$TMP/installed-files"
while read -r p; do
	grep -qE "$(to_re "$p")" "$TMP/installed-files" || err "%files entry $p matches nothing make install installs"
done <"$TMP/spec-files"
sort -o "$TMP/spec-dirs" "$TMP/spec-dirs"
if ! diff -u "$TMP/installed-dirs" "$TMP/spec-dirs" >"$TMP/dirs.diff"; then
	cat "$TMP/dirs.diff" >&2
	err "directories owned by sealroot (-: installed, not %dir; +: %dir, not installed)"
fi

# The wrappers exec an installed script.
for t in mkimage boot; do
	w=$D/usr/sbin/sealroot-$t
	assert_file "$w"
	target=$(sed -n 's/^exec \([^ ]*\) .*/\1/p' "$w")
	[ -n "$target" ] && [ -x "$D$target" ] || err "sealroot-$t runs '$target', which is not installed"
done
# layout.env(5) and the other pages are real man pages.
for m in man5/layout.env.5 man7/sealroot.cmdline.7 man8/sealroot.8 man8/sealroot-mkimage.8 man8/sealroot-boot.8; do
	grep -q '^\.TH "[A-Z.-]*" "[578]" "" "sealroot '"$version"'"' "$D/usr/share/man/$m" || err "$m has no proper .TH line"
done
[ "$errors" -eq 0 ] || fail "$errors mismatches between $SPEC and make install"
note "spec %files == make install: $(wc -l <"$TMP/installed-files") files, $(wc -l <"$TMP/installed-dirs") directories"

# rpmbuild -bb --nodeps (BuildRequires are dpkg packages here; see scripts/build-rpm).
t0=$(date +%s)
scripts/build-rpm --worktree --out "$TMP/rpm" >"$TMP/rpmbuild.log" 2>&1 ||
	{ tail -40 "$TMP/rpmbuild.log" >&2; fail "scripts/build-rpm failed"; }
note "rpmbuild -bb --nodeps: $(($(date +%s) - t0)) s"
rpms=$(find "$TMP/rpm/RPMS" -name '*.rpm' | sort)
assert_eq "$(echo "$rpms" | sed 's|.*/||' | tr '\n' ' ')" \
	"sealroot-tools-$version-1.noarch.rpm sealroot-$version-1.x86_64.rpm " "built RPMs"
# shellcheck disable=SC2086
rpm -qlp $rpms 2>/dev/null | grep -v '^/usr/lib/\.build-id' | sed 's/\.gz$//' | sort >"$TMP/rpm-list"
sed 's/\.gz$//' "$TMP/installed-files" | cat - "$TMP/installed-dirs" | sort >"$TMP/want-list"
diff -u "$TMP/want-list" "$TMP/rpm-list" || fail "the RPMs' contents differ from make install (-: installed only, +: RPM only)"

# Both RPMs installed into an empty root (rpm's database in R/.rpmdb).
R=$TMP/root
mkdir -p "$R"
# shellcheck disable=SC2086
rpm --root "$R" --dbpath /.rpmdb -i --nodeps $rpms >"$TMP/rpm-i.log" 2>&1 ||
	{ cat "$TMP/rpm-i.log" >&2; fail "rpm --root $R -i --nodeps failed"; }
# TYPE MODE PATH [-> TARGET] of every entry, without rpm's own: its database
# and the /usr/lib/.build-id links.
tree_of() { (cd "$1" && find . -mindepth 1 -printf '%y %m %p %l\n' | grep -Ev '^[^ ]+ [^ ]+ \./(\.rpmdb|usr/lib/\.build-id)' | sort); }
tree_of "$D" >"$TMP/tree-destdir"
tree_of "$R" >"$TMP/tree-rpm"
diff -u "$TMP/tree-destdir" "$TMP/tree-rpm" ||
	fail "rpm --root tree differs from the make install tree (-: make install only, +: RPM only)"
n=0
while read -r f; do
	if file -b "$D$f" | grep -q '^ELF'; then
		file -b "$R$f" | grep -q '^ELF' || fail "$f: ELF in make install, not in the RPM"
		for a in --version --help; do
			assert_eq "$("$R$f" $a 2>&1)" "$("$D$f" $a 2>&1)" "$f $a: RPM vs. make install"
		done
		continue
	fi
	cmp "$D$f" "$R$f" || fail "$f differs between make install and the RPM"
	n=$((n + 1))
done <"$TMP/installed-files"
note "rpm --root tree == make install tree; $n files byte for byte, the binary by its output"

# The RPM's tools run from that root, through the wrappers' exec targets.
tool() { printf '%s%s' "$R" "$(sed -n 's/^exec \([^ ]*\) .*/\1/p' "$R/usr/sbin/sealroot-$1")"; }
for t in mkimage boot; do
	"$(tool $t)" --help >"$TMP/help-$t" 2>&1 || { cat "$TMP/help-$t" >&2; fail "installed sealroot-$t --help failed"; }
	assert_grep "^Usage: " "$TMP/help-$t"
done
# A tiny rootfs up to image.raw (unsigned: sbsign stamps the time), with the
# installed mkimage and with the tree's: the same image.
mkimage_fixture
MKIMAGE=$(tool mkimage)
t0=$(date +%s)
for slots in single ab; do
	MKIMAGE=$(tool mkimage)
	mkimage_build "$TMP/img-rpm-$slots" --raw-only --fast --no-sign --slots "$slots"
	MKIMAGE=$TOP/scripts/mkimage
	mkimage_build "$TMP/img-tree-$slots" --raw-only --fast --no-sign --slots "$slots"
	cmp "$TMP/img-rpm-$slots/image.raw" "$TMP/img-tree-$slots/image.raw" ||
		fail "--slots $slots: the RPM's sealroot-mkimage built another image than scripts/mkimage"
done
note "installed sealroot-mkimage built the tree's images, --slots single and ab ($(($(date +%s) - t0)) s for the four)"
echo "packaging/sealroot.spec matches make install; rpmbuild built $(echo "$rpms" | wc -l) packages; the RPM-installed tree equals make install and builds images"
