#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Classic dracut, cmdline hook: when the command line names a verity root,
# queue "sealroot verity open" as a one-time job of the initqueue.  (A
# pre-mount hook would be too late: the initqueue waits for root= =
# /dev/mapper/root before pre-mount runs, and sealroot creates that device.)
# shellcheck source=/dev/null  # dracut's library, in the initramfs only
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh

if getarg roothash= >/dev/null; then
    # shellcheck disable=SC2034  # root and rootok are read by dracut
    [ -z "$root" ] && root=block:/dev/mapper/root && rootok=1
    /sbin/initqueue --onetime --settled --unique --name sealroot-verity /sbin/sealroot-verity
fi
