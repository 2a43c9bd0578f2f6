#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A symlink planted on the persistent partition — as the leaf or as an
# intermediate component, absolute or relative — makes that entry fail with an
# error naming the symlink, and nothing is mounted from (or written to) its
# target.  A symlink in the image at a mount point is refused the same way.
# The other entries are still applied.
. "$(dirname "$0")/lib-layout.sh"
scratch_init
mkdir -p "$S/image/etc/ssh" "$S/image/etc/pki" "$S/image/var/lib/app" "$S/image/srv/data" \
	"$S/image/opt/real" "$S/outside"
echo secret >"$S/outside/shadow"
echo ok >"$S/image/etc/hostname"
ln -s ../opt/real "$S/image/srv/link"
cat >"$TMP/layout.env" <<'L'
PERSISTENT_BIND_PATHS="
	/etc/ssh
	/etc/pki
	/var/lib/app
	/srv/data
	/srv/link
	/etc/hostname
"
L
export LAYOUT=$TMP/layout.env
mkdir -p "$S/persist/etc" "$S/persist/srv"
ln -s "$S/outside" "$S/persist/etc/ssh"          # leaf, absolute
ln -s ../../../outside "$S/persist/etc/pki"      # leaf, relative
ln -s "$S/outside" "$S/persist/var"              # intermediate, absolute
ln -s ../outside "$S/persist/srv/data" 2>/dev/null || true
rm -f "$S/persist/srv/data"
ln -s .. "$S/persist/srv/up"                     # not in the layout: harmless
mkdir -p "$S/persist/x"
ln -s ../x "$S/persist/srv/data"                 # leaf, relative, inside the tree

boot '
	apply 1
	cp "$S/out" "$S/out.saved"
	for p in /etc/ssh /etc/pki /var/lib/app /srv/data /srv/link; do
		! ismount $p || { echo "FAIL: $p mounted despite a symlink"; exit 1; }
	done
	ismount /etc/hostname || { echo "FAIL: unrelated entry not applied"; exit 1; }
	findmnt -R -n -l -o TARGET "$R" >"$S/mounts"
'
out=$S/out.saved
assert_grep "layout: /etc/ssh: .*$PBT/etc/ssh is a symlink" "$out"
assert_grep "layout: /etc/pki: .*$PBT/etc/pki is a symlink" "$out"
assert_grep "layout: /var/lib/app: .*$PBT/var is a symlink" "$out"
assert_grep "layout: /srv/data: .*$PBT/srv/data is a symlink" "$out"
assert_grep "layout: /srv/link: .*/srv/link is a symlink" "$out"
assert_eq "$(sed "s|^$R||" "$S/mounts" | sort | tr '\n' ' ')" \
	" /etc/hostname $PBT $TOT /var " "only root, persistence, the default /var overlay and /etc/hostname mounted"
assert_eq "$(ls -A "$S/outside")" shadow "nothing written through a planted symlink"
assert_no_file "$S/image/opt/real/data"
assert_no_file "$S/persist/srv/link"
echo PASS
