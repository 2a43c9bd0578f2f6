// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_verity.c — 'sealroot verity open|verify': the dm-verity root named by
 * the kernel command line, with the root hash signature policy:
 *
 *   - certificates shipped in the initramfs (--cert-dir) and no signature:
 *     refuse;
 *   - a signature: check it in userspace against those certificates (fail
 *     closed), then let the kernel check it too; if the kernel has no key for
 *     it, activate by the (now authenticated) root hash;
 *   - a signature but no certificates: only the kernel can check it; if it
 *     cannot, refuse.
 */
#include <getopt.h>

#include "kcmdline.h"
#include "commands.h"
#include "encoding.h"
#include "log.h"
#include "report.h"
#include "verity.h"
#include "verity_sig.h"

struct verity_args {
	const char *cmdline;
	const char *name;
	const char *cert_dir;
	bool no_activate;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: sealroot verity open [--cmdline STRING] [--name NAME] [--no-activate]\n"
	    "                            [--cert-dir DIR]\n"
	    "       sealroot verity verify [--cmdline STRING] [--cert-dir DIR] DATA HASH\n\n"
	    "open    find the data and hash devices named by the kernel command line (roothash=,\n"
	    "        systemd.verity_root_data=/_hash=/_options=) and activate them read-only as\n"
	    "        /dev/mapper/NAME (default root).\n"
	    "verify  check every block of DATA against HASH and the root hash in userspace\n"
	    "        (plain files work; nothing is activated).\n\n"
	    "  --cmdline STRING  use STRING instead of /proc/cmdline\n"
	    "  --name NAME       device-mapper name (default root)\n"
	    "  --no-activate     find the devices and check the root hash and signature only\n"
	    "  --cert-dir DIR    certificates trusted for root hash signatures\n"
	    "                    (default " SEALROOT_VERITY_CERT_DIR ")\n\n"
	    "Exit status: 0 success, 1 failure (nothing activated), 2 usage error.\n");
}

/* Apply the signature policy.  On success *ret_sig (may be NULL: no
 * signature) and *ret_verified say what activation may do. */
static int signature_policy(const struct verity_config *v, const char *cert_dir,
			    bool kernel_can_check, uint8_t **ret_sig, size_t *ret_size,
			    bool *ret_verified)
{
	_cleanup_free_ uint8_t *sig = NULL;
	size_t size = 0;
	char hex[2 * SEALROOT_ROOT_HASH_MAX + 1];
	int n, r;

	*ret_sig = NULL;
	*ret_size = 0;
	*ret_verified = false;

	n = verity_sig_count_certs(cert_dir);
	if (n < 0)
		return log_error_errno(n,
				       "Cannot read the trusted certificates in %s: %m. Refusing "
				       "to open the root.",
				       cert_dir);

	if (!v->root_hash_sig) {
		if (n > 0)
			return log_error_errno(
			    -EKEYREJECTED,
			    "A root hash signature is required (%d certificate(s) "
			    "in %s) but the kernel command line has no "
			    "root-hash-signature= in systemd.verity_root_options=. "
			    "Refusing to open the root.",
			    n, cert_dir);
		log_debug("No root hash signature and no certificates in %s: root hash only.",
			  cert_dir);
		return 0;
	}

	r = verity_sig_load(v->root_hash_sig, &sig, &size);
	if (r < 0)
		return log_error_errno(r, "Failed to load the root hash signature %.64s: %m",
				       v->root_hash_sig);

	hex_encode_into(v->root_hash, v->root_hash_size, hex);
	if (n == 0) {
		if (!kernel_can_check)
			return log_error_errno(-ENOKEY,
					       "Cannot check the root hash signature: no "
					       "certificates in %s.",
					       cert_dir);
		log_notice("No certificates in %s: leaving the root hash signature to the kernel "
			   "keyring.",
			   cert_dir);
	} else {
		r = verity_sig_verify(v->root_hash, v->root_hash_size, sig, size, cert_dir,
				      v->sig_eku);
		if (r < 0)
			return log_error_errno(
			    r,
			    "The root hash signature is not valid for root hash %s "
			    "with the certificates in %s (%m). Refusing to open "
			    "the root.",
			    hex, cert_dir);
		log_info("Root hash %s: signature verified against %s.", hex, cert_dir);
		*ret_verified = true;
	}
	*ret_sig = TAKE_PTR(sig);
	*ret_size = size;
	return 0;
}

static int parse_args(int argc, char **argv, struct verity_args *a, bool allow_open_opts)
{
	enum { OPT_CMDLINE = 0x100, OPT_NAME, OPT_NO_ACTIVATE, OPT_CERT_DIR };
	static const struct option options[] = {
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "no-activate", no_argument, NULL, OPT_NO_ACTIVATE },
		{ "cert-dir", required_argument, NULL, OPT_CERT_DIR },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case OPT_CMDLINE:
			a->cmdline = optarg;
			break;
		case OPT_NAME:
		case OPT_NO_ACTIVATE:
			if (!allow_open_opts) {
				log_error("--name and --no-activate are options of 'verity open'");
				return -EINVAL;
			}
			if (c == OPT_NAME)
				a->name = optarg;
			else
				a->no_activate = true;
			break;
		case OPT_CERT_DIR:
			a->cert_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (a->name && (!*a->name || strchr(a->name, '/') || strlen(a->name) > 127)) {
		log_error("Invalid --name '%s': expected a device-mapper name without '/'",
			  a->name);
		return -EINVAL;
	}
	return 0;
}

static void report_config(struct report_stage *st, const struct verity_config *v, const char *name)
{
	char hex[2 * SEALROOT_ROOT_HASH_MAX + 1];

	hex_encode_into(v->root_hash, v->root_hash_size, hex);
	report_stage_set(st, "root_hash", hex);
	report_stage_set(st, "dm_name", name);
	report_stage_set(st, "corruption_policy", verity_policy_name(v->on_corruption));
}

static int verity_open(int argc, char **argv, struct verity_args *args)
{
	struct verity_args a = { .cert_dir = SEALROOT_VERITY_CERT_DIR };
	struct sealroot_config c;
	struct verity_devices d = {};
	_cleanup_free_ uint8_t *sig = NULL;
	size_t sig_size = 0;
	bool verified = false;
	enum verity_sig_mode mode = VERITY_SIG_NONE;
	int r;

	r = parse_args(argc, argv, &a, true);
	*args = a;
	if (r != 0)
		return r > 0 ? 0 : EXIT_USAGE;
	if (optind != argc) {
		log_error("'verity open' takes no positional arguments");
		return EXIT_USAGE;
	}

	struct report_stage *st = report_stage_begin("verity");
	r = cmdline_load_config(a.cmdline, &c);
	if (r < 0) {
		report_stage_end(st, r);
		return 1;
	}
	const char *name = a.name ? a.name : c.verity.name;

	if (c.verity.root_hash_size == 0) {
		r = log_error_errno(-ENOKEY,
				    "no roothash= on the kernel command line; cannot open a "
				    "verified root. Add roothash=<hex> (veritysetup format "
				    "prints it).");
		goto out;
	}
	report_config(st, &c.verity, name);

	r = signature_policy(&c.verity, a.cert_dir, true, &sig, &sig_size, &verified);
	if (r < 0)
		goto out;

	r = verity_find_devices(&c.verity, c.device_timeout_usec, &d);
	if (r < 0)
		goto out;
	report_stage_set(st, "data_device", d.data);
	report_stage_set(st, "hash_device", d.hash);
	if (d.fec)
		report_stage_set(st, "fec_device", d.fec);

	if (a.no_activate) {
		r = verity_check(&c.verity, &d);
		if (r < 0)
			goto out;
		mode = verified ? VERITY_SIG_USERSPACE : VERITY_SIG_NONE;
		printf("data=%s\nhash=%s\n", d.data, d.hash);
		log_info("Root hash matches %s; not activating (--no-activate).", d.hash);
	} else {
		r = verity_activate(&c.verity, &d, name, sig, sig_size, verified, &mode);
		if (r < 0)
			goto out;
		log_info("Opened /dev/mapper/%s (data %s, hash %s, %s, signature: %s).", name,
			 d.data, d.hash, verity_policy_name(c.verity.on_corruption),
			 verity_sig_mode_name(mode));
	}
	report_stage_set(st, "signature", verity_sig_mode_name(mode));
out:
	report_stage_end(st, r < 0 ? r : 0);
	verity_devices_done(&d);
	sealroot_config_done(&c);
	return r < 0 ? 1 : 0;
}

static int verity_verify_cmd(int argc, char **argv)
{
	struct verity_args a = { .cert_dir = SEALROOT_VERITY_CERT_DIR };
	struct sealroot_config c;
	_cleanup_free_ uint8_t *sig = NULL;
	size_t sig_size = 0;
	bool verified = false;
	int r;

	r = parse_args(argc, argv, &a, false);
	if (r != 0)
		return r > 0 ? 0 : EXIT_USAGE;
	if (argc - optind != 2) {
		log_error("'verity verify' needs two arguments: DATA HASH");
		return EXIT_USAGE;
	}

	r = cmdline_load_config(a.cmdline, &c);
	if (r < 0)
		return 1;
	if (c.verity.root_hash_size == 0) {
		r = log_error_errno(-ENOKEY,
				    "no roothash= on the kernel command line (use --cmdline "
				    "'roothash=<hex>')");
		goto out;
	}
	r = signature_policy(&c.verity, a.cert_dir, false, &sig, &sig_size, &verified);
	if (r < 0)
		goto out;

	struct verity_devices d = { .data = argv[optind], .hash = argv[optind + 1] };
	r = verity_verify(&c.verity, &d);
	if (r >= 0)
		log_info("%s verified against %s: root hash matches, no corruption%s.", d.data,
			 d.hash, verified ? ", signature valid" : "");
out:
	sealroot_config_done(&c);
	return r < 0 ? 1 : 0;
}

int cmd_verity(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (streq(argv[1], "-h") || streq(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	/* getopt sees the action's own arguments (argv[0] = the action). */
	if (streq(argv[1], "open")) {
		struct verity_args a = {};
		int rc = verity_open(argc - 1, argv + 1, &a);
		if (rc != 0)
			(void)cmd_lock_after_failure("verity", a.cmdline, NULL);
		return rc;
	}
	if (streq(argv[1], "verify"))
		return verity_verify_cmd(argc - 1, argv + 1);
	log_error("unknown 'verity' action '%s' (expected open or verify)", argv[1]);
	return EXIT_USAGE;
}
