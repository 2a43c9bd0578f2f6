// SPDX-License-Identifier: GPL-2.0-or-later
/* pcr_phase.c — the leave-initrd measurement into PCR 11, see pcr_phase.h. */
#include "pcr_phase.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"

static const char *marker_path(void)
{
	const char *p = getenv("SEALROOT_PHASE_MARKER");
	return p && *p ? p : SEALROOT_RUN_DIR "/pcr11-left-initrd";
}

static int write_marker(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	_cleanup_close_ int fd = -1;

	if (!dir)
		return -ENOMEM;
	if (mkdir(dirname(dir), 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	return 0;
}

int pcr_phase_leave_initrd(struct tpm2_context *tpm)
{
	const char *marker = marker_path();
	int r;

	if (access(marker, F_OK) == 0) {
		log_debug("PCR %d: this boot already left the initrd phase (%s).", PCR_PHASE_PCR,
			  marker);
		return 0;
	}
	if (!tpm)
		return log_error_errno(-ENXIO,
				       "PCR %d could not be extended with \"%s\": no TPM2. This "
				       "boot must not go on.",
				       PCR_PHASE_PCR, PCR_PHASE_LEAVE_INITRD);
	r = tpm2_pcr_extend(tpm, PCR_PHASE_PCR, PCR_PHASE_LEAVE_INITRD,
			    strlen(PCR_PHASE_LEAVE_INITRD));
	if (r < 0)
		return log_error_errno(r,
				       "PCR %d could not be extended with \"%s\": %m. The signed "
				       "PCR policy could still be satisfied; this boot must not go "
				       "on.",
				       PCR_PHASE_PCR, PCR_PHASE_LEAVE_INITRD);
	/* After the extend: a marker without it would skip the measurement. */
	r = write_marker(marker);
	if (r < 0)
		log_warning_errno(r,
				  "Could not record in %s that PCR %d left the initrd phase (%m); "
				  "a later step of this boot may measure it again.",
				  marker, PCR_PHASE_PCR);
	log_info("PCR %d: measured \"%s\" (the signed PCR policy no longer matches).",
		 PCR_PHASE_PCR, PCR_PHASE_LEAVE_INITRD);
	return 1;
}
