// SPDX-License-Identifier: GPL-2.0-or-later
/* pcr_phase.c — the initrd phase words in PCR 11, see pcr_phase.h. */
#include "pcr_phase.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"

#define MARKER_ENTERED "pcr11-entered-initrd"
#define MARKER_LEFT "pcr11-left-initrd"

static const char *phase_dir(void)
{
	const char *p = getenv("SEALROOT_PHASE_DIR");
	return p && *p ? p : SEALROOT_RUN_DIR;
}

static bool marker_exists(const char *name)
{
	char path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/%s", phase_dir(), name);
	return access(path, F_OK) == 0;
}

static int marker_write(const char *name)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	if (mkdir(phase_dir(), 0755) < 0 && errno != EEXIST)
		return -errno;
	(void)snprintf(path, sizeof(path), "%s/%s", phase_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	return 0;
}

/* systemd-pcrphase-initrd.service is part of this initramfs's boot. */
static bool systemd_measures_phases(void)
{
	static const char *const wants[] = {
		"/etc/systemd/system/initrd.target.wants/systemd-pcrphase-initrd.service",
		"/usr/lib/systemd/system/initrd.target.wants/systemd-pcrphase-initrd.service",
		"/lib/systemd/system/initrd.target.wants/systemd-pcrphase-initrd.service",
	};

	if (access("/etc/initrd-release", F_OK) < 0)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(wants); i++)
		if (access(wants[i], F_OK) == 0)
			return true;
	return false;
}

/* Extend PCR 11 with WORD, then record MARKER (after the extend: a marker
 * without it would skip the measurement). */
static int measure(struct tpm2_context *tpm, const char *word, const char *marker)
{
	int r;

	if (!tpm)
		return log_error_errno(-ENXIO,
				       "PCR %d could not be extended with \"%s\": no TPM2. This "
				       "boot must not go on.",
				       PCR_PHASE_PCR, word);
	r = tpm2_pcr_extend(tpm, PCR_PHASE_PCR, word, strlen(word));
	if (r < 0)
		return log_error_errno(r,
				       "PCR %d could not be extended with \"%s\": %m. This boot "
				       "must not go on.",
				       PCR_PHASE_PCR, word);
	r = marker_write(marker);
	if (r < 0)
		log_warning_errno(r,
				  "Could not record in %s/%s that PCR %d measured \"%s\" (%m); a "
				  "later step of this boot may measure it again.",
				  phase_dir(), marker, PCR_PHASE_PCR, word);
	log_info("PCR %d: measured \"%s\".", PCR_PHASE_PCR, word);
	return 1;
}

int pcr_phase_enter_initrd(struct tpm2_context *tpm)
{
	if (marker_exists(MARKER_LEFT) || marker_exists(MARKER_ENTERED))
		return 0;
	if (systemd_measures_phases()) {
		log_debug("PCR %d: systemd-pcrphase-initrd.service measures \"%s\".", PCR_PHASE_PCR,
			  PCR_PHASE_ENTER_INITRD);
		return 0;
	}
	return measure(tpm, PCR_PHASE_ENTER_INITRD, MARKER_ENTERED);
}

int pcr_phase_leave_initrd(struct tpm2_context *tpm)
{
	if (marker_exists(MARKER_LEFT)) {
		log_debug("PCR %d: this boot already left the initrd phase.", PCR_PHASE_PCR);
		return 0;
	}
	return measure(tpm, PCR_PHASE_LEAVE_INITRD, MARKER_LEFT);
}
