#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# EMT-style entries the boot cannot take (/opt/docker, hidden at boot by the
# persistent partition on /opt; /var/edge-node/pua, whose parent the image
# lacks) are skipped at boot with a warning and a "skipped" report entry; the
# other entries are applied and apply exits 0.  `layout check --root` warns
# about exactly those entries, at their lines, with the reasons apply reports.
# Listed in REQUIRED_PATHS, the same entry fails the step (exit 1).
. "$(dirname "$0")/lib-layout.sh"
scratch_init
export SEALROOT_REPORT=$S/report.json
mkdir -p "$S/image/etc/ssh" "$S/image/var/log" "$S/image/opt/docker"
echo "Port 22" >"$S/image/etc/ssh/sshd_config"
# The persistent partition, mounted on /opt at boot as `persist open` does:
# the persistent tree is its .mount/persistence.
mkdir -p "$S/part/.mount/persistence"
cat >"$TMP/layout.env" <<'L'
TMPFS_OVERLAYS_PATHS="
	/var
	/var/edge-node
"
PERSISTENT_BIND_PATHS="
	/etc/ssh
	/opt/docker
	/var/edge-node/pua
	/var/log/inbm-update-status.log
"
PERSISTENT_BIND_FILES="/var/log/inbm-update-status.log"
L
export LAYOUT=$TMP/layout.env

"$SEALROOT" layout check --root "$S/image" "$LAYOUT" >"$TMP/check.out" 2>"$TMP/check.err" ||
	{ cat "$TMP/check.err"; fail "check --root must exit 0 with warnings only"; }
cat >"$TMP/want" <<W
$LAYOUT:3:2: warning: tmpfs overlay '/var/edge-node' is skipped at boot: the image has no directory here and a tmpfs overlay needs one; add the directory to the image or remove the entry
$LAYOUT:7:2: warning: persistent bind '/opt/docker' is skipped at boot: the mount point would be on the persistent partition (mounted on /opt at boot, hiding the image's /opt), which does not have it; what is stored there persists anyway: remove the entry, or bind a path outside /opt
$LAYOUT:8:2: warning: persistent bind '/var/edge-node/pua' is skipped at boot: the image has neither the mount point nor its parent directory; add them to the image or remove the entry
W
diff -u "$TMP/want" "$TMP/check.err" || fail "check --root warnings differ"

boot_on_partition() {
	boot '
		umount "$R$PBT"
		mount --bind "$S/part" "$R/opt"
		'"$1"
}
boot_on_partition '
	apply 0
	ismount /etc/ssh
	ismount /var
	ismount /var/log/inbm-update-status.log
	! ismount /opt/docker
	! ismount /var/edge-node/pua
	[ -f "$R/var/log/inbm-update-status.log" ]
	grep -q "warning: layout: /var/edge-node/pua: bind skipped: the image has neither" "$S/out"
	grep -q "warning: layout: /opt/docker: bind skipped: the mount point would be on the persistent partition" "$S/out"
'
layout_stage() { jq -r ".stages[] | select(.name == \"layout\") | $1" "$SEALROOT_REPORT"; }
assert_eq "$(layout_stage .result)" ok "stage result"
assert_eq "$(layout_stage .skipped)" 3 "skipped count"
# The same entries and the same reasons as check --root predicted.
layout_stage '.entries[] | select(.result == "skipped") | "\(.path): \(.message)"' | sort >"$TMP/apply.skips"
sed -E "s/^[^']*'([^']*)' is skipped at boot: /\1: /" "$TMP/check.err" | sort >"$TMP/check.skips"
diff -u "$TMP/check.skips" "$TMP/apply.skips" || fail "apply skipped other entries, or for other reasons, than check --root said"
"$SEALROOT" status >"$TMP/status" || fail "sealroot status exits non-zero after skips"
grep -Eq '^layout +/opt/docker +bind +skipped ' "$TMP/status" || { cat "$TMP/status"; fail "status does not show the skip"; }
assert_no_file "$S/part/.mount/persistence/opt"
assert_no_file "$S/part/.mount/persistence/var/edge-node"
assert_no_file "$S/part/docker"

# Required: the same entry fails the step; check --root says so first.
printf 'REQUIRED_PATHS="/opt/docker"\n' >>"$LAYOUT"
rc=0
"$SEALROOT" layout check --root "$S/image" "$LAYOUT" >/dev/null 2>"$TMP/check.err" || rc=$?
assert_eq "$rc" 1 "check --root of a required entry the boot skips"
grep -q ":7:2: error: persistent bind '/opt/docker' is in REQUIRED_PATHS but cannot be applied" "$TMP/check.err" ||
	{ cat "$TMP/check.err"; fail "no error for the required entry"; }
rm -f "$SEALROOT_REPORT"
boot_on_partition '
	apply 1
	ismount /etc/ssh
	grep -q "error: layout: /opt/docker: in REQUIRED_PATHS but cannot be applied" "$S/out"
'
assert_eq "$(layout_stage .result)" failed "stage result when required"
echo PASS
