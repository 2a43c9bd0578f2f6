// SPDX-License-Identifier: GPL-2.0-or-later
/* encoding.c — strict base64 and hex, see encoding.h. */
#include "encoding.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_size(size_t size)
{
	return (size + 2) / 3 * 4;
}

int base64_encode(const void *data, size_t size, char **ret)
{
	if (size > SIZE_MAX / 2)
		return -ENOMEM;
	char *out = malloc(base64_encoded_size(size) + 1);
	if (!out)
		return -ENOMEM;
	base64_encode_into(data, size, out);
	*ret = out;
	return 0;
}

void base64_encode_into(const void *data, size_t size, char *out)
{
	const uint8_t *p = data;
	char *o = out;
	size_t i = 0;
	for (; i + 3 <= size; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64_alphabet[(v >> 18) & 63];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (size - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		*o++ = b64_alphabet[(v >> 18) & 63];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (size - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = b64_alphabet[(v >> 18) & 63];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = '=';
	}
	*o = '\0';
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size)
{
	if (len % 4 != 0)
		return -EBADMSG;

	size_t pad = 0;
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (pad == 1 && len >= 2 && s[len - 2] == '=')
		pad++;

	size_t size = len / 4 * 3 - pad;
	uint8_t *out = malloc(size > 0 ? size : 1);
	if (!out)
		return -ENOMEM;

	size_t o = 0;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int v[4];
		for (size_t k = 0; k < 4; k++) {
			if (last && s[i + k] == '=' && k >= 4 - pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64_value(s[i + k]);
			if (v[k] < 0)
				goto bad;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		uint8_t b[3] = { (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w };
		size_t n = last ? 3 - pad : 3;
		/* Canonical form: the bits dropped by padding must be zero. */
		if (last && pad == 1 && (w & 0xff))
			goto bad;
		if (last && pad == 2 && (w & 0xffff))
			goto bad;
		memcpy(out + o, b, n);
		o += n;
	}

	*ret = out;
	*ret_size = size;
	return 0;
bad:
	explicit_wipe(out, size);
	free(out);
	return -EBADMSG;
}

int hex_encode(const void *data, size_t size, char **ret)
{
	if (size > SIZE_MAX / 2 - 1)
		return -ENOMEM;
	char *out = malloc(size * 2 + 1);
	if (!out)
		return -ENOMEM;
	hex_encode_into(data, size, out);
	*ret = out;
	return 0;
}

void hex_encode_into(const void *data, size_t size, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = data;

	for (size_t i = 0; i < size; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[size * 2] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode_exact(const char *s, void *out, size_t size)
{
	uint8_t *o = out;

	if (strlen(s) != size * 2)
		return -EBADMSG;
	for (size_t i = 0; i < size; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EBADMSG;
		o[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
