// SPDX-License-Identifier: GPL-2.0-or-later
/* tpm2_prestart_job.c — the TPM2 pre-start on its own thread, see
 * tpm2_prestart_job.h. */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "tpm2_prestart.h"
#include "tpm2_prestart_job.h"

static void job_run(struct tpm2_prestart_job *j)
{
	if (j->warm_up)
		(void)j->warm_up();
	(void)tpm2_prestart(j->tcti, &j->context);
}

static void *prestart_thread(void *userdata)
{
	job_run(userdata);
	return NULL;
}

void tpm2_prestart_job_begin(struct tpm2_prestart_job *j, const char *tcti, int (*warm_up)(void))
{
	int r;

	*j = (struct tpm2_prestart_job){ .tcti = tcti, .warm_up = warm_up };
	r = pthread_create(&j->thread, NULL, prestart_thread, j);
	if (r == 0) {
		j->running = true;
		return;
	}
	log_debug("TPM2 pre-start: no thread (%s); running it now", strerror(r));
	job_run(j);
}

struct tpm2_context *tpm2_prestart_job_end(struct tpm2_prestart_job *j)
{
	struct tpm2_context *c;

	if (j->running) {
		int r = pthread_join(j->thread, NULL);
		/* Joining a thread this job started cannot fail; should it,
		 * the context may still be in use: leave it, unused. */
		if (r != 0) {
			log_debug("TPM2 pre-start: join failed (%s)", strerror(r));
			j->running = false;
			j->context = NULL;
			return NULL;
		}
		j->running = false;
	}
	c = j->context;
	j->context = NULL;
	return c;
}
