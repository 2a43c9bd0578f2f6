// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_lock.c — `sealroot lock [--reason WORD]`: the way out of a boot that
 * does not go on.  Extends the lock PCR with "sealroot:failure:WORD" (so the
 * TPM no longer unseals the persistent partition's key this boot), closes
 * /dev/mapper/<persist name>, records a "lock" report stage and says so in
 * the kernel log.  Exit 0 only when both happened: the emergency hooks give
 * a shell only then and reboot otherwise.
 *
 * cmd_lock_after_failure() is the same, run in-process by a stage command
 * that failed inside the initramfs (lock.h has the measurements).
 */
#include "commands.h"
#include "kcmdline.h"
#include "lock.h"
#include "log.h"
#include "options.h"
#include "pcr_phase.h"
#include "report.h"

enum {
	OPT_HELP = 'h',
	OPT_REASON = 0x100,
	OPT_TPM2_DEVICE,
	OPT_NAME,
	OPT_CMDLINE,
};

static const struct opt_verb lock_verb[] = {
	{ .synopsis = " [--reason WORD] [OPTIONS]",
	  .help = "End this boot's access to the persistent partition: extend PCR " STRINGIFY(
	      SEALROOT_TPM2_LOCK_PCR) " with\n"
				      "SHA-256(\"sealroot:failure:WORD\"), so the TPM2 no longer "
				      "unseals its key, and\n"
				      "close /dev/mapper/NAME (unmount it everywhere, forced "
				      "removal).  For the\n"
				      "emergency and failure paths of the initramfs.  Messages "
				      "also "
				      "go to /dev/kmsg.\n",
	  .footer = "Exit status: 0 PCR " STRINGIFY(
	      SEALROOT_TPM2_LOCK_PCR) " extended and no /dev/mapper/NAME left, 1 otherwise\n"
				      "(no TPM2 reachable, extend failed, volume still open), 2 "
				      "usage error.\n" },
};

/* The one list of options: the parser accepts, and --help shows, these. */
static const struct opt_def option_docs[] = {
	{ "reason", OPT_REASON, "WORD", 0,
	  "measure \"sealroot:failure:WORD\" ([a-z0-9-], at most 32; default " LOCK_REASON_DEFAULT
	  ")" },
	{ "tpm2-device", OPT_TPM2_DEVICE, "TCTI", 0,
	  "tpm2-tss TCTI (default: sealroot.tpm2_device=, else " SEALROOT_DEFAULT_TPM2_DEVICE ")" },
	{ "name", OPT_NAME, "NAME", 0,
	  "dm-crypt name to close (default " SEALROOT_DEFAULT_PERSIST_NAME ")" },
	{ "cmdline", OPT_CMDLINE, "S", 0, "use S instead of /proc/cmdline" },
	{ "help", OPT_HELP, NULL, 0, "show this help" },
};

static const struct opt_command lock_command = {
	.name = "lock",
	OPT_TABLES(lock_verb, option_docs),
};

struct lock_args {
	const char *reason;
	const char *tpm2_device;
	const char *name;
	const char *cmdline;
};

/* Extend, close, report, log; 0 only if both the extend and the close held. */
static int lock_run(const struct lock_args *a)
{
	_cleanup_tpm2_ struct tpm2_context *tpm = NULL;
	struct sealroot_config cfg;
	struct lock_record rec = {};
	char event[sizeof("failure:") + LOCK_REASON_MAX];
	const char *name = a->name ? a->name : SEALROOT_DEFAULT_PERSIST_NAME;
	int r, r_extend, r_close;

	/* A bad command line must not stop the lock: fall back to defaults. */
	bool have_cfg = cmdline_load_config(a->cmdline, &cfg) >= 0;
	if (!have_cfg)
		log_warning("lock: the kernel command line could not be parsed; using the default "
			    "TPM2 device.");
	const char *tcti = a->tpm2_device			 ? a->tpm2_device
			   : have_cfg && cfg.persist.tpm2_device ? cfg.persist.tpm2_device
								 : SEALROOT_DEFAULT_TPM2_DEVICE;
	(void)snprintf(event, sizeof(event), "failure:%s", a->reason);

	struct report_stage *stage = report_stage_begin("lock");
	r = tpm2_context_new(tcti, &tpm);
	if (r < 0)
		r_extend = log_error_errno(r, "lock: no TPM2 reachable through \"%s\": %m.", tcti);
	else
		r_extend = lock_measure_event(tpm, event, &rec);
	/* With a signed PCR policy in use, leave its phase too (pcr_phase.h). */
	const char *pubkey =
	    have_cfg ? cfg.persist.tpm2_pcr_pubkey : SEALROOT_DEFAULT_TPM2_PCR_PUBKEY;
	const char *phase = "not measured";
	if (access(pubkey, F_OK) == 0) {
		int k = pcr_phase_leave_initrd(tpm);
		if (k < 0 && r_extend >= 0)
			r_extend = k;
		phase = k > 0 ? "left" : k == 0 ? "already left" : "FAILED";
	}
	r_close = lock_close_volume(name);

	report_stage_set(stage, "reason", a->reason);
	report_stage_set(stage, "pcr11_phase", phase);
	lock_record_report(&rec, stage);
	report_stage_set(stage, "closed",
			 r_close > 0	? "yes"
			 : r_close == 0 ? "none open"
					: "FAILED, still open");
	r = r_extend < 0 ? r_extend : r_close < 0 ? r_close : 0;
	report_stage_end(stage, r);

	if (r == 0)
		log_notice("locked: PCR %d extended (%s), %s /dev/mapper/%s",
			   SEALROOT_TPM2_LOCK_PCR, event, r_close > 0 ? "closed" : "no open", name);
	else
		log_error("NOT locked: PCR %d %s (%s), /dev/mapper/%s %s. Do not continue this "
			  "boot: power off or reboot.",
			  SEALROOT_TPM2_LOCK_PCR, r_extend < 0 ? "NOT extended" : "extended", event,
			  name,
			  r_close < 0	? "still open"
			  : r_close > 0 ? "closed"
					: "not open");
	if (have_cfg)
		sealroot_config_done(&cfg);
	return r;
}

static int set_option(void *userdata, int id, const char *arg)
{
	struct lock_args *a = userdata;

	switch (id) {
	case OPT_REASON:
		a->reason = arg;
		break;
	case OPT_TPM2_DEVICE:
		a->tpm2_device = arg;
		break;
	case OPT_NAME:
		a->name = arg;
		break;
	case OPT_CMDLINE:
		a->cmdline = arg;
		break;
	}
	return 0;
}

/* 0, 1 when --help was printed, -EINVAL after a logged usage error. */
static int parse_args(int argc, char **argv, struct lock_args *a)
{
	struct opts o;
	int r = opts_parse(&lock_command, argc, argv, set_option, a, &o);

	if (r != 0)
		return r;
	if (o.n_args != 0)
		return opts_usage_error(&o, "takes no positional arguments");
	if (!lock_reason_valid(a->reason))
		return opts_usage_error(
		    &o, "--reason '%s' is not a word of 1 to %d characters from a-z, 0-9 and '-'",
		    a->reason, LOCK_REASON_MAX);
	return 0;
}

int cmd_lock(int argc, char **argv)
{
	struct lock_args a = { .reason = LOCK_REASON_DEFAULT };
	int r;

	/* A lock is a security event: keep it in the kernel log too. */
	log_set_kmsg(true);
	r = parse_args(argc, argv, &a);
	if (r > 0)
		return 0;
	if (r < 0)
		return EXIT_USAGE;
	return lock_run(&a) < 0 ? 1 : 0;
}

/* Inside the initramfs (systemd's and dracut's marker file); test builds can
 * pretend with SEALROOT_TEST_INITRD=1. */
static bool in_initrd(void)
{
#ifdef SEALROOT_TEST_HOOKS
	const char *e = getenv("SEALROOT_TEST_INITRD");
	if (e && *e)
		return streq(e, "1");
#endif
	return access("/etc/initrd-release", F_OK) == 0;
}

int cmd_lock_after_failure(const char *reason, const char *cmdline, const char *tpm2_device)
{
	struct lock_args a = { .reason = reason, .tpm2_device = tpm2_device, .cmdline = cmdline };

	if (!in_initrd()) {
		log_debug("Not in the initramfs: leaving PCR %d alone after this failure.",
			  SEALROOT_TPM2_LOCK_PCR);
		return 0;
	}
	log_notice("The %s step failed: locking before anything else runs.", reason);
	return lock_run(&a);
}
