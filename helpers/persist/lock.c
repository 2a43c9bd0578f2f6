// SPDX-License-Identifier: GPL-2.0-or-later
/* lock.c — measurements into the lock PCR and closing the persistent volume,
 * see lock.h. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "lock.h"
#include "log.h"

#define LOCK_EVENT_MAX 64
#define MOUNTINFO_MAX (4 * 1024 * 1024)

void lock_strv_free(char **v)
{
	if (!v)
		return;
	for (char **i = v; *i; i++)
		free(*i);
	free(v);
}

static void lock_strv_freep(char ***v)
{
	lock_strv_free(*v);
	*v = NULL;
}
#define _cleanup_strv_ _cleanup_(lock_strv_freep)

/* The bytes systemd's xescape(name, ":") writes as \xNN. */
static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || c == '\\' || c == ':';
}

int lock_volume_message(const char *name, const char *uuid, char **ret)
{
	static const char hex[] = "0123456789abcdef";
	size_t n, u;
	char *s, *p;

	if (!name || !ret)
		return -EINVAL;
	n = strlen(name);
	u = uuid ? strlen(uuid) : 0;
	s = malloc(strlen(LOCK_VOLUME_PREFIX) + 4 * n + 1 + u + 1);
	if (!s)
		return -ENOMEM;
	p = stpcpy(s, LOCK_VOLUME_PREFIX);
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if (!needs_escape(*c)) {
			*p++ = (char)*c;
			continue;
		}
		*p++ = '\\';
		*p++ = 'x';
		*p++ = hex[*c >> 4];
		*p++ = hex[*c & 0xf];
	}
	*p++ = ':';
	memcpy(p, uuid ? uuid : "", u);
	p[u] = '\0';
	*ret = s;
	return 0;
}

int lock_volume_digest(const void *key, size_t key_size, const char *name, const char *uuid,
		       uint8_t ret[TPM2_SHA256_SIZE])
{
	_cleanup_free_ char *msg = NULL;
	unsigned int len = 0;
	int r;

	if (!key || key_size == 0 || key_size > INT32_MAX || !name)
		return -EINVAL;
	r = lock_volume_message(name, uuid, &msg);
	if (r < 0)
		return r;
	if (!HMAC(EVP_sha256(), key, (int)key_size, (const unsigned char *)msg, strlen(msg), ret,
		  &len) ||
	    len != TPM2_SHA256_SIZE)
		return -EIO;
	return 0;
}

static bool event_valid(const char *event)
{
	size_t n = event ? strlen(event) : 0;

	if (n == 0 || n > LOCK_EVENT_MAX)
		return false;
	return strspn(event, "abcdefghijklmnopqrstuvwxyz0123456789:-") == n;
}

int lock_event_digest(const char *event, uint8_t ret[TPM2_SHA256_SIZE])
{
	char text[sizeof(LOCK_EVENT_PREFIX) + LOCK_EVENT_MAX];

	if (!event_valid(event))
		return -EINVAL;
	int n = snprintf(text, sizeof(text), LOCK_EVENT_PREFIX "%s", event);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;
	if (EVP_Digest(text, (size_t)n, ret, NULL, EVP_sha256(), NULL) != 1)
		return -EIO;
	return 0;
}

bool lock_reason_valid(const char *word)
{
	size_t n = word ? strlen(word) : 0;

	return n >= 1 && n <= LOCK_REASON_MAX &&
	       strspn(word, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static void record_add(struct lock_record *rec, struct tpm2_context *tpm, const char *what)
{
	uint8_t values[TPM2_PCR_COUNT][TPM2_SHA256_SIZE];
	size_t n;

	if (!rec)
		return;
	rec->extended = true;
	n = strlen(rec->measured);
	(void)snprintf(rec->measured + n, sizeof(rec->measured) - n, "%s%s", n ? "," : "", what);
	rec->value_known = false;
	if (tpm2_pcr_read(tpm, UINT32_C(1) << SEALROOT_TPM2_LOCK_PCR, values) < 0) {
		log_warning("Could not read PCR %d back after extending it; the report will not "
			    "show its value.",
			    SEALROOT_TPM2_LOCK_PCR);
		return;
	}
	memcpy(rec->value, values[SEALROOT_TPM2_LOCK_PCR], TPM2_SHA256_SIZE);
	rec->value_known = true;
}

int lock_measure_volume(struct tpm2_context *tpm, struct crypt_device *cd, const char *name,
			const void *volume_key, size_t key_size, struct lock_record *rec)
{
	uint8_t digest[TPM2_SHA256_SIZE];
	const char *uuid = crypt_get_uuid(cd);
	int r;

	if (!tpm)
		return log_error_errno(-ENXIO,
				       "No TPM2 to extend PCR %d with the measurement of "
				       "/dev/mapper/%s.",
				       SEALROOT_TPM2_LOCK_PCR, name);
	r = lock_volume_digest(volume_key, key_size, name, uuid, digest);
	if (r < 0)
		return log_error_errno(r, "Failed to compute the measurement of /dev/mapper/%s: %m",
				       name);
	r = tpm2_pcr_extend_digest(tpm, SEALROOT_TPM2_LOCK_PCR, digest);
	if (r < 0)
		return log_error_errno(r,
				       "Failed to extend PCR %d with the measurement of "
				       "/dev/mapper/%s: %m. The TPM would still unseal its key: "
				       "refusing to continue.",
				       SEALROOT_TPM2_LOCK_PCR, name);
	log_info("PCR %d extended with the volume key measurement of /dev/mapper/%s "
		 "(cryptsetup:…:%s).",
		 SEALROOT_TPM2_LOCK_PCR, name, uuid ? uuid : "");
	record_add(rec, tpm, "volume");
	return 0;
}

int lock_measure_event(struct tpm2_context *tpm, const char *event, struct lock_record *rec)
{
	uint8_t digest[TPM2_SHA256_SIZE];
	int r;

	r = lock_event_digest(event, digest);
	if (r < 0)
		return log_error_errno(r, "Internal error: \"%s\" is not a lock event.", event);
	if (!tpm)
		return log_error_errno(-ENXIO, "No TPM2 to extend PCR %d with \"%s%s\".",
				       SEALROOT_TPM2_LOCK_PCR, LOCK_EVENT_PREFIX, event);
	r = tpm2_pcr_extend_digest(tpm, SEALROOT_TPM2_LOCK_PCR, digest);
	if (r < 0)
		return log_error_errno(r, "Failed to extend PCR %d with \"%s%s\": %m.",
				       SEALROOT_TPM2_LOCK_PCR, LOCK_EVENT_PREFIX, event);
	log_info("PCR %d extended with \"%s%s\".", SEALROOT_TPM2_LOCK_PCR, LOCK_EVENT_PREFIX,
		 event);
	record_add(rec, tpm, event);
	return 0;
}

/* Undo mountinfo's octal escapes (\040 for a space, …) in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

static unsigned path_depth(const char *p)
{
	unsigned d = 0;

	for (; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			d++;
	return d;
}

struct found_mount {
	char *path;
	unsigned depth;
	size_t order;
};

static int found_mount_cmp(const void *a, const void *b)
{
	const struct found_mount *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return x->order > y->order ? -1 : x->order < y->order ? 1 : 0;
}

int lock_mounts_of(const char *mountinfo, unsigned major, unsigned minor, char ***ret)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ struct found_mount *found = NULL;
	size_t n = 0, cap = 0, order = 0;
	char **v;
	int r = 0;

	if (!mountinfo || !ret)
		return -EINVAL;
	text = strdup(mountinfo);
	if (!text)
		return -ENOMEM;
	for (char *line = text, *next; line && *line; line = next) {
		unsigned maj, min;
		int path_at = -1, path_end = -1;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		order++;
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT …" */
		if (sscanf(line, "%*u %*u %u:%u %*s %n%*s%n", &maj, &min, &path_at, &path_end) <
			2 ||
		    path_at < 0 || path_end <= path_at)
			continue;
		if (maj != major || min != minor)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct found_mount *f = realloc(found, ncap * sizeof(*f));
			if (!f) {
				r = -ENOMEM;
				break;
			}
			found = f;
			cap = ncap;
		}
		line[path_end] = '\0';
		char *path = strdup(line + path_at);
		if (!path) {
			r = -ENOMEM;
			break;
		}
		unescape_octal(path);
		found[n++] = (struct found_mount){ path, path_depth(path), order };
	}
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(found[i].path);
		return r;
	}
	if (n > 0)
		qsort(found, n, sizeof(*found), found_mount_cmp);
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		for (size_t i = 0; i < n; i++)
			free(found[i].path);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = found[i].path;
	*ret = v;
	return 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
	*d = NULL;
}

/* The first line of a small sysfs file, without its newline. */
static int read_one_line_at(int dfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *text = NULL;
	size_t n = 0;
	int r;

	if (fd < 0)
		return -errno;
	r = read_fd_bounded(fd, size - 1, &text, &n);
	if (r < 0)
		return r;
	text[strcspn(text, "\n")] = '\0';
	(void)snprintf(buf, size, "%s", text);
	return 0;
}

static const char *sysfs_root(void)
{
#ifdef SEALROOT_TEST_HOOKS
	const char *e = getenv("SEALROOT_TEST_SYSFS");
	if (e && *e)
		return e;
#endif
	return "/sys";
}

/* The device number of the device-mapper device named NAME, from
 * /sys/block/dm-N/dm/name: 1 found, 0 none, negative errno. */
static int dm_find(const char *name, dev_t *ret)
{
	char dir[PATH_MAX];
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;

	(void)snprintf(dir, sizeof(dir), "%s/block", sysfs_root());
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char path[300], buf[256];
		unsigned maj, min;

		if (!startswith(de->d_name, "dm-"))
			continue;
		(void)snprintf(path, sizeof(path), "%s/dm/name", de->d_name);
		if (read_one_line_at(dirfd(d), path, buf, sizeof(buf)) < 0 || !streq(buf, name))
			continue;
		(void)snprintf(path, sizeof(path), "%s/dev", de->d_name);
		if (read_one_line_at(dirfd(d), path, buf, sizeof(buf)) < 0 ||
		    sscanf(buf, "%u:%u", &maj, &min) != 2)
			return -EIO;
		*ret = makedev(maj, min);
		return 1;
	}
	return 0;
}

static int unmount_device(const char *name, dev_t dev)
{
	_cleanup_free_ char *mountinfo = NULL;
	_cleanup_strv_ char **paths = NULL;
	_cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	size_t size = 0;
	int r, ret = 0;

	r = fd < 0 ? -errno : read_fd_bounded(fd, MOUNTINFO_MAX, &mountinfo, &size);
	if (r < 0)
		return log_error_errno(r, "Failed to read /proc/self/mountinfo: %m");
	r = lock_mounts_of(mountinfo, major(dev), minor(dev), &paths);
	if (r < 0)
		return log_error_errno(r, "Failed to parse /proc/self/mountinfo: %m");
	for (char **p = paths; *p; p++) {
		if (umount2(*p, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
			ret = log_error_errno(-errno, "Failed to unmount %s (/dev/mapper/%s): %m",
					      *p, name);
			continue;
		}
		log_info("Unmounted %s (/dev/mapper/%s).", *p, name);
	}
	return ret;
}

int lock_close_volume(const char *name)
{
	dev_t dev;
	int r;

	r = dm_find(name, &dev);
	if (r < 0)
		return log_error_errno(r, "Failed to look for /dev/mapper/%s in %s/block: %m", name,
				       sysfs_root());
	if (r == 0)
		return 0;
	(void)unmount_device(name, dev);
	r = crypt_deactivate_by_name(NULL, name, CRYPT_DEACTIVATE_FORCE);
	if (r < 0)
		log_debug_errno(r, "crypt_deactivate_by_name(%s, FORCE): %m", name);
	r = dm_find(name, &dev);
	if (r != 0)
		return log_error_errno(r < 0 ? r : -EBUSY,
				       "/dev/mapper/%s is still there after a forced close: %m. "
				       "Its key may still be in the kernel; reboot.",
				       name);
	log_info("Closed /dev/mapper/%s.", name);
	return 1;
}

void lock_record_report(const struct lock_record *rec, struct report_stage *stage)
{
	char hex[2 * TPM2_SHA256_SIZE + 1];

	report_stage_set(stage, "lock_measured", rec->measured[0] ? rec->measured : "none");
	if (!rec->value_known) {
		report_stage_set(stage, "pcr15", NULL);
		return;
	}
	for (size_t i = 0; i < TPM2_SHA256_SIZE; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", rec->value[i]);
	report_stage_set(stage, "pcr15", hex);
}
