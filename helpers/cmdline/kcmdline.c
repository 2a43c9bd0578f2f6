// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kcmdline.c — kernel command line → struct sealroot_config, see kcmdline.h.
 * Also the config defaults (sealroot_config_init/done of config.h).
 */
#include <ctype.h>
#include <fcntl.h>

#include "kcmdline.h"
#include "encoding.h"
#include "fileio.h"
#include "log.h"

#define PROC_CMDLINE "/proc/cmdline"
#define CMDLINE_MAX (64 * 1024)
#define DEVICE_TIMEOUT_MAX_USEC (3600 * USEC_PER_SEC)
#define RECOVERY_TIMEOUT_MAX_USEC (3600 * USEC_PER_SEC)
#define FEC_ROOTS_MIN 2
#define FEC_ROOTS_MAX 24

/* ---- struct sealroot_config ---- */

int sealroot_config_init(struct sealroot_config *c)
{
	*c = (struct sealroot_config){
		.verity.on_corruption = VERITY_ON_CORRUPTION_RESTART,
		.persist.tpm2_pcr_mask = SEALROOT_DEFAULT_TPM2_PCRS,
		.persist.tpm2_pubkey_pcr_mask = SEALROOT_DEFAULT_TPM2_PUBKEY_PCRS,
		.persist.on_unlock_failure = UNLOCK_FAILURE_EMERGENCY,
		.persist.recovery = RECOVERY_NONE,
		.persist.recovery_timeout_usec = SEALROOT_DEFAULT_RECOVERY_TIMEOUT_USEC,
		.device_timeout_usec = SEALROOT_DEFAULT_DEVICE_TIMEOUT_USEC,
	};
	c->verity.name = strdup(SEALROOT_DEFAULT_VERITY_NAME);
	c->persist.spec = strdup(SEALROOT_DEFAULT_PERSIST_SPEC);
	c->persist.tpm2_device = strdup(SEALROOT_DEFAULT_TPM2_DEVICE);
	c->persist.tpm2_pcr_pubkey = strdup(SEALROOT_DEFAULT_TPM2_PCR_PUBKEY);
	c->persist.tpm2_pcr_signature = strdup(SEALROOT_DEFAULT_TPM2_PCR_SIGNATURE);
	c->sysroot = strdup(SEALROOT_DEFAULT_SYSROOT);
	c->layout_path = strdup(SEALROOT_DEFAULT_LAYOUT_PATH);
	if (!c->verity.name || !c->persist.spec || !c->persist.tpm2_device ||
	    !c->persist.tpm2_pcr_pubkey || !c->persist.tpm2_pcr_signature || !c->sysroot ||
	    !c->layout_path) {
		sealroot_config_done(c);
		return -ENOMEM;
	}
	return 0;
}

void sealroot_config_done(struct sealroot_config *c)
{
	if (!c)
		return;
	free(c->verity.data_spec);
	free(c->verity.hash_spec);
	free(c->verity.fec_spec);
	free(c->verity.root_hash_sig);
	free(c->verity.sig_eku);
	free(c->verity.name);
	free(c->persist.spec);
	free(c->persist.tpm2_device);
	free(c->persist.tpm2_pcr_pubkey);
	free(c->persist.tpm2_pcr_signature);
	free(c->persist.fault_inject);
	free(c->root_spec);
	free(c->sysroot);
	free(c->layout_path);
	*c = (struct sealroot_config){};
}

/* ---- value parsers ---- */

static int set_string(char **field, const char *value)
{
	char *s = strdup(value);
	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int invalid(const char *key, const char *value, const char *why)
{
	log_error("kernel command line: invalid %s=\"%s\": %s", key, value ? value : "", why);
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

static int parse_bool(const char *s)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (streq(s, yes[i]))
			return 1;
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (streq(s, no[i]))
			return 0;
	return -EINVAL;
}

static bool valid_device_spec(const char *s)
{
	static const char *const tags[] = { "PARTUUID=", "PARTLABEL=", "UUID=", "LABEL=" };

	for (size_t i = 0; i < ELEMENTSOF(tags); i++)
		if (startswith(s, tags[i]))
			return s[strlen(tags[i])] != '\0';
	return startswith(s, "/dev/") && s[5] != '\0';
}

static bool valid_abs_path(const char *s)
{
	if (s[0] != '/')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	/* No ".." component: these paths are resolved under other roots. */
	for (const char *p = s; (p = strstr(p, "..")); p += 2)
		if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return false;
	return true;
}

int cmdline_parse_timespan(const char *s, usec_t *ret)
{
	static const struct {
		const char *suffix;
		usec_t mul;
	} units[] = {
		{ "us", 1 },
		{ "usec", 1 },
		{ "ms", USEC_PER_MSEC },
		{ "msec", USEC_PER_MSEC },
		{ "s", USEC_PER_SEC },
		{ "sec", USEC_PER_SEC },
		{ "m", 60 * USEC_PER_SEC },
		{ "min", 60 * USEC_PER_SEC },
		{ "h", 3600 * USEC_PER_SEC },
		{ "hr", 3600 * USEC_PER_SEC },
	};
	usec_t total = 0;

	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t n = 0;
		const char *start = s;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (n > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			n = n * 10 + (uint64_t)(*s - '0');
		}
		if (s == start)
			return -EINVAL;
		const char *u = s;
		while (*s >= 'a' && *s <= 'z')
			s++;
		size_t ulen = (size_t)(s - u);
		usec_t mul = 0;
		if (ulen == 0)
			mul = USEC_PER_SEC; /* a bare number means seconds */
		for (size_t i = 0; ulen > 0 && i < ELEMENTSOF(units); i++)
			if (strlen(units[i].suffix) == ulen &&
			    strncmp(u, units[i].suffix, ulen) == 0)
				mul = units[i].mul;
		if (mul == 0)
			return -EINVAL;
		if (n > (UINT64_MAX - total) / mul)
			return -ERANGE;
		total += n * mul;
		/* A bare number must be the last chunk. */
		if (ulen == 0 && *s)
			return -EINVAL;
	}
	*ret = total;
	return 0;
}

int cmdline_parse_pcr_list(const char *s, uint32_t *ret_mask)
{
	/* The names systemd gives the PCRs (systemd-cryptenroll --tpm2-pcrs=). */
	static const struct {
		const char *name;
		unsigned index;
	} names[] = {
		{ "platform-code", 0 },
		{ "platform-config", 1 },
		{ "external-code", 2 },
		{ "external-config", 3 },
		{ "boot-loader-code", 4 },
		{ "boot-loader-config", 5 },
		{ "host-platform", 6 },
		{ "secure-boot-policy", 7 },
		{ "kernel-initrd", 9 },
		{ "ima", 10 },
		{ "kernel-boot", 11 },
		{ "kernel-config", 12 },
		{ "sysexts", 13 },
		{ "shim-policy", 14 },
		{ "system-identity", 15 },
		{ "debug", 16 },
		{ "application-support", 23 },
	};
	uint32_t mask = 0;

	if (!*s) {
		*ret_mask = 0;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(s, "+,");
		if (len == 0)
			return -EINVAL;
		bool found = false;
		if (s[0] >= '0' && s[0] <= '9') {
			unsigned v = 0;
			for (size_t i = 0; i < len; i++) {
				if (s[i] < '0' || s[i] > '9' || v > 23)
					return -EINVAL;
				v = v * 10 + (unsigned)(s[i] - '0');
			}
			if (v > 23)
				return -EINVAL;
			mask |= UINT32_C(1) << v;
			found = true;
		} else {
			for (size_t i = 0; i < ELEMENTSOF(names); i++)
				if (strlen(names[i].name) == len &&
				    strncmp(s, names[i].name, len) == 0) {
					mask |= UINT32_C(1) << names[i].index;
					found = true;
				}
		}
		if (!found)
			return -EINVAL;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*ret_mask = mask;
	return 0;
}

/* ---- option handlers ---- */

static int opt_roothash(struct sealroot_config *c, const char *key, const char *v)
{
	size_t len = strlen(v);

	if (len != 64 && len != 128)
		return invalid(key, v,
			       "a root hash is 64 (sha256) or 128 (sha512) hexadecimal characters");
	if (hex_decode_exact(v, c->verity.root_hash, len / 2) < 0)
		return invalid(key, v, "not a hexadecimal string");
	c->verity.root_hash_size = len / 2;
	return 0;
}

static int opt_device(char **field, const char *key, const char *v)
{
	if (!valid_device_spec(v))
		return invalid(
		    key, v, "expected PARTUUID=…, PARTLABEL=…, UUID=…, LABEL=… or a /dev/… path");
	return set_string(field, v);
}

static int opt_verity_data(struct sealroot_config *c, const char *key, const char *v)
{
	return opt_device(&c->verity.data_spec, key, v);
}

static int opt_verity_hash(struct sealroot_config *c, const char *key, const char *v)
{
	return opt_device(&c->verity.hash_spec, key, v);
}

static int verity_offset(const char *key, const char *v, uint64_t *ret)
{
	uint64_t n;
	if (parse_u64(v, &n) < 0)
		return invalid(key, v, "expected a number of bytes");
	if (n % 512 != 0)
		return invalid(key, v, "must be a multiple of 512 bytes");
	*ret = n;
	return 0;
}

static bool valid_signature_spec(const char *v)
{
	if (startswith(v, "base64:")) {
		const char *b = v + strlen("base64:");
		if (!*b)
			return false;
		for (; *b; b++)
			if (!isalnum((unsigned char)*b) && *b != '+' && *b != '/' && *b != '=')
				return false;
		return true;
	}
	return valid_abs_path(v);
}

static int verity_option_item(struct sealroot_config *c, const char *key, const char *item,
			      const char *value, bool *policy_set)
{
	/* Options systemd-veritysetup knows that sealroot reads from the
	 * superblock itself; accepted so images move between the two. */
	static const char *const ignored[] = {
		"superblock",
		"format",
		"data-block-size",
		"hash-block-size",
		"data-blocks",
		"salt",
		"uuid",
		"hash",
		"ignore-zero-blocks",
	};
	struct verity_config *v = &c->verity;
	int r;

	static const struct {
		const char *name;
		enum verity_corruption_policy policy;
	} policies[] = {
		{ "restart-on-corruption", VERITY_ON_CORRUPTION_RESTART },
		{ "panic-on-corruption", VERITY_ON_CORRUPTION_PANIC },
		{ "ignore-corruption", VERITY_ON_CORRUPTION_IGNORE },
	};
	for (size_t i = 0; i < ELEMENTSOF(policies); i++)
		if (streq(item, policies[i].name)) {
			if (value)
				return invalid(key, item, "takes no value");
			if (*policy_set && v->on_corruption != policies[i].policy)
				return invalid(key, item,
					       "conflicts with another *-corruption option");
			v->on_corruption = policies[i].policy;
			*policy_set = true;
			return 0;
		}
	if (streq(item, "check-at-most-once")) {
		if (value)
			return invalid(key, item, "takes no value");
		v->check_at_most_once = true;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
		if (streq(item, ignored[i])) {
			log_debug("kernel command line: %s: ignoring '%s' (read from the verity "
				  "superblock)",
				  key, item);
			return 0;
		}

	if (!value)
		return invalid(
		    key, item,
		    "unknown option, or an option that needs a value (see docs/verity.md)");
	if (streq(item, "hash-offset"))
		return verity_offset(item, value, &v->hash_offset);
	if (streq(item, "fec-offset"))
		return verity_offset(item, value, &v->fec_offset);
	if (streq(item, "fec-device"))
		return opt_device(&v->fec_spec, item, value);
	if (streq(item, "fec-roots")) {
		uint64_t n;
		r = parse_u64(value, &n);
		if (r < 0 || n < FEC_ROOTS_MIN || n > FEC_ROOTS_MAX)
			return invalid(item, value, "expected a number from 2 to 24");
		v->fec_roots = (unsigned)n;
		return 0;
	}
	if (streq(item, "root-hash-signature")) {
		if (!valid_signature_spec(value))
			return invalid(
			    item, value,
			    "expected base64:<PKCS#7 DER in base64> or an absolute path");
		return set_string(&v->root_hash_sig, value);
	}
	return invalid(key, item, "unknown verity option (see docs/verity.md for the list)");
}

static void verity_options_reset(struct verity_config *v)
{
	v->hash_offset = 0;
	v->fec_offset = 0;
	v->fec_roots = 0;
	v->on_corruption = VERITY_ON_CORRUPTION_RESTART;
	v->check_at_most_once = false;
	free(v->fec_spec);
	v->fec_spec = NULL;
	free(v->root_hash_sig);
	v->root_hash_sig = NULL;
}

static int opt_verity_options(struct sealroot_config *c, const char *key, const char *value)
{
	_cleanup_free_ char *copy = strdup(value);
	bool policy_set = false;
	char *seen[32];
	size_t n_seen = 0;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	/* An "rd." form replacing an earlier plain one starts from scratch. */
	verity_options_reset(&c->verity);

	for (char *save = NULL, *item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		for (size_t i = 0; i < n_seen; i++)
			if (streq(seen[i], item)) {
				log_error("kernel command line: %s: '%s' given twice", key, item);
				return -EINVAL;
			}
		if (n_seen >= ELEMENTSOF(seen))
			return invalid(key, value, "too many options");
		seen[n_seen++] = item;
		r = verity_option_item(c, key, item, eq ? eq + 1 : NULL, &policy_set);
		if (r < 0)
			return r;
	}
	if (c->verity.fec_roots && !c->verity.fec_spec)
		return invalid(key, value, "fec-roots= given without fec-device=");
	return 0;
}

/* A dotted-decimal OID: first arc 0–2, at least two arcs, no empty arc,
 * no leading zero. */
static bool valid_oid(const char *v)
{
	size_t arcs = 0;
	if (strlen(v) > 128 || v[0] < '0' || v[0] > '2' || v[1] != '.')
		return false;
	for (const char *p = v; *p;) {
		size_t len = strspn(p, "0123456789");
		if (len == 0 || len > 20 || (len > 1 && p[0] == '0'))
			return false;
		arcs++;
		p += len;
		if (*p == '.' && p[1])
			p++;
		else if (*p)
			return false;
	}
	return arcs >= 2;
}

static int opt_verity_sig_eku(struct sealroot_config *c, const char *key, const char *v)
{
	if (!valid_oid(v))
		return invalid(key, v, "expected a dotted OID such as 1.3.6.1.5.5.7.3.3");
	return set_string(&c->verity.sig_eku, v);
}

static int opt_root(struct sealroot_config *c, const char *key, const char *v)
{
	(void)key;
	return set_string(&c->root_spec, v);
}

static int opt_device_timeout(struct sealroot_config *c, const char *key, const char *v)
{
	usec_t t;
	if (cmdline_parse_timespan(v, &t) < 0)
		return invalid(key, v, "expected a time span such as 30, 30s, 500ms or 2min");
	if (t > DEVICE_TIMEOUT_MAX_USEC)
		return invalid(key, v, "the maximum is 3600 seconds");
	c->device_timeout_usec = t;
	return 0;
}

static int opt_persist(struct sealroot_config *c, const char *key, const char *v)
{
	return opt_device(&c->persist.spec, key, v);
}

static int opt_tpm2_pcrs(struct sealroot_config *c, const char *key, const char *v)
{
	if (cmdline_parse_pcr_list(v, &c->persist.tpm2_pcr_mask) < 0)
		return invalid(
		    key, v, "expected PCR numbers 0–23 or names joined by '+' or ',' (e.g. 7+15)");
	return 0;
}

static int opt_tpm2_srk_pin(struct sealroot_config *c, const char *key, const char *v)
{
	if (streq(v, "required"))
		c->persist.tpm2_srk_pin_required = true;
	else if (streq(v, "optional"))
		c->persist.tpm2_srk_pin_required = false;
	else
		return invalid(key, v, "expected 'required' or 'optional'");
	return 0;
}

static int opt_tpm2_pubkey_pcrs(struct sealroot_config *c, const char *key, const char *v)
{
	uint32_t mask;
	if (cmdline_parse_pcr_list(v, &mask) < 0 || mask == 0)
		return invalid(key, v,
			       "expected PCR numbers 0–23 or names joined by '+' or ',' (e.g. 11)");
	c->persist.tpm2_pubkey_pcr_mask = mask;
	return 0;
}

/* An absolute path to a file in the initramfs. */
static int opt_initrd_file(char **field, const char *key, const char *v)
{
	if (v[0] != '/' || strstr(v, "/../") || (strlen(v) >= 3 && streq(v + strlen(v) - 3, "/..")))
		return invalid(key, v, "expected an absolute path without '..'");
	return set_string(field, v);
}

static int opt_tpm2_pcr_pubkey(struct sealroot_config *c, const char *key, const char *v)
{
	return opt_initrd_file(&c->persist.tpm2_pcr_pubkey, key, v);
}

static int opt_tpm2_pcr_signature(struct sealroot_config *c, const char *key, const char *v)
{
	return opt_initrd_file(&c->persist.tpm2_pcr_signature, key, v);
}

static int opt_tpm2_device(struct sealroot_config *c, const char *key, const char *v)
{
	if (!*v)
		return invalid(key, v, "expected a TCTI such as device:/dev/tpmrm0");
	return set_string(&c->persist.tpm2_device, v);
}

static int opt_on_unlock_failure(struct sealroot_config *c, const char *key, const char *v)
{
	if (streq(v, "emergency"))
		c->persist.on_unlock_failure = UNLOCK_FAILURE_EMERGENCY;
	else if (streq(v, "volatile"))
		c->persist.on_unlock_failure = UNLOCK_FAILURE_VOLATILE;
	else
		return invalid(key, v, "expected 'emergency' or 'volatile'");
	return 0;
}

static int opt_recovery(struct sealroot_config *c, const char *key, const char *v)
{
	if (streq(v, "ask"))
		c->persist.recovery = RECOVERY_ASK;
	else if (streq(v, "none"))
		c->persist.recovery = RECOVERY_NONE;
	else
		return invalid(key, v, "expected 'ask' or 'none'");
	return 0;
}

/* No "wait forever": an unattended device must not hang at a prompt whose
 * failure policy (emergency or volatile) would never apply. */
static int opt_recovery_timeout(struct sealroot_config *c, const char *key, const char *v)
{
	usec_t t;
	if (cmdline_parse_timespan(v, &t) < 0)
		return invalid(key, v, "expected a time span such as 120, 90s or 5min");
	if (t < USEC_PER_SEC || t > RECOVERY_TIMEOUT_MAX_USEC)
		return invalid(
		    key, v, "expected 1 second to 3600 seconds (0, wait forever, is not allowed)");
	c->persist.recovery_timeout_usec = t;
	return 0;
}

static int opt_recovery_key(struct sealroot_config *c, const char *key, const char *v)
{
	int b = parse_bool(v);
	if (b < 0)
		return invalid(key, v, "expected 0 or 1");
	c->persist.recovery_key_enroll = b;
	return 0;
}

static int opt_abs_path(char **field, const char *key, const char *v)
{
	if (!valid_abs_path(v))
		return invalid(key, v, "expected an absolute path without '..'");
	return set_string(field, v);
}

static int opt_layout(struct sealroot_config *c, const char *key, const char *v)
{
	return opt_abs_path(&c->layout_path, key, v);
}

static int opt_sysroot(struct sealroot_config *c, const char *key, const char *v)
{
	return opt_abs_path(&c->sysroot, key, v);
}

static int opt_fault_inject(struct sealroot_config *c, const char *key, const char *v)
{
	if (!*v)
		return invalid(key, v, "expected a step name");
	return set_string(&c->persist.fault_inject, v);
}

static int opt_debug(struct sealroot_config *c, const char *key, const char *v)
{
	int b = v ? parse_bool(v) : 1;
	if (b < 0)
		return invalid(key, v, "expected no value, 0 or 1");
	c->debug = b;
	return 0;
}

enum {
	OPT_VALUE = 1 << 0,	 /* "key=value" required */
	OPT_FLAG = 1 << 1,	 /* bare "key" allowed */
	OPT_REPEATABLE = 1 << 2, /* last one wins, no "given twice" check */
};

static const struct option_def {
	const char *name;
	int (*parse)(struct sealroot_config *c, const char *key, const char *value);
	unsigned flags;
} option_defs[] = {
	{ "roothash", opt_roothash, OPT_VALUE },
	{ "systemd.verity_root_data", opt_verity_data, OPT_VALUE },
	{ "systemd.verity_root_hash", opt_verity_hash, OPT_VALUE },
	{ "systemd.verity_root_options", opt_verity_options, OPT_VALUE },
	{ "sealroot.verity_sig_eku", opt_verity_sig_eku, OPT_VALUE },
	{ "root", opt_root, OPT_VALUE | OPT_REPEATABLE },
	{ "sealroot.device_timeout", opt_device_timeout, OPT_VALUE },
	{ "sealroot.persist", opt_persist, OPT_VALUE },
	{ "sealroot.tpm2_pcrs", opt_tpm2_pcrs, OPT_VALUE },
	{ "sealroot.tpm2_device", opt_tpm2_device, OPT_VALUE },
	{ "sealroot.tpm2_srk_pin", opt_tpm2_srk_pin, OPT_VALUE },
	{ "sealroot.tpm2_pcr_pubkey", opt_tpm2_pcr_pubkey, OPT_VALUE },
	{ "sealroot.tpm2_pcr_signature", opt_tpm2_pcr_signature, OPT_VALUE },
	{ "sealroot.tpm2_pubkey_pcrs", opt_tpm2_pubkey_pcrs, OPT_VALUE },
	{ "sealroot.on_unlock_failure", opt_on_unlock_failure, OPT_VALUE },
	{ "sealroot.recovery", opt_recovery, OPT_VALUE },
	{ "sealroot.recovery_key", opt_recovery_key, OPT_VALUE },
	{ "sealroot.recovery_timeout", opt_recovery_timeout, OPT_VALUE },
	{ "sealroot.layout", opt_layout, OPT_VALUE },
	{ "sealroot.sysroot", opt_sysroot, OPT_VALUE },
	{ "sealroot.fault_inject", opt_fault_inject, OPT_VALUE },
	{ "sealroot.debug", opt_debug, OPT_FLAG | OPT_VALUE },
};

/* ---- splitting ---- */

/* Next word of the command line with double quotes removed; *ret = NULL at the end. */
static int next_word(const char **p, char **ret)
{
	const char *s = *p;
	bool quoted = false;
	size_t n = 0;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s) {
		*p = s;
		*ret = NULL;
		return 0;
	}
	char *w = malloc(strlen(s) + 1);
	if (!w)
		return -ENOMEM;
	for (; *s; s++) {
		if (*s == '"') {
			quoted =
			    !quoted; /* an unterminated quote runs to the end, as in the kernel */
			continue;
		}
		if (!quoted && isspace((unsigned char)*s))
			break;
		w[n++] = *s;
	}
	w[n] = '\0';
	*p = s;
	*ret = w;
	return 0;
}

struct seen_option {
	int level; /* 0: not seen, 1: plain, 2: "rd." */
	char *value;
	bool has_value;
};

static bool same_value(const struct seen_option *s, const char *value)
{
	if (!s->has_value || !value)
		return s->has_value == (value != NULL);
	return streq(s->value, value);
}

static int handle_word(struct sealroot_config *c, struct seen_option *seen, char *word)
{
	char *eq = strchr(word, '=');
	const char *value = NULL;
	const char *key = word;
	int level = 1;

	if (eq) {
		*eq = '\0';
		value = eq + 1;
	}
	if (startswith(key, "rd.")) {
		key += 3;
		level = 2;
	}

	size_t i;
	for (i = 0; i < ELEMENTSOF(option_defs); i++)
		if (streq(key, option_defs[i].name))
			break;
	if (i == ELEMENTSOF(option_defs)) {
		if (startswith(key, "sealroot.")) {
			log_error(
			    "kernel command line: unknown option '%s%s' (see docs/verity.md and "
			    "README.md for sealroot's options)",
			    level == 2 ? "rd." : "", key);
			return -EINVAL;
		}
		return 0; /* not ours */
	}

	const struct option_def *def = &option_defs[i];
	struct seen_option *s = &seen[i];

	if (!value && !(def->flags & OPT_FLAG))
		return invalid(key, NULL, "this option needs a value");

	if (!(def->flags & OPT_REPEATABLE) && s->level != 0) {
		if (level < s->level) {
			log_debug("kernel command line: %s ignored, rd.%s takes precedence", key,
				  key);
			return 0;
		}
		if (level == s->level) {
			if (same_value(s, value))
				return 0;
			log_error("kernel command line: %s%s given twice with different values "
				  "(\"%s\" and \"%s\"); remove one",
				  level == 2 ? "rd." : "", key, s->value ? s->value : "",
				  value ? value : "");
			return -EINVAL;
		}
	}

	int r = def->parse(c, key, value);
	if (r < 0)
		return r;

	free(s->value);
	s->value = NULL;
	if (value) {
		s->value = strdup(value);
		if (!s->value)
			return -ENOMEM;
	}
	s->has_value = value != NULL;
	s->level = level;
	return 0;
}

int cmdline_parse(const char *cmdline, struct sealroot_config *c)
{
	struct seen_option seen[ELEMENTSOF(option_defs)] = {};
	const char *p = cmdline;
	int r = 0;

	for (;;) {
		_cleanup_free_ char *word = NULL;
		r = next_word(&p, &word);
		if (r < 0 || !word)
			break;
		r = handle_word(c, seen, word);
		if (r < 0)
			break;
	}
	for (size_t i = 0; i < ELEMENTSOF(seen); i++)
		free(seen[i].value);
	return r;
}

int cmdline_read_proc(char **ret)
{
	const char *path = PROC_CMDLINE;
#ifdef SEALROOT_TEST_HOOKS
	const char *e = getenv("SEALROOT_PROC_CMDLINE");
	if (e)
		path = e;
#endif
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n;
	int r = read_fd_bounded(fd, CMDLINE_MAX - 1, ret, &n);
	return r == -EFBIG ? -E2BIG : r;
}

int cmdline_load_config(const char *override, struct sealroot_config *c)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = sealroot_config_init(c);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the configuration: %m");
	if (!override) {
		r = cmdline_read_proc(&text);
		if (r < 0) {
			sealroot_config_done(c);
			return log_error_errno(r, "Failed to read %s: %m", PROC_CMDLINE);
		}
		override = text;
	}
	r = cmdline_parse(override, c);
	if (r < 0) {
		sealroot_config_done(c);
		if (r == -ENOMEM)
			return log_error_errno(r, "Failed to parse the kernel command line: %m");
		return r; /* already logged */
	}
	if (c->debug)
		log_set_max_level(LOG_LEVEL_DEBUG);
	return 0;
}
