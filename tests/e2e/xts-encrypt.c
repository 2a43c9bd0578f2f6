// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xts-encrypt.c — test-only: encrypt a plaintext image the way dm-crypt
 * aes-xts-plain64 does for a LUKS2 segment (4096-byte sectors; the IV is
 * the little-endian number of the sector's first 512-byte unit: LUKS2 does
 * not use dm-crypt's iv_large_sectors), so the e2e lab, whose
 * host has no device-mapper, can build the attacker's own LUKS2 volume
 * with a file system inside.
 *
 *   xts-encrypt KEYFILE IN OUT OFFSET
 *
 * KEYFILE holds the 64-byte volume key; IN is encrypted into OUT (a file
 * that already holds the LUKS2 header) at byte OFFSET (the segment's
 * offset).  IN's size must be a multiple of 4096.  Exit 0 on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTOR 4096
#define KEY_BYTES 64

static int read_full(int fd, unsigned char *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = read(fd, buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return done == 0 && r == 0 ? 0 : -1;
		done += (size_t)r;
	}
	return 1;
}

static int encrypt_image(const unsigned char key[KEY_BYTES], int in, int out, off_t offset)
{
	unsigned char plain[SECTOR], cipher[SECTOR], iv[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ret = -1;

	if (!ctx)
		return -1;
	for (uint64_t sector = 0;; sector++) {
		int r = read_full(in, plain, SECTOR), len = 0;
		if (r == 0) {
			ret = 0;
			break;
		}
		if (r < 0) {
			fprintf(stderr,
				"xts-encrypt: input is not a whole number of %d-byte sectors\n",
				SECTOR);
			break;
		}
		memset(iv, 0, sizeof(iv));
		uint64_t unit = sector * (SECTOR / 512);
		for (int i = 0; i < 8; i++)
			iv[i] = (unsigned char)(unit >> (8 * i));
		if (EVP_EncryptInit_ex(ctx, EVP_aes_256_xts(), NULL, key, iv) != 1 ||
		    EVP_EncryptUpdate(ctx, cipher, &len, plain, SECTOR) != 1 || len != SECTOR) {
			fprintf(stderr, "xts-encrypt: AES-XTS failed at sector %llu\n",
				(unsigned long long)sector);
			break;
		}
		if (pwrite(out, cipher, SECTOR, offset + (off_t)(sector * SECTOR)) != SECTOR) {
			perror("xts-encrypt: write");
			break;
		}
	}
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(plain, sizeof(plain));
	return ret;
}

int main(int argc, char **argv)
{
	unsigned char key[KEY_BYTES];
	int kfd, in, out, r;

	if (argc != 5) {
		fprintf(stderr, "usage: xts-encrypt KEYFILE IN OUT OFFSET\n");
		return 2;
	}
	kfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (kfd < 0 || read_full(kfd, key, KEY_BYTES) != 1) {
		fprintf(stderr, "xts-encrypt: %s does not hold a %d-byte key\n", argv[1],
			KEY_BYTES);
		return 1;
	}
	close(kfd);
	in = open(argv[2], O_RDONLY | O_CLOEXEC);
	out = open(argv[3], O_WRONLY | O_CLOEXEC);
	if (in < 0 || out < 0) {
		perror("xts-encrypt: open");
		return 1;
	}
	r = encrypt_image(key, in, out, (off_t)strtoll(argv[4], NULL, 10));
	OPENSSL_cleanse(key, sizeof(key));
	if (fsync(out) < 0)
		r = -1;
	close(in);
	close(out);
	return r < 0 ? 1 : 0;
}
