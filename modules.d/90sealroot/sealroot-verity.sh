#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Classic dracut: the initqueue job queued by sealroot-cmdline.sh.
# shellcheck source=/dev/null  # dracut's library, in the initramfs only
type die >/dev/null 2>&1 || . /lib/dracut-lib.sh

/usr/sbin/sealroot --kmsg verity open ||
    die "sealroot: could not open the verified root (see the messages above)"
