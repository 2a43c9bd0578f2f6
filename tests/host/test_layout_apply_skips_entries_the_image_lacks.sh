#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# EMT-style entries whose mount point (and its parent) the image lacks
# (/opt/docker, /var/edge-node/pua) are skipped at boot with a warning and a
# "skipped" report entry; the other entries are applied and apply exits 0.
# `layout check --root` warns about exactly those entries, at their lines.
# Listed in REQUIRED_PATHS, the same entry fails the step (exit 1).
. "$(dirname "$0")/layout_lib.sh"
scratch_init
export SEALROOT_REPORT=$S/report.json
mkdir -p "$S/image/etc/ssh" "$S/image/var/log"
echo "Port 22" >"$S/image/etc/ssh/sshd_config"
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
$LAYOUT:7:2: warning: persistent bind '/opt/docker' is skipped at boot: the mount point is missing in the image and its parent is not on a tmpfs overlay, so it cannot be created; add it to the image or overlay its parent
$LAYOUT:8:2: warning: persistent bind '/var/edge-node/pua' is skipped at boot: the image has neither the mount point nor its parent directory; add them to the image or remove the entry
W
diff -u "$TMP/want" "$TMP/check.err" || fail "check --root warnings differ"

boot '
	apply 0
	ismount /etc/ssh
	ismount /var
	ismount /var/log/inbm-update-status.log
	! ismount /opt/docker
	! ismount /var/edge-node/pua
	[ -f "$R/var/log/inbm-update-status.log" ]
	grep -q "warning: layout: /var/edge-node/pua: bind skipped: the image has neither" "$S/out"
	grep -q "warning: layout: /opt/docker: bind skipped: " "$S/out"
'
assert_eq "$(jq -r '.stages[] | select(.name == "layout") | .result' "$SEALROOT_REPORT")" ok "stage result"
assert_eq "$(jq -r '.stages[] | select(.name == "layout") | [.entries[] | select(.result == "skipped") | .path] | join(" ")' "$SEALROOT_REPORT")" \
	"/var/edge-node /opt/docker /var/edge-node/pua" "skipped entries in the report"
assert_eq "$(jq -r '.stages[] | select(.name == "layout") | .skipped' "$SEALROOT_REPORT")" 3 "skipped count"
"$SEALROOT" status >"$TMP/status" || fail "sealroot status exits non-zero after skips"
grep -Eq '^layout +/opt/docker +bind +skipped ' "$TMP/status" || { cat "$TMP/status"; fail "status does not show the skip"; }
assert_no_file "$S/persist/opt/docker"
assert_no_file "$S/persist/var/edge-node"

# Required: the same entry fails the step; check --root says so first.
printf 'REQUIRED_PATHS="/opt/docker"\n' >>"$LAYOUT"
rc=0
"$SEALROOT" layout check --root "$S/image" "$LAYOUT" >/dev/null 2>"$TMP/check.err" || rc=$?
assert_eq "$rc" 1 "check --root of a required entry the boot skips"
grep -q ":7:2: error: persistent bind '/opt/docker' is in REQUIRED_PATHS but cannot be applied" "$TMP/check.err" ||
	{ cat "$TMP/check.err"; fail "no error for the required entry"; }
rm -f "$SEALROOT_REPORT"
boot '
	apply 1
	ismount /etc/ssh
	grep -q "error: layout: /opt/docker: in REQUIRED_PATHS but cannot be applied" "$S/out"
'
assert_eq "$(jq -r '.stages[] | select(.name == "layout") | .result' "$SEALROOT_REPORT")" failed "stage result when required"
echo PASS
