// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_persist.c — `sealroot persist open|provision|check|reseal`: argument
 * parsing, configuration from the kernel command line, the report stage.
 * The work is in persist.c and provision.c.
 */
#include <getopt.h>

#include "cmdline.h"
#include "commands.h"
#include "discover.h"
#include "fault.h"
#include "log.h"
#include "persist.h"
#include "report.h"
#include "token.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sealroot persist open [--cmdline S] [--device DEV] [--tpm2-device TCTI]\n"
		"                             [--mount-point DIR] [--name NAME] [--no-mount]\n"
		"                             [--no-activate] [--recovery-key-output FILE]\n"
		"       sealroot persist provision IMAGE [--tpm2-device TCTI] [--pcrs LIST]\n"
		"                             [--recovery-key] [--recovery-key-output FILE]\n"
		"                             [--no-activate]\n"
		"       sealroot persist check DEVICE [--tpm2-device TCTI]\n"
		"       sealroot persist reseal DEVICE --pcrs LIST [--tpm2-device TCTI]\n"
		"                             [--recovery-key-file FILE]\n\n"
		"open       provision a blank partition on first boot, otherwise unseal its key\n"
		"           with the TPM2, activate, fsck and mount it (default <sysroot>/opt).\n"
		"           Settings come from the kernel command line (sealroot.persist=,\n"
		"           sealroot.tpm2_pcrs=, sealroot.on_unlock_failure=, sealroot.recovery=,\n"
		"           sealroot.recovery_key=); options here override them.\n"
		"provision  only the provisioning steps, on an image file or device.\n"
		"check      exit 0 if this TPM2 unseals a token of DEVICE and its keyslot accepts\n"
		"           the secret; changes nothing.\n"
		"reseal     enroll a new secret sealed to the current values of LIST (plus PCR\n"
		"           %d), then remove the old TPM2 token and keyslot.\n\n"
		"  --cmdline S            use S instead of /proc/cmdline\n"
		"  --device DEV           the partition (default from sealroot.persist=)\n"
		"  --tpm2-device TCTI     tpm2-tss TCTI (default %s)\n"
		"  --pcrs LIST            PCRs to seal to, e.g. 7 or 0,7\n"
		"  --mount-point DIR      where to mount it\n"
		"  --name NAME            dm-crypt name (default %s)\n"
		"  --no-mount             activate but do not mount\n"
		"  --no-activate          verify the key only (no device-mapper needed)\n"
		"  --recovery-key         enroll a recovery key while provisioning\n"
		"  --recovery-key-output FILE  write the new recovery key there, not the console\n"
		"  --recovery-key-file FILE    authorise a reseal with this recovery key\n",
		SEALROOT_TPM2_LOCK_PCR, SEALROOT_DEFAULT_TPM2_DEVICE,
		SEALROOT_DEFAULT_PERSIST_NAME);
}

struct args {
	const char *verb;
	const char *cmdline;
	const char *device;
	const char *tpm2_device;
	const char *mount_point;
	const char *name;
	const char *recovery_key_output;
	const char *recovery_key_file;
	uint32_t pcr_mask;
	bool have_pcrs;
	bool no_mount;
	bool no_activate;
	bool recovery_key;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	enum {
		OPT_CMDLINE = 0x100,
		OPT_DEVICE,
		OPT_TPM2_DEVICE,
		OPT_PCRS,
		OPT_MOUNT_POINT,
		OPT_NAME,
		OPT_NO_MOUNT,
		OPT_NO_ACTIVATE,
		OPT_RECOVERY_KEY,
		OPT_RECOVERY_KEY_OUTPUT,
		OPT_RECOVERY_KEY_FILE,
	};
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "tpm2-device", required_argument, NULL, OPT_TPM2_DEVICE },
		{ "pcrs", required_argument, NULL, OPT_PCRS },
		{ "mount-point", required_argument, NULL, OPT_MOUNT_POINT },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "no-mount", no_argument, NULL, OPT_NO_MOUNT },
		{ "no-activate", no_argument, NULL, OPT_NO_ACTIVATE },
		{ "recovery-key", no_argument, NULL, OPT_RECOVERY_KEY },
		{ "recovery-key-output", required_argument, NULL, OPT_RECOVERY_KEY_OUTPUT },
		{ "recovery-key-file", required_argument, NULL, OPT_RECOVERY_KEY_FILE },
		{},
	};
	int c;

	if (argc < 2) {
		usage(stderr);
		return -EINVAL;
	}
	a->verb = argv[1];
	if (streq(a->verb, "-h") || streq(a->verb, "--help")) {
		usage(stdout);
		return 1;
	}
	/* Parse what follows the verb; optind = 0 makes getopt start afresh. */
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 1;
		case OPT_CMDLINE:
			a->cmdline = optarg;
			break;
		case OPT_DEVICE:
			a->device = optarg;
			break;
		case OPT_TPM2_DEVICE:
			a->tpm2_device = optarg;
			break;
		case OPT_PCRS:
			if (cmdline_parse_pcr_list(optarg, &a->pcr_mask) < 0) {
				log_error("--pcrs=%s is not a PCR list like 7 or 0,7", optarg);
				return -EINVAL;
			}
			a->have_pcrs = true;
			break;
		case OPT_MOUNT_POINT:
			a->mount_point = optarg;
			break;
		case OPT_NAME:
			a->name = optarg;
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
			a->recovery_key_output = optarg;
			break;
		case OPT_RECOVERY_KEY_FILE:
			a->recovery_key_file = optarg;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	/* check/reseal/provision take the device as a positional argument. */
	if (!streq(a->verb, "open")) {
		if (optind != argc - 1) {
			log_error("'sealroot persist %s' needs exactly one DEVICE argument",
				  a->verb);
			return -EINVAL;
		}
		a->device = argv[optind];
	} else if (optind != argc) {
		log_error("'sealroot persist open' takes no positional arguments");
		return -EINVAL;
	}
	return 0;
}

static int do_open(const struct args *a, bool provision_only)
{
	struct sealroot_config cfg;
	_cleanup_free_ char *devnode = NULL, *mount_point = NULL;
	struct persist_result res;
	char pcrs[96];
	int r;

	r = cmdline_load_config(a->cmdline, &cfg);
	if (r < 0)
		return EXIT_USAGE;
	if (cfg.debug)
		log_set_max_level(LOG_LEVEL_DEBUG);
	fault_set(cfg.persist.fault_inject);

	struct report_stage *stage = report_stage_begin("persist");

	int discover_error = 0;
	if (a->device)
		devnode = strdup(a->device);
	else {
		discover_error =
		    discover_device(cfg.persist.spec, cfg.device_timeout_usec, &devnode);
		if (discover_error < 0) {
			log_error_errno(discover_error,
					"The persistent partition %s was not found: %m",
					cfg.persist.spec);
			devnode = strdup(cfg.persist.spec);
		}
	}
	if (a->mount_point)
		mount_point = strdup(a->mount_point);
	else if (asprintf(&mount_point, "%s/opt", cfg.sysroot) < 0)
		mount_point = NULL;
	if (!devnode || !mount_point) {
		sealroot_config_done(&cfg);
		report_stage_end(stage, -ENOMEM);
		return 1;
	}

	struct persist_options o = {
		.device = devnode,
		.tpm2_device = a->tpm2_device ? a->tpm2_device : cfg.persist.tpm2_device,
		.pcr_mask = a->have_pcrs ? a->pcr_mask : cfg.persist.tpm2_pcr_mask,
		.name = a->name ? a->name : SEALROOT_DEFAULT_PERSIST_NAME,
		.mount_point = mount_point,
		.on_failure = cfg.persist.on_unlock_failure,
		.recovery = cfg.persist.recovery,
		.enroll_recovery = a->recovery_key || cfg.persist.recovery_key_enroll,
		.recovery_key_output = a->recovery_key_output,
		.activate = !a->no_activate,
		.mount = !a->no_mount && !a->no_activate,
		.provision_only = provision_only,
	};
	/* Under the volatile policy with --no-activate a tmpfs still goes up. */
	if (a->no_activate && !a->no_mount && o.on_failure == UNLOCK_FAILURE_VOLATILE)
		o.mount = true;
	if (o.on_failure == UNLOCK_FAILURE_VOLATILE && a->no_activate)
		o.activate = false;

	if (discover_error < 0) {
		res = (struct persist_result){ .pcr_mask = o.pcr_mask };
		r = persist_apply_failure_policy(&o, &res, discover_error);
	} else
		r = persist_open(&o, &res);

	pcr_mask_to_string(res.pcr_mask, pcrs, sizeof(pcrs));
	report_stage_set(stage, "device", devnode);
	report_stage_set(stage, "action", persist_action_to_string(res.action));
	report_stage_set(stage, "pcrs", pcrs);
	report_stage_set(stage, "token_type", res.token_type ? res.token_type : "none");
	report_stage_set(stage, "mount_point", o.mount ? mount_point : "");
	report_stage_end(stage, r < 0 ? r : 0);
	if (r >= 0)
		log_info("persist: %s %s%s%s", persist_action_to_string(res.action), devnode,
			 o.mount ? " on " : "", o.mount ? mount_point : "");
	sealroot_config_done(&cfg);
	return r < 0 ? 1 : 0;
}

int cmd_persist(int argc, char **argv)
{
	struct args a = {};
	int r;

	r = parse_args(argc, argv, &a);
	if (r > 0)
		return 0;
	if (r < 0)
		return EXIT_USAGE;

	const char *tcti = a.tpm2_device ? a.tpm2_device : SEALROOT_DEFAULT_TPM2_DEVICE;
	if (streq(a.verb, "open"))
		return do_open(&a, false);
	if (streq(a.verb, "provision"))
		return do_open(&a, true);
	if (streq(a.verb, "check"))
		return persist_check(a.device, tcti) < 0 ? 1 : 0;
	if (streq(a.verb, "reseal")) {
		if (!a.have_pcrs) {
			log_error("'sealroot persist reseal' needs --pcrs LIST (e.g. --pcrs 7)");
			return EXIT_USAGE;
		}
		return persist_reseal(a.device, tcti, a.pcr_mask, a.recovery_key_file) < 0 ? 1 : 0;
	}
	log_error("unknown 'persist' command '%s' (open, provision, check, reseal)", a.verb);
	return EXIT_USAGE;
}
