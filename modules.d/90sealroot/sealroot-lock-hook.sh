#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut hook "emergency" (a shell is about to start) and "shutdown-emergency"
# (no shell: rd.shell=0), both flavours; sourced by dracut's emergency_shell,
# die and dracut-emergency.  Lock the TPM (extend the lock PCR, close the
# persistent mapping) before anything else can run.  If the lock fails, reboot
# at once instead of returning to a shell.
if ! /usr/sbin/sealroot --kmsg lock --reason emergency; then
    echo "<2>sealroot: the lock failed: rebooting now, no shell" 2>/dev/null >/dev/kmsg
    reboot -f 2>/dev/null
    echo b >/proc/sysrq-trigger 2>/dev/null
    # Neither worked: never return to the caller (it would start the shell).
    while :; do sleep 60; done
fi
