/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoding.h — strict base64 (RFC 4648, padded, no whitespace) and lower-case
 * hex, for key material and LUKS2 token fields.
 *
 * Decoders reject anything that is not canonical for their alphabet and
 * return -EBADMSG; encoders return a NUL-terminated heap string.  Output
 * buffers are the caller's; when they may hold secrets, wipe them.
 */
#pragma once

#include "util.h"

/* Length of the base64 text (without NUL) for size input bytes. */
size_t base64_encoded_size(size_t size);
int base64_encode(const void *data, size_t size, char **ret);
/* Encode into OUT, which has room for base64_encoded_size(size) + 1 bytes
 * (for key material: a secret_alloc() buffer). */
void base64_encode_into(const void *data, size_t size, char *out);
/* Decode exactly len characters of s; *ret (heap, may be NULL when size 0). */
int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size);

int hex_encode(const void *data, size_t size, char **ret);
/* Lower-case hex of DATA into OUT, which has room for 2 * size + 1 bytes. */
void hex_encode_into(const void *data, size_t size, char *out);
/* Decode s (upper or lower case) into exactly size bytes; -EBADMSG otherwise. */
int hex_decode_exact(const char *s, void *out, size_t size);
