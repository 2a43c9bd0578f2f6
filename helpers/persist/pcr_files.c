// SPDX-License-Identifier: GPL-2.0-or-later
/* pcr_files.c — the PCR public key and signature files, see pcr_files.h. */
#include "pcr_files.h"

#include <fcntl.h>

#include "fileio.h"
#include "log.h"
#include "pcr_pubkey.h"

static int read_bounded(const char *path, size_t max, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return read_fd_bounded(fd, max, ret, ret_size);
}

int pcr_files_read_pubkey(const char *path, uint8_t **ret, size_t *ret_size)
{
	_cleanup_free_ char *pem = NULL;
	struct pcr_pubkey key;
	size_t size = 0;
	int r;

	r = read_bounded(path, PCR_PUBKEY_PEM_MAX, &pem, &size);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return log_error_errno(r, "Failed to read the PCR public key %s: %m", path);
	r = pcr_pubkey_from_pem(pem, size, &key);
	if (r == -EOPNOTSUPP)
		return log_error_errno(r,
				       "The PCR public key %s is neither an RSA key nor an ECC "
				       "NIST P-256 key; rebuild the image with such a PCR key.",
				       path);
	if (r < 0)
		return log_error_errno(r,
				       "%s is not a PEM public key (-----BEGIN PUBLIC KEY-----); "
				       "the image's .pcrpkey section or the file named by "
				       "sealroot.tpm2_pcr_pubkey= is broken.",
				       path);
	*ret = (uint8_t *)TAKE_PTR(pem);
	*ret_size = size;
	return 0;
}

int pcr_files_read_signature(const char *path, struct pcr_signature *ret)
{
	_cleanup_free_ char *json = NULL;
	const char *reason = NULL;
	size_t size = 0;
	int r;

	r = read_bounded(path, PCR_SIGNATURE_JSON_MAX, &json, &size);
	if (r == -ENOENT)
		return r;
	if (r == -EFBIG)
		return log_error_errno(-EBADMSG, "The PCR signature file %s is larger than %d KiB.",
				       path, PCR_SIGNATURE_JSON_MAX / 1024);
	if (r < 0)
		return log_error_errno(r, "Failed to read the PCR signature file %s: %m", path);
	r = pcr_signature_parse(json, size, ret, &reason);
	if (r == -EBADMSG)
		return log_error_errno(r,
				       "The PCR signature file %s is malformed: %s. Rebuild the "
				       "image's signature (systemd-measure sign).",
				       path, reason);
	if (r < 0)
		return log_error_errno(r, "Failed to parse the PCR signature file %s: %m", path);
	return 0;
}
