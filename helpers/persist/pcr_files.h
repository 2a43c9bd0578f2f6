/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcr_files.h — read the image builder's PCR public key (PEM) and signature
 * file (systemd-measure JSON) from the initramfs (/.extra, where the systemd
 * stub puts the UKI's .pcrpkey and .pcrsig) or a path given by the user.
 * Both are read with a size bound; failures other than "no such file" are
 * logged here with the path and what to do.
 */
#pragma once

#include "pcr_signature.h"
#include "util.h"

/* 0 and the PEM bytes (heap, NUL-terminated), -ENOENT (not logged) when the
 * file does not exist, another negative errno (logged) when it cannot be
 * read or is not a usable RSA / ECC P-256 public key. */
int pcr_files_read_pubkey(const char *path, uint8_t **ret, size_t *ret_size);

/* 0 and the parsed file, -ENOENT (not logged) when it does not exist,
 * -EBADMSG (logged, naming what is wrong) when it is malformed. */
int pcr_files_read_signature(const char *path, struct pcr_signature *ret);
