/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2-driver — test-only front end to helpers/persist/tpm2.c for the host tests.
 *
 *   tpm2-driver TCTI seal PCRS BLOB POLICY   secret on stdin; writes the blob
 *                                            (binary) and the policy hash (hex);
 *                                            fails if a secret of 8 bytes or more
 *                                            is left in the ESYS context
 *   tpm2-driver TCTI seal-pointer-bytes PCRS seal and unseal, in one context, a
 *                                            1-byte secret for each byte value of
 *                                            a heap pointer (bytes that occur in
 *                                            the pointers inside ESYS's context)
 *   tpm2-driver TCTI unseal PCRS BLOB POLICY [hex|base64] [PRIMARY_ALG]
 *                                            prints the secret
 *   tpm2-driver TCTI pcr-read PCRS           "N HEX" per PCR
 *   tpm2-driver TCTI pcr-extend PCR DATA     extend with SHA-256(DATA)
 *   tpm2-driver TCTI random N                N random bytes in hex
 *   tpm2-driver TCTI bench N PCRS            median seal/unseal time of N runs
 *   tpm2-driver TCTI policy-pcr PCRS [VALUES] PolicyPCR digest computed in
 *                                            software (hex), for the current
 *                                            values or those in the file VALUES
 *                                            (32 bytes per PCR, ascending)
 *   tpm2-driver TCTI seal-signed PCRS PUBKEY SIGNED BLOB POLICY
 *                                            seal (secret on stdin) to a signed
 *                                            policy: PUBKEY (PEM) signs the PCRs
 *                                            SIGNED, PCRS bound by value
 *   tpm2-driver TCTI unseal-signed PCRS PUBKEY SIGNED SIGFILE BLOB POLICY [hex|base64]
 *                                            unseal it with the signature file
 *   tpm2-driver TCTI policy-signed PUBKEY PCRS  signed policy digest computed in
 *                                            software for the current values
 *
 *   tpm2-driver TCTI svn-policy NONCE        the SVN index's authPolicy A for NONCE (hex)
 *   tpm2-driver TCTI svn-write-policy        its write branch W (hex)
 *   tpm2-driver TCTI svn-define A            define the SVN index with authPolicy A
 *   tpm2-driver TCTI svn-undefine            undefine whatever is at its handle
 *   tpm2-driver TCTI svn-read A|any          "BITS_HEX MINIMUM" of the index
 *   tpm2-driver TCTI svn-raise NONCE M       OR in the bits of minimum M
 *   tpm2-driver TCTI svn-name A written|unwritten   its name computed in software
 *   tpm2-driver TCTI svn-tpm-name            the name the TPM reports
 *
 * With SVN_NV_POLICY=HEX (the SVN index's authPolicy) in the environment,
 * seal and unseal add PolicyNV on that index (tpm2_svn.h).
 *
 * PCRS is a comma-separated list ("7,15") or "none".  On failure the module's error is
 * logged and the exit status is the errno (EPERM 1, ENXIO 6, ENOLCK 37,
 * EBADMSG 74, ESTALE 116, ENOKEY 126, EKEYREVOKED 128, EKEYREJECTED 129).
 */
#include <malloc.h>
#include <openssl/evp.h>

#include "fileio.h"
#include "log.h"
#include "pcr_pubkey.h"
#include "pcr_signature.h"
#include "svn.h"
#include "token_policy.h"
#include "tpm2.h"
#include "tpm2_private.h"
#include "tpm2_svn.h"

static int parse_pcrs(const char *s, uint32_t *ret)
{
	uint32_t mask = 0;
	char *end;

	if (streq(s, "none")) {
		*ret = 0;
		return 0;
	}
	for (;;) {
		unsigned long n = strtoul(s, &end, 10);
		if (end == s || n >= TPM2_PCR_COUNT)
			return -EINVAL;
		mask |= UINT32_C(1) << n;
		if (*end == '\0')
			break;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
	*ret = mask;
	return 0;
}

static int hex_decode(const char *s, uint8_t *out, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static void hex_print(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('\n', f);
}

static int read_all(FILE *f, struct secret *ret)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
		if (n == cap) {
			uint8_t *nb = malloc(cap * 2);
			if (!nb) {
				explicit_wipe(buf, n);
				free(buf);
				return -ENOMEM;
			}
			memcpy(nb, buf, n);
			explicit_wipe(buf, n);
			free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		explicit_wipe(buf, n);
		free(buf);
		return -EIO;
	}
	ret->data = buf;
	ret->size = n;
	return 0;
}

static int write_file(const char *path, const void *p, size_t n)
{
	_cleanup_fclose_ FILE *f = fopen(path, "we");
	if (!f || fwrite(p, 1, n, f) != n)
		return errno > 0 ? -errno : -EIO;
	return fflush(f) == 0 ? 0 : -errno;
}

/* SVN_NV_POLICY from the environment: *ret_set and the digest. */
static int svn_from_env(uint8_t ret[TPM2_SHA256_SIZE], bool *ret_set)
{
	const char *hex = getenv("SVN_NV_POLICY");

	*ret_set = hex != NULL;
	if (hex &&
	    (strlen(hex) != 2 * TPM2_SHA256_SIZE || hex_decode(hex, ret, TPM2_SHA256_SIZE) < 0))
		return log_error_errno(-EINVAL, "SVN_NV_POLICY is not 32 bytes of hex");
	return 0;
}

static int load_sealed(const char *pcrs, const char *blob_path, const char *policy_path,
		       struct tpm2_sealed *s)
{
	struct secret blob = {};
	char hex[2 * TPM2_SHA256_SIZE + 2] = {};
	_cleanup_fclose_ FILE *f = NULL;
	FILE *pf;
	bool ok;
	int r;

	r = parse_pcrs(pcrs, &s->pcr_mask);
	if (r < 0)
		return log_error_errno(r, "Bad PCR list '%s'", pcrs);

	f = fopen(blob_path, "re");
	if (!f)
		return log_error_errno(-errno, "Cannot open %s: %m", blob_path);
	r = read_all(f, &blob);
	if (r < 0)
		return log_error_errno(r, "Cannot read %s: %m", blob_path);
	s->blob = blob.data;
	s->blob_size = blob.size;

	pf = fopen(policy_path, "re");
	if (!pf)
		return log_error_errno(-errno, "Cannot open %s: %m", policy_path);
	ok = fgets(hex, sizeof(hex), pf) != NULL;
	fclose(pf);
	if (!ok || strlen(hex) < 2 * TPM2_SHA256_SIZE ||
	    hex_decode(hex, s->policy_hash, TPM2_SHA256_SIZE) < 0)
		return log_error_errno(-EINVAL, "%s: expected %d hex digits", policy_path,
				       2 * TPM2_SHA256_SIZE);
	s->pcr_bank = 0x000B;	 /* TPM2_ALG_SHA256 */
	s->primary_alg = 0x0023; /* TPM2_ALG_ECC */
	return svn_from_env(s->svn_auth_policy, &s->svn_bound);
}

static int read_path(const char *path, char **ret, size_t *ret_size)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return log_error_errno(-errno, "Cannot open %s: %m", path);
	int r = read_fd_bounded(fileno(f), 1024 * 1024, ret, ret_size);
	if (r < 0)
		return log_error_errno(r, "Cannot read %s: %m", path);
	return 0;
}

static void print_secret(const char *fmt, const struct secret *secret)
{
	if (streq(fmt, "base64")) {
		size_t n = 4 * ((secret->size + 2) / 3) + 1;
		_cleanup_free_ unsigned char *b64 = malloc(n);
		if (!b64)
			return;
		EVP_EncodeBlock(b64, secret->data, (int)secret->size);
		fputs((char *)b64, stdout);
		explicit_wipe(b64, n);
	} else
		hex_print(stdout, secret->data, secret->size);
}

/* The blob (binary) and the policy hash (hex) of S. */
static int write_sealed(const struct tpm2_sealed *s, const char *blob, const char *policy)
{
	char hex[2 * TPM2_SHA256_SIZE + 1];
	int r;

	for (size_t i = 0; i < TPM2_SHA256_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", s->policy_hash[i]);
	r = write_file(blob, s->blob, s->blob_size);
	if (r >= 0)
		r = write_file(policy, hex, strlen(hex));
	if (r < 0)
		log_error_errno(r, "Cannot write %s or %s: %m", blob, policy);
	return r;
}

/* Whether the ESYS context's allocation still holds the N bytes at DATA. */
static bool esys_holds(const struct tpm2_context *c, const uint8_t *data, size_t n)
{
	const uint8_t *p = (const uint8_t *)c->esys;
	size_t size = malloc_usable_size(c->esys);

	for (size_t i = 0; n > 0 && i + n <= size; i++)
		if (memcmp(p + i, data, n) == 0)
			return true;
	return false;
}

static int cmd_seal(struct tpm2_context *c, char **argv)
{
	_cleanup_secret_ struct secret secret = {};
	struct tpm2_sealed s = {};
	uint32_t mask;
	int r;

	r = parse_pcrs(argv[0], &mask);
	if (r < 0)
		return log_error_errno(r, "Bad PCR list '%s'", argv[0]);
	r = read_all(stdin, &secret);
	if (r < 0)
		return log_error_errno(r, "Cannot read the secret from stdin: %m");
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {}, svn[TPM2_SHA256_SIZE];
	bool with_svn;
	r = svn_from_env(svn, &with_svn);
	if (r >= 0 && with_svn) {
		r = tpm2_pcr_read(c, mask, values);
		if (r >= 0)
			r = tpm2_seal_to_values_svn(c, mask, values, NULL, 0, 0, svn, &secret, &s);
	} else if (r >= 0)
		r = tpm2_seal(c, mask, &secret, &s);
	if (r < 0)
		return log_error_errno(r, "Sealing to PCRs %s failed: %m", argv[0]);
	if (secret.size >= 8 && esys_holds(c, secret.data, secret.size))
		r = log_error_errno(-EEXIST,
				    "The secret is still in the ESYS context after sealing");
	if (r >= 0)
		r = write_sealed(&s, argv[1], argv[2]);
	for (unsigned pcr = 0; r >= 0 && pcr < TPM2_PCR_COUNT; pcr++)
		if (mask & (UINT32_C(1) << pcr)) {
			printf("pcr %u ", pcr);
			hex_print(stdout, s.pcr_values[pcr], TPM2_SHA256_SIZE);
		}
	tpm2_sealed_done(&s);
	return r;
}

/* Each distinct byte of a heap pointer, as a 1-byte secret, sealed and
 * unsealed in the same context: a wipe that matched the secret's bytes alone
 * would zero those bytes in ESYS's own pointers and crash a later call. */
static int cmd_seal_pointer_bytes(struct tpm2_context *c, char **argv)
{
	_cleanup_free_ void *probe = malloc(64);
	bool seen[256] = {};
	uintptr_t addr = (uintptr_t)probe;
	unsigned rounds = 0;
	uint32_t mask;
	int r;

	if (!probe)
		return -ENOMEM;
	r = parse_pcrs(argv[0], &mask);
	if (r < 0)
		return log_error_errno(r, "Bad PCR list '%s'", argv[0]);
	for (unsigned i = 0; i < sizeof(addr); i++, addr >>= 8) {
		uint8_t byte = (uint8_t)addr;
		struct secret in = { &byte, 1 };
		_cleanup_secret_ struct secret out = {};
		struct tpm2_sealed s = {};

		if (seen[byte])
			continue;
		seen[byte] = true;
		r = tpm2_seal(c, mask, &in, &s);
		if (r >= 0)
			r = tpm2_unseal(c, &s, &out);
		tpm2_sealed_done(&s);
		if (r < 0)
			return log_error_errno(r, "Sealing the byte 0x%02x failed: %m", byte);
		if (out.size != 1 || out.data[0] != byte)
			return log_error_errno(-EIO, "The byte 0x%02x unsealed differently", byte);
		rounds++;
	}
	printf("sealed_bytes=%u\n", rounds);
	return 0;
}

static int cmd_unseal(struct tpm2_context *c, int argc, char **argv)
{
	_cleanup_secret_ struct secret secret = {};
	struct tpm2_sealed s = {};
	const char *fmt = argc > 3 ? argv[3] : "hex";
	int r;

	r = load_sealed(argv[0], argv[1], argv[2], &s);
	if (r >= 0 && argc > 4)
		s.primary_alg = streq(argv[4], "rsa") ? 0x0001 : 0x0023;
	if (r >= 0) {
		r = tpm2_unseal(c, &s, &secret);
		if (r < 0)
			log_error_errno(r, "Unsealing %s with policy %s failed: %m", argv[1],
					argv[2]);
	}
	tpm2_sealed_done(&s);
	if (r < 0)
		return r;

	print_secret(fmt, &secret);
	return 0;
}

/* argv: PCRS PUBKEY SIGNED BLOB POLICY */
static int cmd_seal_signed(struct tpm2_context *c, char **argv)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	_cleanup_secret_ struct secret secret = {};
	_cleanup_free_ char *pem = NULL;
	struct tpm2_sealed s = {};
	uint32_t mask, signed_mask;
	size_t pem_size;
	int r;

	if (parse_pcrs(argv[0], &mask) < 0 || parse_pcrs(argv[2], &signed_mask) < 0)
		return log_error_errno(-EINVAL, "Bad PCR list");
	r = read_path(argv[1], &pem, &pem_size);
	if (r < 0)
		return r;
	r = read_all(stdin, &secret);
	if (r < 0)
		return log_error_errno(r, "Cannot read the secret from stdin: %m");
	if (mask) {
		r = tpm2_pcr_read(c, mask, values);
		if (r < 0)
			return log_error_errno(r, "Reading PCRs failed: %m");
	}
	r = tpm2_seal_to_values_signed(c, mask, values, pem, pem_size, signed_mask, &secret, &s);
	if (r < 0)
		return log_error_errno(r, "Sealing to the signed policy failed: %m");
	r = write_sealed(&s, argv[3], argv[4]);
	tpm2_sealed_done(&s);
	return r;
}

/* argv: PCRS PUBKEY SIGNED SIGFILE BLOB POLICY [FMT] */
static int cmd_unseal_signed(struct tpm2_context *c, int argc, char **argv)
{
	_cleanup_secret_ struct secret secret = {};
	_cleanup_pcr_signature_ struct pcr_signature sigs = {};
	_cleanup_free_ char *pem = NULL, *json = NULL;
	struct tpm2_token tok = { .keyslot = 0 };
	struct tpm2_policy_signature sig = {};
	const char *reason = NULL;
	size_t pem_size, json_size;
	int r;

	r = load_sealed(argv[0], argv[4], argv[5], &tok.sealed);
	if (r < 0)
		goto out;
	r = parse_pcrs(argv[2], &tok.sealed.pubkey_pcr_mask);
	if (r < 0)
		goto out;
	r = read_path(argv[1], &pem, &pem_size);
	if (r < 0)
		goto out;
	tok.sealed.pubkey = (uint8_t *)TAKE_PTR(pem);
	tok.sealed.pubkey_size = pem_size;
	r = read_path(argv[3], &json, &json_size);
	if (r < 0)
		goto out;
	r = pcr_signature_parse(json, json_size, &sigs, &reason);
	if (r < 0) {
		log_error_errno(r, "%s: %s", argv[3], reason ? reason : "cannot parse");
		goto out;
	}
	r = token_policy_signature(c, &tok, &sigs, argv[3], 0, argv[4], &sig);
	if (r < 0)
		goto out;
	r = tpm2_unseal_signed(c, &tok.sealed, &sig, &secret);
	if (r < 0) {
		log_error_errno(r, "Unsealing %s with the signed policy failed: %m", argv[4]);
		goto out;
	}
	print_secret(argc > 6 ? argv[6] : "hex", &secret);
out:
	tpm2_sealed_done(&tok.sealed);
	return r;
}

/* argv: PUBKEY PCRS */
static int cmd_policy_signed(struct tpm2_context *c, char **argv)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	uint8_t digest[TPM2_SHA256_SIZE];
	_cleanup_free_ char *pem = NULL;
	struct pcr_pubkey key;
	size_t pem_size;
	uint32_t mask;
	int r;

	if (parse_pcrs(argv[1], &mask) < 0)
		return log_error_errno(-EINVAL, "Bad PCR list '%s'", argv[1]);
	r = read_path(argv[0], &pem, &pem_size);
	if (r < 0)
		return r;
	r = pcr_pubkey_from_pem(pem, pem_size, &key);
	if (r < 0)
		return log_error_errno(r, "%s is not a usable public key: %m", argv[0]);
	if (mask) {
		r = tpm2_pcr_read(c, mask, values);
		if (r < 0)
			return log_error_errno(r, "Reading PCRs failed: %m");
	}
	r = tpm2_policy_signed_digest(key.name, mask, values, digest);
	if (r < 0)
		return log_error_errno(r, "Computing the policy digest failed: %m");
	hex_print(stdout, digest, sizeof(digest));
	return 0;
}

static int cmd_pcr_read(struct tpm2_context *c, char **argv)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE];
	uint32_t mask;
	int r;

	r = parse_pcrs(argv[0], &mask);
	if (r < 0)
		return log_error_errno(r, "Bad PCR list '%s'", argv[0]);
	r = tpm2_pcr_read(c, mask, values);
	if (r < 0)
		return log_error_errno(r, "Reading PCRs %s failed: %m", argv[0]);
	for (unsigned pcr = 0; pcr < TPM2_PCR_COUNT; pcr++)
		if (mask & (UINT32_C(1) << pcr)) {
			printf("%u ", pcr);
			hex_print(stdout, values[pcr], TPM2_SHA256_SIZE);
		}
	return 0;
}

static int cmp_usec(const void *a, const void *b)
{
	usec_t x = *(const usec_t *)a, y = *(const usec_t *)b;
	return x < y ? -1 : x > y;
}

static int cmd_bench(struct tpm2_context *c, char **argv)
{
	int n = atoi(argv[0]);
	usec_t seal_t[100], unseal_t[100];
	uint32_t mask;
	uint8_t key[32];
	struct secret secret = { key, sizeof(key) };
	int r;

	if (n < 1 || n > 100)
		return log_error_errno(-EINVAL, "N must be 1..100");
	r = parse_pcrs(argv[1], &mask);
	if (r < 0)
		return log_error_errno(r, "Bad PCR list '%s'", argv[1]);
	r = tpm2_get_random(c, key, sizeof(key));
	if (r < 0)
		return log_error_errno(r, "GetRandom failed: %m");

	for (int i = 0; i < n; i++) {
		_cleanup_secret_ struct secret out = {};
		struct tpm2_sealed s = {};
		usec_t t0 = now_usec(CLOCK_MONOTONIC);
		r = tpm2_seal(c, mask, &secret, &s);
		usec_t t1 = now_usec(CLOCK_MONOTONIC);
		if (r >= 0)
			r = tpm2_unseal(c, &s, &out);
		usec_t t2 = now_usec(CLOCK_MONOTONIC);
		tpm2_sealed_done(&s);
		if (r < 0)
			return log_error_errno(r, "Seal/unseal round %d failed: %m", i);
		if (out.size != sizeof(key) || memcmp(out.data, key, sizeof(key)) != 0)
			return log_error_errno(-EIO, "Round %d: unsealed secret differs", i);
		seal_t[i] = t1 - t0;
		unseal_t[i] = t2 - t1;
	}
	explicit_wipe(key, sizeof(key));
	qsort(seal_t, (size_t)n, sizeof(usec_t), cmp_usec);
	qsort(unseal_t, (size_t)n, sizeof(usec_t), cmp_usec);
	printf("seal_median_ms=%.1f unseal_median_ms=%.1f runs=%d\n", seal_t[n / 2] / 1000.0,
	       unseal_t[n / 2] / 1000.0, n);
	return 0;
}

static int cmd_policy_pcr(struct tpm2_context *c, int argc, char **argv)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE] = {};
	uint8_t digest[TPM2_SHA256_SIZE];
	uint32_t mask;
	int r;

	r = parse_pcrs(argv[0], &mask);
	if (r < 0)
		return log_error_errno(r, "Bad PCR list '%s'", argv[0]);
	if (argc > 1) {
		_cleanup_fclose_ FILE *f = fopen(argv[1], "re");
		if (!f)
			return log_error_errno(-errno, "Cannot open %s: %m", argv[1]);
		for (unsigned pcr = 0; pcr < TPM2_PCR_COUNT; pcr++)
			if ((mask & (UINT32_C(1) << pcr)) &&
			    fread(values[pcr], 1, TPM2_SHA256_SIZE, f) != TPM2_SHA256_SIZE)
				return log_error_errno(-EINVAL, "%s: too short", argv[1]);
	} else {
		r = tpm2_pcr_read(c, mask, values);
		if (r < 0)
			return log_error_errno(r, "Reading PCRs %s failed: %m", argv[0]);
	}
	r = tpm2_policy_pcr_digest(mask, values, digest);
	if (r < 0)
		return log_error_errno(r, "Computing the policy digest failed: %m");
	hex_print(stdout, digest, sizeof(digest));
	return 0;
}

static int hex_arg32(const char *s, uint8_t out[TPM2_SHA256_SIZE])
{
	if (strlen(s) != 2 * TPM2_SHA256_SIZE || hex_decode(s, out, TPM2_SHA256_SIZE) < 0)
		return log_error_errno(-EINVAL, "Not 32 bytes of hex: %s", s);
	return 0;
}

static int cmd_svn(struct tpm2_context *c, const char *cmd, int argc, char **argv)
{
	uint8_t a[TPM2_SHA256_SIZE], name[TPM2_NAME_SHA256_SIZE];
	uint64_t bits;
	int r;

	if (streq(cmd, "svn-policy") && argc == 1) {
		r = hex_arg32(argv[0], a);
		if (r >= 0)
			r = tpm2_svn_auth_policy(a, a);
		if (r >= 0)
			hex_print(stdout, a, sizeof(a));
	} else if (streq(cmd, "svn-write-policy") && argc == 0) {
		r = tpm2_svn_write_policy(a);
		if (r >= 0)
			hex_print(stdout, a, sizeof(a));
	} else if (streq(cmd, "svn-define") && argc == 1) {
		r = hex_arg32(argv[0], a);
		if (r >= 0)
			r = tpm2_svn_nv_define(c, a);
	} else if (streq(cmd, "svn-undefine") && argc == 0)
		r = tpm2_svn_nv_undefine(c);
	else if (streq(cmd, "svn-read") && argc == 1) {
		r = streq(argv[0], "any") ? 0 : hex_arg32(argv[0], a);
		if (r >= 0)
			r = tpm2_svn_nv_read(c, streq(argv[0], "any") ? NULL : a, &bits);
		if (r >= 0)
			printf("%016llx %u\n", (unsigned long long)bits,
			       svn_minimum_from_bits(bits));
	} else if (streq(cmd, "svn-raise") && argc == 2) {
		unsigned m = (unsigned)atoi(argv[1]);
		r = hex_arg32(argv[0], a);
		if (r >= 0)
			r = tpm2_svn_nv_set_bits(c, a, svn_bits_for_minimum(m));
	} else if (streq(cmd, "svn-name") && argc == 2) {
		r = hex_arg32(argv[0], a);
		if (r >= 0)
			r = tpm2_svn_nv_name(a, streq(argv[1], "written"), name);
		if (r >= 0)
			hex_print(stdout, name, sizeof(name));
	} else if (streq(cmd, "svn-tpm-name") && argc == 0) {
		r = tpm2_svn_nv_tpm_name(c, name);
		if (r >= 0)
			hex_print(stdout, name, sizeof(name));
	} else
		return log_error_errno(-EINVAL, "Unknown command or wrong arguments: %s", cmd);
	if (r < 0)
		log_error_errno(r, "%s failed: %m", cmd);
	return r;
}

static int run(int argc, char **argv)
{
	struct tpm2_context *c = NULL;
	const char *tcti, *cmd;
	int r;

	if (argc < 3)
		return log_error_errno(-EINVAL, "usage: tpm2-driver TCTI COMMAND ARGS…");
	tcti = argv[1];
	cmd = argv[2];
	argc -= 3;
	argv += 3;

	r = tpm2_context_new(tcti, &c);
	if (r < 0)
		return log_error_errno(r, "Cannot connect to TPM '%s': %m", tcti);

	if (streq(cmd, "seal") && argc == 3)
		r = cmd_seal(c, argv);
	else if (streq(cmd, "seal-pointer-bytes") && argc == 1)
		r = cmd_seal_pointer_bytes(c, argv);
	else if (streq(cmd, "unseal") && argc >= 3 && argc <= 5)
		r = cmd_unseal(c, argc, argv);
	else if (streq(cmd, "pcr-read") && argc == 1)
		r = cmd_pcr_read(c, argv);
	else if (streq(cmd, "pcr-extend") && argc == 2) {
		r = tpm2_pcr_extend(c, (unsigned)atoi(argv[0]), argv[1], strlen(argv[1]));
		if (r < 0)
			log_error_errno(r, "Extending PCR %s failed: %m", argv[0]);
	} else if (streq(cmd, "random") && argc == 1) {
		size_t n = (size_t)atoi(argv[0]);
		_cleanup_free_ uint8_t *buf = malloc(n ? n : 1);
		r = buf ? tpm2_get_random(c, buf, n) : -ENOMEM;
		if (r < 0)
			log_error_errno(r, "GetRandom failed: %m");
		else
			hex_print(stdout, buf, n);
	} else if (streq(cmd, "policy-pcr") && argc >= 1 && argc <= 2)
		r = cmd_policy_pcr(c, argc, argv);
	else if (streq(cmd, "seal-signed") && argc == 5)
		r = cmd_seal_signed(c, argv);
	else if (streq(cmd, "unseal-signed") && argc >= 6 && argc <= 7)
		r = cmd_unseal_signed(c, argc, argv);
	else if (streq(cmd, "policy-signed") && argc == 2)
		r = cmd_policy_signed(c, argv);
	else if (streq(cmd, "bench") && argc == 2)
		r = cmd_bench(c, argv);
	else if (startswith(cmd, "svn-"))
		r = cmd_svn(c, cmd, argc, argv);
	else
		r = log_error_errno(-EINVAL, "Unknown command or wrong arguments: %s", cmd);

	tpm2_context_free(c);
	return r;
}

int main(int argc, char **argv)
{
	if (getenv("SEALROOT_DEBUG"))
		log_set_max_level(LOG_LEVEL_DEBUG);
	int r = run(argc, argv);
	return r < 0 ? -r : 0;
}
