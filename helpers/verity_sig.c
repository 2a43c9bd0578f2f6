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

int verity_sig_verify(const uint8_t *root_hash, size_t root_hash_size, const uint8_t *sig,
		      size_t sig_size, const char *cert_dir)
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
	 * initramfs; the kernel does not check key usage either. */
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
	r = 0;
out:
	ERR_clear_error();
	BIO_free(in);
	X509_STORE_free(store);
	PKCS7_free(p7);
	sk_X509_pop_free(certs, X509_free);
	return r;
}
