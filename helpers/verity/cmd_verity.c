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
#include "commands.h"
#include "encoding.h"
#include "kcmdline.h"
#include "log.h"
#include "options.h"
#include "report.h"
#include "verity.h"
#include "verity_sig.h"
#include "warm.h"

struct verity_args {
	const char *cmdline;
	const char *name;
	const char *cert_dir;
	bool no_activate;
};

enum { VERB_OPEN = 1 << 0, VERB_VERIFY = 1 << 1 };

#define VERITY_EXIT_STATUS "Exit status: 0 success, 1 failure (nothing activated), 2 usage error.\n"

static const struct opt_verb verbs[] = {
	{ VERB_OPEN, "open",
	  " [--cmdline STRING] [--name NAME] [--no-activate]\n"
	  "                            [--cert-dir DIR]",
	  "Find the data and hash devices named by the kernel command line (roothash=,\n"
	  "systemd.verity_root_data=/_hash=/_options=) and activate them read-only as\n"
	  "/dev/mapper/NAME (default root).\n",
	  VERITY_EXIT_STATUS },
	{ VERB_VERIFY, "verify", " [--cmdline STRING] [--cert-dir DIR] DATA HASH",
	  "Check every block of DATA against HASH and the root hash in userspace\n"
	  "(plain files work; nothing is activated).\n",
	  VERITY_EXIT_STATUS },
};

enum { OPT_HELP = 'h', OPT_CMDLINE = 0x100, OPT_NAME, OPT_NO_ACTIVATE, OPT_CERT_DIR };

static const struct opt_def options[] = {
	{ "cmdline", OPT_CMDLINE, "STRING", 0, "use STRING instead of /proc/cmdline" },
	{ "name", OPT_NAME, "NAME", VERB_OPEN, "device-mapper name (default root)" },
	{ "no-activate", OPT_NO_ACTIVATE, NULL, VERB_OPEN,
	  "find the devices and check the root hash and signature only" },
	{ "cert-dir", OPT_CERT_DIR, "DIR", 0,
	  "certificates trusted for root hash signatures\n"
	  "(default " SEALROOT_VERITY_CERT_DIR ")" },
	{ "help", OPT_HELP, NULL, 0, "show this help" },
};

static const struct opt_command verity_command = {
	.name = "verity",
	.summary =
	    "Usage: sealroot verity open [--cmdline STRING] [--name NAME] [--no-activate]\n"
	    "                            [--cert-dir DIR]\n"
	    "       sealroot verity verify [--cmdline STRING] [--cert-dir DIR] DATA HASH\n\n"
	    "open    find the data and hash devices named by the kernel command line (roothash=,\n"
	    "        systemd.verity_root_data=/_hash=/_options=) and activate them read-only as\n"
	    "        /dev/mapper/NAME (default root).\n"
	    "verify  check every block of DATA against HASH and the root hash in userspace\n"
	    "        (plain files work; nothing is activated).\n\n"
	    "Run 'sealroot verity COMMAND --help' for its options.\n" VERITY_EXIT_STATUS,
	OPT_TABLES(verbs, options),
};

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

static int set_option(void *userdata, int id, const char *arg)
{
	struct verity_args *a = userdata;

	switch (id) {
	case OPT_CMDLINE:
		a->cmdline = arg;
		break;
	case OPT_NAME:
		if (!*arg || strchr(arg, '/') || strlen(arg) > 127) {
			log_error("Invalid --name '%s': expected a device-mapper name without '/'",
				  arg);
			return -EINVAL;
		}
		a->name = arg;
		break;
	case OPT_NO_ACTIVATE:
		a->no_activate = true;
		break;
	case OPT_CERT_DIR:
		a->cert_dir = arg;
		break;
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

static int verity_open(const struct opts *o, const struct verity_args *args)
{
	struct verity_args a = *args;
	struct sealroot_config c;
	struct verity_devices d = {};
	_cleanup_free_ uint8_t *sig = NULL;
	size_t sig_size = 0;
	bool verified = false;
	enum verity_sig_mode mode = VERITY_SIG_NONE;
	int r;

	if (o->n_args != 0) {
		opts_usage_error(o, "takes no positional arguments");
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

	/* While the disk is not there yet (warm.h).  A library that fails to
	 * load logs it here, once; the stage's own call gets the same result
	 * back and handles it. */
	int warm = crypto_warm_up();
	if (warm < 0)
		log_debug_errno(warm, "Warm-up before the disk appears failed: %m");
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

static int verity_verify_cmd(const struct opts *o, const struct verity_args *args)
{
	struct verity_args a = *args;
	struct sealroot_config c;
	_cleanup_free_ uint8_t *sig = NULL;
	size_t sig_size = 0;
	bool verified = false;
	int r;

	if (o->n_args != 2) {
		opts_usage_error(o, "needs two arguments: DATA HASH");
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

	struct verity_devices d = { .data = o->args[0], .hash = o->args[1] };
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
	struct verity_args a = { .cert_dir = SEALROOT_VERITY_CERT_DIR };
	struct opts o;
	int r = opts_parse(&verity_command, argc, argv, set_option, &a, &o);

	if (r != 0) {
		/* A usage error of 'verity open' in the initramfs ends the boot too. */
		if (r < 0 && o.verb && o.verb->verb == VERB_OPEN)
			(void)cmd_lock_after_failure("verity", a.cmdline, NULL);
		return r > 0 ? 0 : EXIT_USAGE;
	}
	if (o.verb->verb == VERB_OPEN) {
		int rc = verity_open(&o, &a);
		if (rc != 0)
			(void)cmd_lock_after_failure("verity", a.cmdline, NULL);
		return rc;
	}
	return verity_verify_cmd(&o, &a);
}
