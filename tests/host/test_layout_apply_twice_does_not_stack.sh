#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Applying the default layout twice in one boot mounts nothing more the
# second time (mountinfo line count) and says "already applied".
. "$(dirname "$0")/lib-layout.sh"
scratch_init
image_default

boot '
	apply
	n1=$(grep -c " $R" /proc/self/mountinfo)
	apply
	n2=$(grep -c " $R" /proc/self/mountinfo)
	grep -q "already applied" "$S/out" || { cat "$S/out"; echo "FAIL: no already-applied note"; exit 1; }
	[ "$n1" = "$n2" ] || { echo "FAIL: mounts stacked: $n1 then $n2"; exit 1; }
	[ "$n1" -ge 30 ] || { echo "FAIL: only $n1 mounts after the first apply"; exit 1; }
	echo "mounts: $n1 after first apply, $n2 after second"
'
echo PASS
