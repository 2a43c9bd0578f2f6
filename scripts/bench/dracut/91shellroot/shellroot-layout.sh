#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark variant (b), step 3: the layout from a sourced layout.env.
set -eu
echo "<5>bench: stage layout-start" >/dev/kmsg
/usr/lib/bench/layout-baseline.sh /sysroot /sysroot/etc/sealroot/layout.env
echo "<5>bench: stage layout-done" >/dev/kmsg
