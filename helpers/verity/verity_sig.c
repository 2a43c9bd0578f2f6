// SPDX-License-Identifier: GPL-2.0-or-later
/* verity_sig.c — PKCS#7 root hash signature check with libcrypto, see verity_sig.h. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

#include "fileio.h"
#include "log.h"
#include "verity_sig.h"

#define SIG_MAX_SIZE (64 * 1024)

static void log_openssl_errors(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_debug("%s: %s", what, buf);
	}
}

static int read_file(const char *path, uint8_t **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if (st.st_size > SIG_MAX_SIZE)
		return -EFBIG;
	char *buf;
	int r = read_fd_bounded(fd, SIG_MAX_SIZE, &buf, ret_size);
	if (r < 0)
		return r;
	*ret = (uint8_t *)buf;
	return 0;
}

int verity_sig_load(const char *spec, uint8_t **ret, size_t *ret_size)
{
	if (startswith(spec, "base64:")) {
		const char *b64 = spec + strlen("base64:");
		size_t len = strlen(b64);
		if (len == 0 || len % 4 != 0 || len / 4 * 3 > SIG_MAX_SIZE)
			return -EINVAL;
		/* Strict: the alphabet, and '=' only as the last one or two characters. */
		size_t pad = (b64[len - 1] == '=') + (b64[len - 1] == '=' && b64[len - 2] == '=');
		for (size_t i = 0; i < len - pad; i++)
			if (!strchr(
				"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
				b64[i]))
				return -EINVAL;
		_cleanup_free_ uint8_t *buf = malloc(len / 4 * 3 + 1);
		if (!buf)
			return -ENOMEM;
		int n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
		if (n < 0) {
			ERR_clear_error();
			return -EINVAL;
		}
		/* EVP_DecodeBlock counts the padding as zero bytes. */
		if ((size_t)n < pad || (size_t)n - pad == 0)
			return -EINVAL;
		*ret_size = (size_t)n - pad;
		*ret = TAKE_PTR(buf);
		return 0;
	}
	if (spec[0] != '/')
		return -EINVAL;
	int r = read_file(spec, ret, ret_size);
	if (r < 0)
		return r;
	if (*ret_size == 0) {
		free(*ret);
		*ret = NULL;
		return -EINVAL;
	}
	return 0;
}

static bool is_cert_name(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.')
		return false;
	return (n > 4 && (streq(name + n - 4, ".crt") || streq(name + n - 4, ".pem")));
}

/* Load every certificate of one file (PEM, possibly several, or one DER). */
static int load_cert_file(const char *path, STACK_OF(X509) * certs)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	int n = 0, r;

	r = read_file(path, &data, &size);
	if (r < 0)
		return r;

	BIO *bio = BIO_new_mem_buf(data, (int)size);
	if (!bio)
		return -ENOMEM;
	X509 *x;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (!sk_X509_push(certs, x)) {
			X509_free(x);
			BIO_free(bio);
			return -ENOMEM;
		}
		n++;
	}
	BIO_free(bio);
	ERR_clear_error(); /* the PEM loop always ends with "no start line" */
	if (n == 0) {
		const unsigned char *p = data;
		x = d2i_X509(NULL, &p, (long)size);
		if (!x) {
			log_openssl_errors(path);
			return -EBADMSG;
		}
		if (!sk_X509_push(certs, x)) {
			X509_free(x);
			return -ENOMEM;
		}
		n = 1;
	}
	return n;
}

/* All certificates of CERT_DIR into *ret (possibly empty).  A missing directory
 * is an empty set; an unreadable or unparsable certificate file is an error. */
static int load_certs(const char *cert_dir, STACK_OF(X509) * *ret)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	int r = 0;

	if (!certs)
		return -ENOMEM;
	DIR *d = opendir(cert_dir);
	if (!d) {
		if (errno == ENOENT) {
			*ret = certs;
			return 0;
		}
		r = -errno;
		sk_X509_pop_free(certs, X509_free);
		return log_error_errno(r, "Failed to open certificate directory %s: %m", cert_dir);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_cert_name(de->d_name))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", cert_dir, de->d_name);
		r = load_cert_file(path, certs);
		if (r < 0) {
			(void)log_error_errno(r, "Failed to load certificate %s: %m", path);
			break;
		}
		r = 0;
	}
	closedir(d);
	if (r < 0) {
		sk_X509_pop_free(certs, X509_free);
		return r;
	}
	*ret = certs;
	return 0;
}

int verity_sig_count_certs(const char *cert_dir)
{
	STACK_OF(X509) *certs = NULL;
	int r = load_certs(cert_dir, &certs);
	if (r < 0)
		return r;
	r = sk_X509_num(certs);
	sk_X509_pop_free(certs, X509_free);
	return r;
}

/* 1 when the extendedKeyUsage EKUS lists WANT. */
static bool eku_lists(const EXTENDED_KEY_USAGE *ekus, const ASN1_OBJECT *want)
{
	for (int i = 0; i < sk_ASN1_OBJECT_num(ekus); i++)
		if (OBJ_cmp(sk_ASN1_OBJECT_value(ekus, i), want) == 0)
			return true;
	return false;
}

/* The signer's certificate X must be meant for this: digitalSignature in its
 * keyUsage when it has one, and EKU_OID in an extendedKeyUsage it must have.
 * 0, or -EKEYREJECTED with the reason logged (naming the certificate). */
static int check_signer_usage(X509 *x, const char *eku_oid)
{
	char subject[256];
	int crit = 0, r = 0;

	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	uint32_t flags = X509_get_extension_flags(x); /* also parses the extensions */
	if (flags & EXFLAG_INVALID) {
		log_error("Root hash signer certificate %s has malformed extensions; refusing it.",
			  subject);
		return -EKEYREJECTED;
	}
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE)) {
		log_error("Root hash signer certificate %s has a keyUsage without "
			  "digitalSignature; refusing it. Sign with a certificate made for "
			  "signing (keyUsage=digitalSignature).",
			  subject);
		return -EKEYREJECTED;
	}
	ASN1_OBJECT *want = OBJ_txt2obj(eku_oid, 1);
	if (!want) {
		log_error("Invalid extended key usage OID '%s' for root hash signatures.", eku_oid);
		ERR_clear_error();
		return -EINVAL;
	}
	EXTENDED_KEY_USAGE *ekus = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (!ekus || !eku_lists(ekus, want)) {
		log_error("Root hash signer certificate %s %s extended key usage %s%s; refusing "
			  "it. Sign with a certificate that has extendedKeyUsage=%s, or name "
			  "its purpose with sealroot.verity_sig_eku=OID.",
			  subject, ekus ? "does not list the" : "has no", eku_oid,
			  streq(eku_oid, VERITY_SIG_EKU_CODE_SIGNING) ? " (code signing)" : "",
			  streq(eku_oid, VERITY_SIG_EKU_CODE_SIGNING) ? "codeSigning" : eku_oid);
		r = -EKEYREJECTED;
	}
	EXTENDED_KEY_USAGE_free(ekus);
	ASN1_OBJECT_free(want);
	ERR_clear_error();
	return r;
}

/* Every signer of P7 (found in CERTS or in P7) passes check_signer_usage(). */
static int check_signers(PKCS7 *p7, STACK_OF(X509) * certs, const char *eku_oid)
{
	STACK_OF(X509) *signers = PKCS7_get0_signers(p7, certs, 0);
	int r = 0;

	if (!signers || sk_X509_num(signers) == 0) {
		log_openssl_errors("root hash signature signers");
		sk_X509_free(signers);
		return -EKEYREJECTED;
	}
	for (int i = 0; i < sk_X509_num(signers) && r == 0; i++)
		r = check_signer_usage(sk_X509_value(signers, i), eku_oid);
	sk_X509_free(signers); /* the certificates belong to CERTS and P7 */
	return r;
}

int verity_sig_verify(const uint8_t *root_hash, size_t root_hash_size, const uint8_t *sig,
		      size_t sig_size, const char *cert_dir, const char *eku_oid)
{
	static const char hexdigits[] = "0123456789abcdef";
	char hex[2 * 64 + 1];
	STACK_OF(X509) *certs = NULL;
	X509_STORE *store = NULL;
	PKCS7 *p7 = NULL;
	BIO *in = NULL;
	int r;

	if (root_hash_size == 0 || root_hash_size > 64 || sig_size == 0 || sig_size > INT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < root_hash_size; i++) {
		hex[2 * i] = hexdigits[root_hash[i] >> 4];
		hex[2 * i + 1] = hexdigits[root_hash[i] & 15];
	}
	hex[2 * root_hash_size] = '\0';

	r = load_certs(cert_dir, &certs);
	if (r < 0)
		return r;
	if (sk_X509_num(certs) == 0) {
		r = -ENOKEY;
		goto out;
	}

	const unsigned char *p = sig;
	p7 = d2i_PKCS7(NULL, &p, (long)sig_size);
	if (!p7 || p != sig + sig_size || !PKCS7_type_is_signed(p7)) {
		log_openssl_errors("root hash signature");
		r = -EBADMSG;
		goto out;
	}

	store = X509_STORE_new();
	if (!store) {
		r = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < sk_X509_num(certs); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(certs, i))) {
			log_openssl_errors("certificate store");
			r = -ENOMEM;
			goto out;
		}
	/* The shipped certificates are the trust anchors themselves (they need
	 * not be self-signed CAs); there is no trustworthy clock in the
	 * initramfs.  Any purpose for the chain: the signer's own key usage is
	 * checked below (OpenSSL 3.0 has no code-signing purpose). */
	if (!X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME) ||
	    !X509_STORE_set_purpose(store, X509_PURPOSE_ANY)) {
		r = -ENOMEM;
		goto out;
	}

	in = BIO_new_mem_buf(hex, (int)(2 * root_hash_size));
	if (!in) {
		r = -ENOMEM;
		goto out;
	}
	if (PKCS7_verify(p7, certs, store, in, NULL, PKCS7_BINARY) != 1) {
		log_openssl_errors("root hash signature");
		r = -EKEYREJECTED;
		goto out;
	}
	r = check_signers(p7, certs, eku_oid ? eku_oid : VERITY_SIG_EKU_CODE_SIGNING);
out:
	ERR_clear_error();
	BIO_free(in);
	X509_STORE_free(store);
	PKCS7_free(p7);
	sk_X509_pop_free(certs, X509_free);
	return r;
}
