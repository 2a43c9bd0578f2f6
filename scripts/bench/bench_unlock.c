// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_unlock — the cost of verifying a keyslot passphrase without the TPM:
 * crypt_activate_by_passphrase(cd, NULL, slot, …) on IMAGE, N times per
 * keyslot, median and min/max in milliseconds.
 *
 *   bench_unlock IMAGE N SLOT:PASSFILE [SLOT:PASSFILE…]
 */
#include <libcryptsetup.h>

#include "util.h"

static int cmp_usec(const void *a, const void *b)
{
	usec_t x = *(const usec_t *)a, y = *(const usec_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct crypt_device *cd = NULL;

	if (argc < 4) {
		fprintf(stderr, "usage: %s IMAGE N SLOT:PASSFILE...\n", argv[0]);
		return 2;
	}
	int n = atoi(argv[2]);
	if (n < 1 || n > 1000 || crypt_init(&cd, argv[1]) < 0 ||
	    crypt_load(cd, CRYPT_LUKS2, NULL) < 0) {
		fprintf(stderr, "cannot load %s\n", argv[1]);
		return 1;
	}
	for (int a = 3; a < argc; a++) {
		char pass[512];
		int slot = atoi(argv[a]);
		const char *file = strchr(argv[a], ':');
		FILE *f = file ? fopen(file + 1, "re") : NULL;
		if (!f) {
			fprintf(stderr, "bad argument %s\n", argv[a]);
			return 2;
		}
		size_t len = fread(pass, 1, sizeof(pass) - 1, f);
		fclose(f);
		while (len > 0 && pass[len - 1] == '\n')
			len--;
		usec_t t[1000];
		for (int i = 0; i < n; i++) {
			usec_t s = now_usec(CLOCK_MONOTONIC);
			int r = crypt_activate_by_passphrase(cd, NULL, slot, pass, len, 0);
			t[i] = now_usec(CLOCK_MONOTONIC) - s;
			if (r != slot) {
				fprintf(stderr, "keyslot %d rejected the passphrase: %d\n", slot,
					r);
				return 1;
			}
		}
		explicit_wipe(pass, sizeof(pass));
		qsort(t, (size_t)n, sizeof(t[0]), cmp_usec);
		usec_t med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
		const char *pbkdf = "?";
		struct crypt_pbkdf_type p;
		if (crypt_keyslot_get_pbkdf(cd, slot, &p) == 0)
			pbkdf = p.type;
		printf("keyslot %d (%s): median %.2f ms, min %.2f ms, max %.2f ms over %d runs\n",
		       slot, pbkdf, med / 1000.0, t[0] / 1000.0, t[n - 1] / 1000.0, n);
	}
	crypt_free(cd);
	return 0;
}
