/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * discover.h — find block devices by "PARTUUID=", "PARTLABEL=", "UUID=",
 * "LABEL=" or a "/dev/…" path, waiting up to a bounded timeout.
 */
#pragma once

#include "util.h"

/* Resolve SPEC to a device node path ("/dev/vda2"), polling (udev may still be
 * creating nodes) until timeout_usec has passed.  On timeout logs what was
 * looked for and the block devices that do exist, and returns -ETIMEDOUT.
 * -EINVAL for a malformed SPEC. */
int discover_device(const char *spec, usec_t timeout_usec, char **ret_devnode);
