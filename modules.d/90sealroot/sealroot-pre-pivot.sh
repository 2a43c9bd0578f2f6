#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Classic dracut, pre-pivot hook (sourced): the root is mounted at $NEWROOT;
# open the persistent partition, then apply the layout.
# shellcheck source=/dev/null  # dracut's library, in the initramfs only
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh

if getarg roothash= >/dev/null; then
    /usr/sbin/sealroot --kmsg persist open ||
        die "sealroot: could not open the persistent partition (see the messages above)"
    /usr/sbin/sealroot --kmsg layout apply --root "${NEWROOT:-/sysroot}" ||
        die "sealroot: could not apply the layout (see the messages above)"
fi
