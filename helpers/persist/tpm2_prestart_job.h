/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2_prestart_job.h — run tpm2_prestart() (tpm2_prestart.h) on a thread of
 * its own, beside the wait for the partition and its classification, with
 * the libraries' warm-up (persist_warm.h) first when one is asked for.
 *
 * In the lab the pre-start takes longer than the wait for the disk, and
 * done first it held the partition's discovery back by half a second; so did
 * the warm-up, done first on the caller's thread.  On their own thread they
 * overlap both.  The thread owns the context until tpm2_prestart_job_end()
 * has joined it; the caller must not talk to the TPM before that (the
 * context may hold the TPM's only connection).  The library loaders are
 * once-only and thread-safe (dlopen_lib.h).  When the thread cannot be
 * started, the warm-up and the pre-start run at once on the caller's
 * thread, as before.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>

struct tpm2_context;

struct tpm2_prestart_job {
	pthread_t thread;
	const char *tcti;
	int (*warm_up)(void);	      /* run first on the thread, or NULL */
	struct tpm2_context *context; /* the thread's result, NULL on failure */
	bool running;		      /* a thread to join */
};

/* Start WARM_UP (may be NULL; its result is not used: the stage's own call
 * to the same loader gets it back and handles it), then the pre-start
 * through TCTI (which must outlive the job). */
void tpm2_prestart_job_begin(struct tpm2_prestart_job *j, const char *tcti, int (*warm_up)(void));

/* Join and return the pre-started context (NULL when there is none: never
 * begun, or the pre-start failed); the caller owns it. */
struct tpm2_context *tpm2_prestart_job_end(struct tpm2_prestart_job *j);
