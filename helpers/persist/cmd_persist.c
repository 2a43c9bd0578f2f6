// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_persist.c — `sealroot persist open|provision|check|reseal`: argument
 * parsing, configuration from the kernel command line, the report stage.
 * The work is in persist_open.c, persist_unlock.c, persist_reseal.c and
 * provision.c.
 */
#include "kcmdline.h"
#include "commands.h"
#include "discover.h"
#include "encoding.h"
#include "fault.h"
#include "log.h"
#include "options.h"
#include "persist.h"
#include "persist_mount.h"
#include "persist_warm.h"
#include "warm.h"
#include "provision.h"
#include "report.h"
#include "secret.h"
#include "steps.h"
#include "token.h"
#include "token_policy.h"
#include "tpm2_prestart_job.h"

enum verb {
	VERB_OPEN = 1 << 0,
	VERB_PROVISION = 1 << 1,
	VERB_CHECK = 1 << 2,
	VERB_RESEAL = 1 << 3,
	VERB_UNLOCK = 1 << 4,
	VERB_MOUNT = 1 << 5,
	VERB_ALL = VERB_OPEN | VERB_PROVISION | VERB_CHECK | VERB_RESEAL | VERB_UNLOCK | VERB_MOUNT,
	/* The verbs that run at boot and lock on every way out. */
	VERB_BOOT = VERB_OPEN | VERB_UNLOCK | VERB_MOUNT,
};

static const struct opt_verb verbs[] = {
	{ VERB_OPEN, "open", " [OPTIONS]",
	  "Provision a blank partition on first boot, otherwise unseal its key with the\n"
	  "TPM2, activate, fsck and mount it (default <sysroot>/opt).  Settings come from\n"
	  "the kernel command line (sealroot.persist=, sealroot.tpm2_pcrs=,\n"
	  "sealroot.on_unlock_failure=, sealroot.recovery=, sealroot.recovery_timeout=,\n"
	  "sealroot.recovery_key=); options override them.\n",
	  NULL },
	{ VERB_UNLOCK, "unlock", " [OPTIONS]",
	  "The part of 'open' that needs no root file system: provision or unseal,\n"
	  "activate and fsck, then leave the mount to 'persist mount' (the systemd\n"
	  "initramfs runs it while the verified root is being opened).  Same settings\n"
	  "and the same lock as 'open'.\n",
	  NULL },
	{ VERB_MOUNT, "mount", " [OPTIONS]",
	  "After 'persist unlock': mount /dev/mapper/NAME (or, when the unlock took the\n"
	  "volatile fallback, an empty tmpfs) at the mount point (default\n"
	  "<sysroot>/opt).  Mounts nothing, and locks, unless the unlock completed.\n",
	  NULL },
	{ VERB_PROVISION, "provision", " IMAGE [OPTIONS]",
	  "Only the provisioning steps, on an image file or device; refuses a\n"
	  "provisioned one.\n",
	  NULL },
	{ VERB_CHECK, "check", " DEVICE [OPTIONS]",
	  "Exit 0 if this TPM2 unseals a token of DEVICE and its keyslot accepts the\n"
	  "secret; changes nothing.\n",
	  NULL },
	{ VERB_RESEAL, "reseal", " DEVICE [OPTIONS]",
	  "Enroll a new secret sealed to --pcrs (plus the lock PCR 15), then remove the\n"
	  "old TPM2 token and keyslot.  Works on the booted system: the PCRs are bound\n"
	  "to their current values (or --pcr-value), PCR 15 to its value at boot before\n"
	  "the unlock (from the old token, else zero).  With --pcr-key the new policy\n"
	  "first needs a signature of PCR 11 by that key (signed PCR policy), so\n"
	  "updated images signed with it unlock without another reseal.\n",
	  NULL },
};

enum {
	OPT_HELP = 0xff, /* not a letter: persist has no short options (-h still works) */
	OPT_CMDLINE = 0x100,
	OPT_DEVICE,
	OPT_TPM2_DEVICE,
	OPT_PCRS,
	OPT_PCR_VALUE,
	OPT_MOUNT_POINT,
	OPT_NAME,
	OPT_NO_MOUNT,
	OPT_NO_ACTIVATE,
	OPT_RECOVERY_KEY,
	OPT_RECOVERY_KEY_OUTPUT,
	OPT_RECOVERY_KEY_FILE,
	OPT_PCR_KEY,
	OPT_PCR_SIGNATURE,
	OPT_SVN_UNBIND,
};

/* The one list of options: the parser accepts, and --help shows, exactly
 * these, per verb (options.h). */
static const struct opt_def option_docs[] = {
	{ "help", OPT_HELP, NULL, VERB_ALL, "show this help" },
	{ "cmdline", OPT_CMDLINE, "S", VERB_BOOT | VERB_PROVISION,
	  "use S instead of /proc/cmdline" },
	{ "device", OPT_DEVICE, "DEV", VERB_OPEN | VERB_UNLOCK,
	  "the partition (default from sealroot.persist=)" },
	{ "tpm2-device", OPT_TPM2_DEVICE, "TCTI", VERB_ALL,
	  "tpm2-tss TCTI (default " SEALROOT_DEFAULT_TPM2_DEVICE ")" },
	{ "pcrs", OPT_PCRS, "LIST", VERB_OPEN | VERB_UNLOCK | VERB_PROVISION | VERB_RESEAL,
	  "PCRs to seal to, e.g. 7 or 0,7 (reseal: required)" },
	{ "pcr-value", OPT_PCR_VALUE, "N=HEX", VERB_RESEAL,
	  "expect SHA-256 PCR N to hold HEX at the next boot (repeatable)" },
	{ "mount-point", OPT_MOUNT_POINT, "DIR", VERB_OPEN | VERB_MOUNT | VERB_PROVISION,
	  "where to mount it (default <sysroot>/opt)" },
	{ "name", OPT_NAME, "NAME", VERB_BOOT | VERB_PROVISION,
	  "dm-crypt name (default " SEALROOT_DEFAULT_PERSIST_NAME ")" },
	{ "no-mount", OPT_NO_MOUNT, NULL, VERB_OPEN | VERB_PROVISION, "activate but do not mount" },
	{ "no-activate", OPT_NO_ACTIVATE, NULL, VERB_OPEN | VERB_UNLOCK | VERB_PROVISION,
	  "verify the key only (no device-mapper needed)" },
	{ "recovery-key", OPT_RECOVERY_KEY, NULL, VERB_OPEN | VERB_UNLOCK | VERB_PROVISION,
	  "enroll a recovery key while provisioning" },
	{ "recovery-key-output", OPT_RECOVERY_KEY_OUTPUT, "FILE",
	  VERB_OPEN | VERB_UNLOCK | VERB_PROVISION,
	  "write a new recovery key there, not to the console" },
	{ "recovery-key-file", OPT_RECOVERY_KEY_FILE, "FILE", VERB_RESEAL,
	  "authorise the reseal with the recovery key in FILE" },
	{ "pcr-key", OPT_PCR_KEY, "PEM", VERB_RESEAL,
	  "seal to a signed PCR 11 policy of this public key" },
	{ "pcr-signature", OPT_PCR_SIGNATURE, "FILE", VERB_CHECK | VERB_RESEAL,
	  "PCR signatures for signed tokens (default " SEALROOT_DEFAULT_TPM2_PCR_SIGNATURE ")" },
	{ "svn-unbind", OPT_SVN_UNBIND, NULL, VERB_RESEAL,
	  "drop the anti-rollback binding: older images unseal again" },
};

static const struct opt_command persist_command = {
	.name = "persist",
	OPT_TABLES(verbs, option_docs),
};

struct args {
	const char *verb;
	const char *cmdline;
	const char *device;
	const char *tpm2_device;
	const char *mount_point;
	const char *name;
	const char *recovery_key_output;
	const char *recovery_key_file;
	const char *pcr_key;
	const char *pcr_signature;
	uint32_t pcr_mask;
	struct pcr_value_overrides pcr_values;
	bool have_pcrs;
	bool no_mount;
	bool no_activate;
	bool recovery_key;
	bool svn_unbind;
};

/* "N=HEX": a SHA-256 PCR value. */
static int parse_pcr_value(const char *s, struct pcr_value_overrides *ov)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '=' || n >= TPM2_PCR_COUNT)
		return -EINVAL;
	if (strlen(end + 1) != 2 * TPM2_SHA256_SIZE ||
	    hex_decode_exact(end + 1, ov->values[n], TPM2_SHA256_SIZE) < 0)
		return -EINVAL;
	ov->mask |= UINT32_C(1) << n;
	return 0;
}

static int set_option(void *userdata, int id, const char *arg)
{
	struct args *a = userdata;

	switch (id) {
	case OPT_CMDLINE:
		a->cmdline = arg;
		break;
	case OPT_DEVICE:
		a->device = arg;
		break;
	case OPT_TPM2_DEVICE:
		a->tpm2_device = arg;
		break;
	case OPT_PCRS:
		if (cmdline_parse_pcr_list(arg, &a->pcr_mask) < 0) {
			log_error("--pcrs=%s is not a PCR list like 7 or 0,7", arg);
			return -EINVAL;
		}
		a->have_pcrs = true;
		break;
	case OPT_PCR_VALUE:
		if (parse_pcr_value(arg, &a->pcr_values) < 0) {
			log_error("--pcr-value=%s is not N=HEX with a PCR number 0..23 and "
				  "%d hex digits (a SHA-256 value)",
				  arg, 2 * TPM2_SHA256_SIZE);
			return -EINVAL;
		}
		break;
	case OPT_MOUNT_POINT:
		a->mount_point = arg;
		break;
	case OPT_NAME:
		a->name = arg;
		break;
	case OPT_NO_MOUNT:
		a->no_mount = true;
		break;
	case OPT_NO_ACTIVATE:
		a->no_activate = true;
		break;
	case OPT_RECOVERY_KEY:
		a->recovery_key = true;
		break;
	case OPT_RECOVERY_KEY_OUTPUT:
		a->recovery_key_output = arg;
		break;
	case OPT_RECOVERY_KEY_FILE:
		a->recovery_key_file = arg;
		break;
	case OPT_PCR_KEY:
		a->pcr_key = arg;
		break;
	case OPT_PCR_SIGNATURE:
		a->pcr_signature = arg;
		break;
	case OPT_SVN_UNBIND:
		a->svn_unbind = true;
		break;
	}
	return 0;
}

/* 0, 1 when --help was printed, -EINVAL after a logged usage error. */
static int parse_args(int argc, char **argv, struct args *a)
{
	struct opts o;

	/* Known even when parsing fails: a failed 'open' still locks. */
	a->verb = argc > 1 ? argv[1] : NULL;
	int r = opts_parse(&persist_command, argc, argv, set_option, a, &o);
	if (r != 0)
		return r;
	/* check/reseal/provision take the device as a positional argument. */
	if (!(o.verb->verb & VERB_BOOT)) {
		if (o.n_args != 1)
			return opts_usage_error(&o, "needs exactly one DEVICE argument");
		a->device = o.args[0];
	} else if (o.n_args != 0)
		return opts_usage_error(&o, "takes no positional arguments");
	return 0;
}

/* The policy kind of the token used: "policy" pcr / signed / none, and for a
 * signed one its key's fingerprint and signed PCRs; "pcr11_phase". */
static void persist_report_policy(struct report_stage *stage, const struct persist_result *res)
{
	char signed_pcrs[96];

	if (!res->token_type || !streq(res->token_type, TOKEN_TYPE_TPM2)) {
		report_stage_set(stage, "policy", "none");
		report_stage_set(stage, "pcr_key", NULL);
		report_stage_set(stage, "signed_pcrs", "");
	} else if (res->pubkey_pcr_mask) {
		pcr_mask_to_string(res->pubkey_pcr_mask, signed_pcrs, sizeof(signed_pcrs));
		report_stage_set(stage, "policy", "signed");
		report_stage_set(stage, "pcr_key", res->pcr_key_fp[0] ? res->pcr_key_fp : NULL);
		report_stage_set(stage, "signed_pcrs", signed_pcrs);
	} else {
		report_stage_set(stage, "policy", "pcr");
		report_stage_set(stage, "pcr_key", NULL);
		report_stage_set(stage, "signed_pcrs", "");
	}
	report_stage_set(stage, "pcr11_phase", res->phase ? res->phase : "not measured");
}

/* Anti-rollback: the image's SVN, the TPM's minimum when read, and the
 * minimum this boot raised it to ("none" each when there is nothing). */
static void persist_report_svn(struct report_stage *stage, const struct svn_state *svn)
{
	char buf[16];

	(void)snprintf(buf, sizeof(buf), "%d", svn->image);
	report_stage_set(stage, "svn_image", svn->image >= 0 ? buf : "none");
	(void)snprintf(buf, sizeof(buf), "%d", svn->minimum);
	report_stage_set(stage, "svn_minimum", svn->minimum >= 0 ? buf : "none");
	(void)snprintf(buf, sizeof(buf), "%d", svn->raised);
	report_stage_set(stage, "svn_raised", svn->raised >= 0 ? buf : "none");
}

/* Before anything in this process fetches an algorithm: every crypto user
 * here fetches by provider, so OpenSSL's legacy name table can stay empty
 * (warm.h).  Only a speed-up: when it cannot be had, nothing changes. */
static void persist_crypto_setup(void)
{
	int r = crypto_legacy_names_off();

	if (r == -EALREADY)
		log_debug("OpenSSL's legacy name table was filled already; every new library "
			  "context of this process copies it");
	else if (r >= 0)
		log_debug("OpenSSL's legacy name table is left empty in this process");
}

/* 'open', 'unlock' (open without the mount, which 'persist mount' does
 * later) and 'provision' (VERB). */
static int do_open(const struct args *a, enum verb verb)
{
	const bool provision_only = verb == VERB_PROVISION, unlock = verb == VERB_UNLOCK;
	struct sealroot_config cfg;
	_cleanup_free_ char *devnode = NULL, *mount_point = NULL;
	_cleanup_tpm2_ struct tpm2_context *prestarted = NULL;
	struct tpm2_prestart_job prestart = {};
	struct persist_result res = {};
	enum persist_state state = PERSIST_STATE_BLANK;
	int classified = -ENODATA; /* set by provision_classify() before any use */
	char pcrs[96];
	int r;

	r = cmdline_load_config(a->cmdline, &cfg);
	if (r < 0) {
		if (!provision_only)
			(void)cmd_lock_after_failure("persist", a->cmdline, a->tpm2_device);
		return EXIT_USAGE;
	}
	if (cfg.debug)
		log_set_max_level(LOG_LEVEL_DEBUG);
	/* After sealroot.debug= took effect, so that its line is seen. */
	persist_crypto_setup();
	fault_set(cfg.persist.fault_inject);

	struct report_stage *stage = report_stage_begin("persist");
	const char *tcti = a->tpm2_device ? a->tpm2_device : cfg.persist.tpm2_device;

	/* The libraries' warm-up while the partition is not there yet.  A
	 * library that fails to load logs it then, once; the stage's own call
	 * gets the same result back and handles it.  In the unlock, with the
	 * unseal's primary and session (tpm2_prestart.h): used only by
	 * persist_open_classified(), and freed before any other path talks to
	 * the TPM (a TPM without a resource manager takes one connection at a
	 * time).  A failure there changes nothing: the unlock connects later as
	 * it would without it.  Both on their own thread, beside the wait for
	 * the partition and the classification (tpm2_prestart_job.h). */
	int (*warm_up)(void) = a->device ? NULL : persist_warm_up;
	if (unlock)
		tpm2_prestart_job_begin(&prestart, tcti, warm_up);
	else if (warm_up)
		(void)warm_up();

	int discover_error = 0;
	if (a->device) {
		devnode = strdup(a->device);
		step_mark("device");
	} else {
		discover_error =
		    discover_device(cfg.persist.spec, cfg.device_timeout_usec, &devnode);
		if (discover_error < 0) {
			log_error_errno(discover_error,
					"The persistent partition %s was not found: %m",
					cfg.persist.spec);
			devnode = strdup(cfg.persist.spec);
		} else
			step_mark("device");
	}
	if (a->mount_point)
		mount_point = strdup(a->mount_point);
	else if (asprintf(&mount_point, "%s/opt", cfg.sysroot) < 0)
		mount_point = NULL;
	if (!devnode || !mount_point) {
		prestarted = tpm2_prestart_job_end(&prestart);
		tpm2_context_freep(&prestarted);
		sealroot_config_done(&cfg);
		report_stage_end(stage, -ENOMEM);
		if (!provision_only)
			(void)cmd_lock_after_failure("persist", a->cmdline, a->tpm2_device);
		return 1;
	}

	struct persist_options o = {
		.device = devnode,
		.tpm2_device = tcti,
		.pcr_mask = a->have_pcrs ? a->pcr_mask : cfg.persist.tpm2_pcr_mask,
		.require_srk_pin = cfg.persist.tpm2_srk_pin_required,
		.pcr_pubkey = cfg.persist.tpm2_pcr_pubkey,
		.pcr_signature = cfg.persist.tpm2_pcr_signature,
		.pubkey_pcr_mask = cfg.persist.tpm2_pubkey_pcr_mask,
		.svn = cfg.persist.svn,
		.name = a->name ? a->name : SEALROOT_DEFAULT_PERSIST_NAME,
		.mount_point = mount_point,
		.on_failure = cfg.persist.on_unlock_failure,
		.recovery = cfg.persist.recovery,
		.recovery_timeout_usec = cfg.persist.recovery_timeout_usec,
		.enroll_recovery = a->recovery_key || cfg.persist.recovery_key_enroll,
		.recovery_key_output = a->recovery_key_output,
		.activate = !a->no_activate,
		.mount = !unlock && !a->no_mount && !a->no_activate,
		.defer_mount = unlock,
		.provision_only = provision_only,
	};
	/* Under the volatile policy with --no-activate a tmpfs still goes up. */
	if (!unlock && a->no_activate && !a->no_mount && o.on_failure == UNLOCK_FAILURE_VOLATILE)
		o.mount = true;
	if (o.on_failure == UNLOCK_FAILURE_VOLATILE && a->no_activate)
		o.activate = false;

	/* 'persist mount' must not find the word of an earlier run. */
	if (unlock)
		r = persist_handoff_clear();
	else
		r = 0;
	/* 'persist unlock' leaves a partition that still needs provisioning to
	 * the mount step (persist_mount.h).  One that cannot be classified is
	 * not deferred: the unlock then fails as 'open' would, with the lock,
	 * from this classification (persist_open_classified). */
	bool defer = false;
	if (r >= 0 && unlock && discover_error >= 0) {
		classified = provision_classify(devnode, &state);
		defer = classified >= 0 && state != PERSIST_STATE_PROVISIONED;
	}
	prestarted = tpm2_prestart_job_end(&prestart);
	if (r < 0 || discover_error < 0 || defer)
		tpm2_context_freep(&prestarted);
	if (defer) {
		/* Nothing unsealed, nothing written: the mount step provisions. */
		r = persist_handoff_write(PERSIST_HANDOFF_PROVISION);
		report_stage_set(stage, "device", devnode);
		report_stage_set(stage, "action", r < 0 ? "failed" : "deferred");
		report_stage_take_steps(stage);
		report_stage_end(stage, r);
		sealroot_config_done(&cfg);
		if (r < 0) {
			(void)cmd_lock_after_failure("persist", a->cmdline, a->tpm2_device);
			return 1;
		}
		log_info("persist: %s needs provisioning: left to 'persist mount', after the root "
			 "is verified.",
			 devnode);
		return 0;
	}
	if (r < 0) {
		res = (struct persist_result){ .svn = SVN_STATE_INIT(o.svn) };
		r = persist_apply_failure_policy(&o, NULL, &res, r);
	} else if (discover_error < 0) {
		res = (struct persist_result){ .svn = SVN_STATE_INIT(o.svn) };
		r = persist_apply_failure_policy(&o, NULL, &res, discover_error);
	} else if (unlock)
		r = persist_open_classified(&o, TAKE_PTR(prestarted), classified, state, &res);
	else
		r = persist_open(&o, &res);

	/* The mount step mounts nothing without this word (persist_mount.h). */
	if (r >= 0 && unlock) {
		r = persist_handoff_write(persist_action_to_string(res.action));
		if (r < 0 && res.action != PERSIST_ACTION_VOLATILE && lock_close_volume(o.name) < 0)
			log_error("/dev/mapper/%s could not be closed.", o.name);
	}
	pcr_mask_to_string(res.pcr_mask, pcrs, sizeof(pcrs));
	report_stage_set(stage, "device", devnode);
	report_stage_set(stage, "action", persist_action_to_string(res.action));
	report_stage_set(stage, "pcrs", pcrs);
	report_stage_set(stage, "token_type", res.token_type ? res.token_type : "none");
	/* Whether extending the lock PCR stops the token used from unsealing again. */
	report_stage_set(stage, "lock_pcr_bound",
			 !res.token_type || !streq(res.token_type, TOKEN_TYPE_TPM2) ? "n/a"
			 : token_policy_lock_bound(res.pcr_mask)		    ? "yes"
										    : "no");
	report_stage_set(stage, "mount_point", o.mount ? mount_point : "");
	report_stage_set(stage, "mount", unlock ? "deferred" : o.mount ? "done" : "none");
	persist_report_policy(stage, &res);
	persist_report_svn(stage, &res.svn);
	if (!provision_only)
		lock_record_report(&res.lock, stage);
	report_stage_take_steps(stage);
	report_stage_end(stage, r < 0 ? r : 0);
	if (r >= 0)
		log_info("persist: %s %s%s%s", persist_action_to_string(res.action), devnode,
			 o.mount ? " on " : "", o.mount ? mount_point : "");
	sealroot_config_done(&cfg);
	/* persist_open() locks on every exit; should even its extend have
	 * failed, try once more the way 'sealroot lock' does. */
	if (r < 0 && !provision_only && !res.lock.extended)
		(void)cmd_lock_after_failure("persist", a->cmdline, a->tpm2_device);
	return r < 0 ? 1 : 0;
}

/* 'persist mount': the second half of a split open (persist_mount.h). */
static int do_mount(const struct args *a)
{
	struct sealroot_config cfg;
	_cleanup_free_ char *mount_point = NULL;
	const char *action = "failed";
	int r;

	/* Provisioning was left to this step: the whole 'open' runs now. */
	r = persist_handoff_read(&action);
	if (r >= 0 && streq(action, PERSIST_HANDOFF_PROVISION))
		return do_open(a, VERB_OPEN);

	int r_cfg = cmdline_load_config(a->cmdline, &cfg);
	if (r_cfg < 0) {
		(void)cmd_lock_after_failure("persist", a->cmdline, a->tpm2_device);
		return EXIT_USAGE;
	}
	if (cfg.debug)
		log_set_max_level(LOG_LEVEL_DEBUG);

	struct report_stage *stage = report_stage_begin("persist-mount");
	const char *name = a->name ? a->name : SEALROOT_DEFAULT_PERSIST_NAME;
	if (a->mount_point)
		mount_point = strdup(a->mount_point);
	else if (asprintf(&mount_point, "%s/opt", cfg.sysroot) < 0)
		mount_point = NULL;
	if (r >= 0 && !mount_point)
		r = log_error_errno(-ENOMEM, "Out of memory for the mount point.");
	if (r >= 0)
		r = persist_mount(cfg.persist.spec, name, mount_point, action);
	else
		action = "failed";
	report_stage_set(stage, "volume", name);
	report_stage_set(stage, "action", action);
	report_stage_set(stage, "mount_point", mount_point ? mount_point : "");
	report_stage_take_steps(stage);
	report_stage_end(stage, r);
	if (r >= 0)
		log_info("persist: %s /dev/mapper/%s on %s", action, name, mount_point);
	sealroot_config_done(&cfg);
	if (r < 0) {
		/* The unlock extended PCR 15 already, when it ran: this lock also
		 * closes the volume nobody will use. */
		(void)cmd_lock_after_failure("persist", a->cmdline, a->tpm2_device);
		return 1;
	}
	return 0;
}

int cmd_persist_mount(const char *cmdline, const char *mount_point)
{
	const struct args a = { .verb = "mount", .cmdline = cmdline, .mount_point = mount_point };
	/* It may provision, as cmd_persist() would. */
	int r = secret_protect_process();

	if (r < 0) {
		log_error_errno(r, "Failed to make the process non-dumpable: %m");
		(void)cmd_lock_after_failure("persist", cmdline, NULL);
		return 1;
	}
	return do_mount(&a);
}

int cmd_persist(int argc, char **argv)
{
	struct args a = {};
	int r;

	/* Key material passes through this process: no core dumps of it. */
	r = secret_protect_process();
	if (r < 0) {
		log_error_errno(r, "Failed to make the process non-dumpable: %m");
		return 1;
	}
	r = parse_args(argc, argv, &a);
	if (r > 0)
		return 0;
	if (r < 0) {
		if (a.verb &&
		    (streq(a.verb, "open") || streq(a.verb, "unlock") || streq(a.verb, "mount")))
			(void)cmd_lock_after_failure("persist", a.cmdline, a.tpm2_device);
		return EXIT_USAGE;
	}

	const char *tcti = a.tpm2_device ? a.tpm2_device : SEALROOT_DEFAULT_TPM2_DEVICE;
	if (streq(a.verb, "open"))
		return do_open(&a, VERB_OPEN);
	if (streq(a.verb, "unlock"))
		return do_open(&a, VERB_UNLOCK);
	if (streq(a.verb, "mount"))
		return do_mount(&a);
	if (streq(a.verb, "provision"))
		return do_open(&a, VERB_PROVISION);
	const char *sig = a.pcr_signature ? a.pcr_signature : SEALROOT_DEFAULT_TPM2_PCR_SIGNATURE;
	persist_crypto_setup();
	if (streq(a.verb, "check"))
		return persist_check(a.device, tcti, sig) < 0 ? 1 : 0;
	if (streq(a.verb, "reseal")) {
		if (!a.have_pcrs) {
			log_error("'sealroot persist reseal' needs --pcrs LIST (e.g. --pcrs 7)");
			return EXIT_USAGE;
		}
		const struct reseal_options ro = {
			.pcr_mask = a.pcr_mask,
			.overrides = &a.pcr_values,
			.recovery_key_file = a.recovery_key_file,
			.pcr_key = a.pcr_key,
			.pubkey_pcr_mask = SEALROOT_DEFAULT_TPM2_PUBKEY_PCRS,
			.pcr_signature = sig,
			.svn_unbind = a.svn_unbind,
		};
		return persist_reseal(a.device, tcti, &ro) < 0 ? 1 : 0;
	}
	log_error("unknown 'persist' command '%s' (open, provision, check, reseal)", a.verb);
	return EXIT_USAGE;
}
