// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for kcmdline.c: kernel command line → struct sealroot_config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kcmdline.h"
#include "log.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static int setup(void **state)
{
	struct sealroot_config *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	assert_int_equal(sealroot_config_init(c), 0);
	log_set_max_level((enum log_level)(LOG_LEVEL_ERR - 1)); /* expected errors stay quiet */
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	sealroot_config_done(*state);
	free(*state);
	return 0;
}

static int parse(void **state, const char *s)
{
	return cmdline_parse(s, *state);
}

#define CFG ((struct sealroot_config *)*state)

static void test_kcmdline_defaults(void **state)
{
	assert_int_equal(parse(state, ""), 0);
	assert_int_equal(CFG->verity.root_hash_size, 0);
	assert_null(CFG->verity.data_spec);
	assert_null(CFG->verity.hash_spec);
	assert_int_equal(CFG->verity.on_corruption, VERITY_ON_CORRUPTION_RESTART);
	assert_false(CFG->verity.check_at_most_once);
	assert_string_equal(CFG->verity.name, "root");
	assert_string_equal(CFG->persist.spec, SEALROOT_DEFAULT_PERSIST_SPEC);
	assert_string_equal(CFG->persist.tpm2_device, SEALROOT_DEFAULT_TPM2_DEVICE);
	assert_int_equal(CFG->persist.tpm2_pcr_mask, 1u << 7);
	assert_int_equal(CFG->persist.on_unlock_failure, UNLOCK_FAILURE_EMERGENCY);
	assert_int_equal(CFG->persist.recovery, RECOVERY_NONE);
	assert_false(CFG->persist.recovery_key_enroll);
	assert_null(CFG->persist.fault_inject);
	assert_null(CFG->root_spec);
	assert_string_equal(CFG->sysroot, "/sysroot");
	assert_string_equal(CFG->layout_path, SEALROOT_DEFAULT_LAYOUT_PATH);
	assert_int_equal(CFG->device_timeout_usec, 30 * USEC_PER_SEC);
	assert_false(CFG->debug);
}

static void test_kcmdline_roothash_sha256_stored_as_bytes(void **state)
{
	assert_int_equal(parse(state, "quiet roothash=" H64 " splash"), 0);
	assert_int_equal(CFG->verity.root_hash_size, 32);
	assert_int_equal(CFG->verity.root_hash[0], 0x01);
	assert_int_equal(CFG->verity.root_hash[1], 0x23);
	assert_int_equal(CFG->verity.root_hash[31], 0xef);
}

static void test_kcmdline_roothash_sha512_and_uppercase(void **state)
{
	assert_int_equal(parse(state,
			       "roothash=" H64 "ABCDEF0123456789ABCDEF0123456789ABCDEF012345678"
			       "9ABCDEF0123456789"),
			 0);
	assert_int_equal(CFG->verity.root_hash_size, 64);
	assert_int_equal(CFG->verity.root_hash[32], 0xab);
	assert_int_equal(CFG->verity.root_hash[63], 0x89);
}

static void test_kcmdline_roothash_rejects_odd_length(void **state)
{
	assert_int_equal(parse(state, "roothash=" H64 "0"), -EINVAL);
}

static void test_kcmdline_roothash_rejects_wrong_length(void **state)
{
	/* 40 hex chars (sha1-sized) is even but not a supported size. */
	assert_int_equal(parse(state, "roothash=0123456789abcdef0123456789abcdef01234567"),
			 -EINVAL);
	assert_int_equal(parse(state, "roothash="), -EINVAL);
	assert_int_equal(parse(state, "roothash"), -EINVAL);
}

static void test_kcmdline_roothash_rejects_non_hex(void **state)
{
	assert_int_equal(
	    parse(state,
		  "roothash=g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
	    -EINVAL);
}

static void test_kcmdline_verity_devices(void **state)
{
	assert_int_equal(parse(state, "systemd.verity_root_data=PARTLABEL=root-a "
				      "systemd.verity_root_hash=/dev/vda3"),
			 0);
	assert_string_equal(CFG->verity.data_spec, "PARTLABEL=root-a");
	assert_string_equal(CFG->verity.hash_spec, "/dev/vda3");
}

static void test_kcmdline_verity_device_rejects_bad_spec(void **state)
{
	assert_int_equal(parse(state, "systemd.verity_root_data=vda2"), -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_hash=PARTUUID="), -EINVAL);
}

static void test_kcmdline_verity_options_all(void **state)
{
	assert_int_equal(parse(state, "systemd.verity_root_options=hash-offset=1048576,"
				      "fec-device=PARTLABEL=fec,fec-offset=4096,fec-roots=24,"
				      "root-hash-signature=/etc/sig.p7s,panic-on-corruption,"
				      "check-at-most-once"),
			 0);
	assert_int_equal(CFG->verity.hash_offset, 1048576);
	assert_string_equal(CFG->verity.fec_spec, "PARTLABEL=fec");
	assert_int_equal(CFG->verity.fec_offset, 4096);
	assert_int_equal(CFG->verity.fec_roots, 24);
	assert_string_equal(CFG->verity.root_hash_sig, "/etc/sig.p7s");
	assert_int_equal(CFG->verity.on_corruption, VERITY_ON_CORRUPTION_PANIC);
	assert_true(CFG->verity.check_at_most_once);
}

static void test_kcmdline_verity_options_ignore_corruption_and_base64_sig(void **state)
{
	assert_int_equal(parse(state, "systemd.verity_root_options=ignore-corruption,"
				      "root-hash-signature=base64:MIIB+/9a=="),
			 0);
	assert_int_equal(CFG->verity.on_corruption, VERITY_ON_CORRUPTION_IGNORE);
	assert_string_equal(CFG->verity.root_hash_sig, "base64:MIIB+/9a==");
}

static void test_kcmdline_verity_options_accepts_systemd_only_options(void **state)
{
	assert_int_equal(parse(state, "systemd.verity_root_options=superblock=true,format=1,"
				      "data-block-size=4096,hash-block-size=4096,data-blocks=10,"
				      "salt=00ff,uuid=1234,hash=sha256,ignore-zero-blocks,"
				      "restart-on-corruption"),
			 0);
	assert_int_equal(CFG->verity.on_corruption, VERITY_ON_CORRUPTION_RESTART);
}

static void test_kcmdline_verity_options_rejects_unknown(void **state)
{
	assert_int_equal(parse(state, "systemd.verity_root_options=frobnicate"), -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=frob=1"), -EINVAL);
}

static void test_kcmdline_verity_options_rejects_bad_values(void **state)
{
	assert_int_equal(parse(state, "systemd.verity_root_options=fec-device=PARTLABEL=f,"
				      "fec-roots=1"),
			 -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=fec-device=PARTLABEL=f,"
				      "fec-roots=25"),
			 -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=fec-roots=2"), -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=hash-offset=-1"), -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=hash-offset=100"), -EINVAL);
	assert_int_equal(
	    parse(state, "systemd.verity_root_options=hash-offset=99999999999999999999"), -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=root-hash-signature=rel/sig"),
			 -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=root-hash-signature=base64:"),
			 -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=root-hash-signature=base64:a%b"),
			 -EINVAL);
	assert_int_equal(parse(state, "systemd.verity_root_options=check-at-most-once=1"), -EINVAL);
}

static void test_kcmdline_verity_sig_eku(void **state)
{
	assert_null(CFG->verity.sig_eku); /* default: code signing */
	assert_int_equal(parse(state, "sealroot.verity_sig_eku=1.3.6.1.4.1.55555.7"), 0);
	assert_string_equal(CFG->verity.sig_eku, "1.3.6.1.4.1.55555.7");
	assert_int_equal(parse(state, "rd.sealroot.verity_sig_eku=2.5"), 0);
	assert_string_equal(CFG->verity.sig_eku, "2.5");
	static const char *const bad[] = {
		"sealroot.verity_sig_eku=",
		"sealroot.verity_sig_eku=1",
		"sealroot.verity_sig_eku=3.1",
		"sealroot.verity_sig_eku=1.2.",
		"sealroot.verity_sig_eku=1..2",
		"sealroot.verity_sig_eku=1.02",
		"sealroot.verity_sig_eku=codeSigning",
		"sealroot.verity_sig_eku=\"1.3 x\"",
		"sealroot.verity_sig_eku",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (parse(state, bad[i]) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

static void test_kcmdline_verity_options_rejects_conflicting_policies(void **state)
{
	assert_int_equal(
	    parse(state, "systemd.verity_root_options=panic-on-corruption,ignore-corruption"),
	    -EINVAL);
}

static void test_kcmdline_verity_options_rejects_repeated_item(void **state)
{
	assert_int_equal(
	    parse(state, "systemd.verity_root_options=hash-offset=512,hash-offset=1024"), -EINVAL);
}

static void test_kcmdline_quotes_group_words(void **state)
{
	assert_int_equal(parse(state, "a \"sealroot.tpm2_device=swtpm:host=h, port=1\" b"), 0);
	assert_string_equal(CFG->persist.tpm2_device, "swtpm:host=h, port=1");
	assert_int_equal(parse(state, "root=\"PARTLABEL=my root\"\tquiet"), 0);
	assert_string_equal(CFG->root_spec, "PARTLABEL=my root");
}

static void test_kcmdline_unterminated_quote_runs_to_end(void **state)
{
	assert_int_equal(parse(state, "root=\"/dev/vda2 x"), 0);
	assert_string_equal(CFG->root_spec, "/dev/vda2 x");
}

static void test_kcmdline_ignores_unrelated_options(void **state)
{
	assert_int_equal(parse(state, "BOOT_IMAGE=/vmlinuz ro console=ttyS0,115200 quiet "
				      "systemd.verity=1 usrhash=zz rd.luks=0 foo"),
			 0);
}

static void test_kcmdline_rejects_unknown_sealroot_option(void **state)
{
	assert_int_equal(parse(state, "sealroot.devicetimeout=5"), -EINVAL);
	assert_int_equal(parse(state, "rd.sealroot.bogus"), -EINVAL);
}

static void test_kcmdline_rd_prefix_accepted_and_wins(void **state)
{
	assert_int_equal(parse(state, "rd.sealroot.device_timeout=5 sealroot.device_timeout=7"), 0);
	assert_int_equal(CFG->device_timeout_usec, 5 * USEC_PER_SEC);
	assert_int_equal(parse(state, "sealroot.recovery=none rd.sealroot.recovery=ask"), 0);
	assert_int_equal(CFG->persist.recovery, RECOVERY_ASK);
}

static void test_kcmdline_rd_options_replace_plain_options(void **state)
{
	assert_int_equal(
	    parse(state, "systemd.verity_root_options=panic-on-corruption,"
			 "hash-offset=4096 rd.systemd.verity_root_options=check-at-most-once"),
	    0);
	assert_int_equal(CFG->verity.on_corruption, VERITY_ON_CORRUPTION_RESTART);
	assert_int_equal(CFG->verity.hash_offset, 0);
	assert_true(CFG->verity.check_at_most_once);
}

static void test_kcmdline_duplicate_different_is_error(void **state)
{
	assert_int_equal(parse(state, "roothash=" H64 " roothash=" H64B), -EINVAL);
	assert_int_equal(parse(state, "sealroot.persist=/dev/a sealroot.persist=/dev/b"), -EINVAL);
	assert_int_equal(parse(state, "rd.sealroot.debug rd.sealroot.debug=0"), -EINVAL);
}

static void test_kcmdline_duplicate_identical_is_ok(void **state)
{
	assert_int_equal(parse(state, "roothash=" H64 " x roothash=" H64), 0);
	assert_int_equal(parse(state, "sealroot.debug sealroot.debug"), 0);
	assert_true(CFG->debug);
}

static void test_kcmdline_root_last_wins(void **state)
{
	assert_int_equal(parse(state, "root=/dev/vda1 root=/dev/mapper/root"), 0);
	assert_string_equal(CFG->root_spec, "/dev/mapper/root");
}

static void test_kcmdline_device_timeout_units(void **state)
{
	static const struct {
		const char *text;
		usec_t usec;
	} cases[] = {
		{ "sealroot.device_timeout=0", 0 },
		{ "sealroot.device_timeout=45", 45 * USEC_PER_SEC },
		{ "sealroot.device_timeout=10s", 10 * USEC_PER_SEC },
		{ "sealroot.device_timeout=250ms", 250 * USEC_PER_MSEC },
		{ "sealroot.device_timeout=2min", 120 * USEC_PER_SEC },
		{ "sealroot.device_timeout=1min30s", 90 * USEC_PER_SEC },
		{ "sealroot.device_timeout=1h", 3600 * USEC_PER_SEC },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct sealroot_config c;
		assert_int_equal(sealroot_config_init(&c), 0);
		assert_int_equal(cmdline_parse(cases[i].text, &c), 0);
		assert_int_equal(c.device_timeout_usec, cases[i].usec);
		sealroot_config_done(&c);
	}
	(void)state;
}

/* Each command line in BAD fails to parse with -EINVAL. */
static void assert_all_rejected(const char *const *bad, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sealroot_config c;
		assert_int_equal(sealroot_config_init(&c), 0);
		int r = cmdline_parse(bad[i], &c);
		sealroot_config_done(&c);
		if (r != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
}

static void test_kcmdline_device_timeout_rejects_bad(void **state)
{
	static const char *const bad[] = {
		"sealroot.device_timeout=",
		"sealroot.device_timeout=abc",
		"sealroot.device_timeout=10x",
		"sealroot.device_timeout=3601",
		"sealroot.device_timeout=-1",
		"sealroot.device_timeout=1.5s",
		"sealroot.device_timeout=5ss",
		"sealroot.device_timeout=s",
		"sealroot.device_timeout=99999999999999999999",
	};
	assert_all_rejected(bad, ELEMENTSOF(bad));
	(void)state;
}

static void test_kcmdline_recovery_timeout(void **state)
{
	static const struct {
		const char *text;
		usec_t usec;
	} cases[] = {
		{ "", 120 * USEC_PER_SEC },
		{ "sealroot.recovery_timeout=30", 30 * USEC_PER_SEC },
		{ "sealroot.recovery_timeout=5min", 300 * USEC_PER_SEC },
		{ "sealroot.recovery_timeout=1h", 3600 * USEC_PER_SEC },
	};
	static const char *const bad[] = {
		"sealroot.recovery_timeout=0", /* would wait forever */
		"sealroot.recovery_timeout=500ms", "sealroot.recovery_timeout=3601",
		"sealroot.recovery_timeout=",	   "sealroot.recovery_timeout=soon",
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct sealroot_config c;
		assert_int_equal(sealroot_config_init(&c), 0);
		assert_int_equal(cmdline_parse(cases[i].text, &c), 0);
		assert_int_equal(c.persist.recovery_timeout_usec, cases[i].usec);
		sealroot_config_done(&c);
	}
	assert_all_rejected(bad, ELEMENTSOF(bad));
	(void)state;
}

static void test_kcmdline_svn(void **state)
{
	static const char *const bad[] = { "sealroot.svn=",   "sealroot.svn=64", "sealroot.svn=-1",
					   "sealroot.svn=01", "sealroot.svn=1x", "sealroot.svn=100",
					   "sealroot.svn=+1" };
	struct sealroot_config c;

	assert_int_equal(sealroot_config_init(&c), 0);
	assert_int_equal(c.persist.svn, -1);
	assert_int_equal(cmdline_parse("sealroot.svn=0", &c), 0);
	assert_int_equal(c.persist.svn, 0);
	assert_int_equal(cmdline_parse("sealroot.svn=63", &c), 0);
	assert_int_equal(c.persist.svn, 63);
	sealroot_config_done(&c);
	assert_all_rejected(bad, ELEMENTSOF(bad));
	(void)state;
}

static void test_kcmdline_tpm2_srk_pin(void **state)
{
	static const char *const bad[] = { "sealroot.tpm2_srk_pin=", "sealroot.tpm2_srk_pin=yes",
					   "sealroot.tpm2_srk_pin=Required" };
	struct sealroot_config c;

	assert_int_equal(sealroot_config_init(&c), 0);
	assert_false(c.persist.tpm2_srk_pin_required);
	assert_int_equal(cmdline_parse("sealroot.tpm2_srk_pin=required", &c), 0);
	assert_true(c.persist.tpm2_srk_pin_required);
	assert_int_equal(cmdline_parse("sealroot.tpm2_srk_pin=optional", &c), 0);
	assert_false(c.persist.tpm2_srk_pin_required);
	sealroot_config_done(&c);
	assert_all_rejected(bad, ELEMENTSOF(bad));
	(void)state;
}

static void test_kcmdline_signed_pcr_policy_files(void **state)
{
	static const char *const bad[] = { "sealroot.tpm2_pcr_pubkey=",
					   "sealroot.tpm2_pcr_pubkey=key.pem",
					   "sealroot.tpm2_pcr_signature=/x/../etc/sig.json",
					   "sealroot.tpm2_pcr_signature=/x/..",
					   "sealroot.tpm2_pubkey_pcrs=",
					   "sealroot.tpm2_pubkey_pcrs=24" };
	struct sealroot_config c;

	assert_int_equal(sealroot_config_init(&c), 0);
	assert_string_equal(c.persist.tpm2_pcr_pubkey, "/.extra/tpm2-pcr-public-key.pem");
	assert_string_equal(c.persist.tpm2_pcr_signature, "/.extra/tpm2-pcr-signature.json");
	assert_int_equal(c.persist.tpm2_pubkey_pcr_mask, 1u << 11);
	assert_int_equal(cmdline_parse("sealroot.tpm2_pcr_pubkey=/etc/pcr.pem "
				       "sealroot.tpm2_pcr_signature=/etc/pcr.json "
				       "sealroot.tpm2_pubkey_pcrs=11+12",
				       &c),
			 0);
	assert_string_equal(c.persist.tpm2_pcr_pubkey, "/etc/pcr.pem");
	assert_string_equal(c.persist.tpm2_pcr_signature, "/etc/pcr.json");
	assert_int_equal(c.persist.tpm2_pubkey_pcr_mask, (1u << 11) | (1u << 12));
	sealroot_config_done(&c);
	assert_all_rejected(bad, ELEMENTSOF(bad));
	(void)state;
}

static void test_kcmdline_tpm2_pcrs(void **state)
{
	uint32_t m;
	assert_int_equal(cmdline_parse_pcr_list("7", &m), 0);
	assert_int_equal(m, 1u << 7);
	assert_int_equal(cmdline_parse_pcr_list("7+15", &m), 0);
	assert_int_equal(m, (1u << 7) | (1u << 15));
	assert_int_equal(cmdline_parse_pcr_list("0,7", &m), 0);
	assert_int_equal(m, 1u | (1u << 7));
	assert_int_equal(cmdline_parse_pcr_list("secure-boot-policy+kernel-initrd", &m), 0);
	assert_int_equal(m, (1u << 7) | (1u << 9));
	assert_int_equal(cmdline_parse_pcr_list("", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(cmdline_parse_pcr_list("23", &m), 0);
	assert_int_equal(m, 1u << 23);

	assert_int_equal(cmdline_parse_pcr_list("24", &m), -EINVAL);
	assert_int_equal(cmdline_parse_pcr_list("7++15", &m), -EINVAL);
	assert_int_equal(cmdline_parse_pcr_list("7,", &m), -EINVAL);
	assert_int_equal(cmdline_parse_pcr_list("x7", &m), -EINVAL);
	assert_int_equal(cmdline_parse_pcr_list("7x", &m), -EINVAL);
	assert_int_equal(cmdline_parse_pcr_list("99999999999", &m), -EINVAL);

	assert_int_equal(parse(state, "sealroot.tpm2_pcrs="), 0);
	assert_int_equal(CFG->persist.tpm2_pcr_mask, 0);
}

static void test_kcmdline_tpm2_pcrs_rejects_bad_on_cmdline(void **state)
{
	assert_int_equal(parse(state, "sealroot.tpm2_pcrs=7+foo"), -EINVAL);
}

static void test_kcmdline_persist_options(void **state)
{
	assert_int_equal(parse(state,
			       "sealroot.persist=PARTUUID=0fc63daf-8483-4772-8e79-3d69d8477de4"
			       " sealroot.tpm2_device=swtpm:port=2321 sealroot.tpm2_pcrs=7+15"
			       " sealroot.on_unlock_failure=volatile sealroot.recovery=ask"
			       " sealroot.recovery_key=1 sealroot.fault_inject=after-format"),
			 0);
	assert_string_equal(CFG->persist.spec, "PARTUUID=0fc63daf-8483-4772-8e79-3d69d8477de4");
	assert_string_equal(CFG->persist.tpm2_device, "swtpm:port=2321");
	assert_int_equal(CFG->persist.tpm2_pcr_mask, (1u << 7) | (1u << 15));
	assert_int_equal(CFG->persist.on_unlock_failure, UNLOCK_FAILURE_VOLATILE);
	assert_int_equal(CFG->persist.recovery, RECOVERY_ASK);
	assert_true(CFG->persist.recovery_key_enroll);
	assert_string_equal(CFG->persist.fault_inject, "after-format");
}

static void test_kcmdline_rejects_bad_enums(void **state)
{
	assert_int_equal(parse(state, "sealroot.on_unlock_failure=reboot"), -EINVAL);
	assert_int_equal(parse(state, "sealroot.recovery=maybe"), -EINVAL);
	assert_int_equal(parse(state, "sealroot.recovery_key=2"), -EINVAL);
	assert_int_equal(parse(state, "sealroot.debug=perhaps"), -EINVAL);
	assert_int_equal(parse(state, "sealroot.tpm2_device="), -EINVAL);
	assert_int_equal(parse(state, "sealroot.fault_inject="), -EINVAL);
	assert_int_equal(parse(state, "sealroot.persist=nope"), -EINVAL);
}

static void test_kcmdline_paths(void **state)
{
	assert_int_equal(
	    parse(state, "sealroot.layout=/usr/share/x/layout.env sealroot.sysroot=/mnt"), 0);
	assert_string_equal(CFG->layout_path, "/usr/share/x/layout.env");
	assert_string_equal(CFG->sysroot, "/mnt");
}

static void test_kcmdline_paths_reject_relative_and_dotdot(void **state)
{
	assert_int_equal(parse(state, "sealroot.layout=etc/layout.env"), -EINVAL);
	assert_int_equal(parse(state, "sealroot.sysroot=/a/../b"), -EINVAL);
	assert_int_equal(parse(state, "sealroot.sysroot=/a/.."), -EINVAL);
	/* ".." inside a name is fine */
	assert_int_equal(parse(state, "sealroot.layout=/a..b/c"), 0);
}

static void test_kcmdline_debug_flag(void **state)
{
	assert_int_equal(parse(state, "sealroot.debug"), 0);
	assert_true(CFG->debug);
}

static void test_kcmdline_load_config_override(void **state)
{
	struct sealroot_config c;
	(void)state;
	assert_int_equal(cmdline_load_config("roothash=" H64, &c), 0);
	assert_int_equal(c.verity.root_hash_size, 32);
	sealroot_config_done(&c);
	/* On failure the config is released: no leak even without done(). */
	assert_int_equal(cmdline_load_config("roothash=xyz", &c), -EINVAL);
}

static void test_kcmdline_read_proc(void **state)
{
	_cleanup_free_ char *text = NULL;
	(void)state;
	assert_int_equal(cmdline_read_proc(&text), 0);
	assert_non_null(text);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_kcmdline_defaults),
		T(test_kcmdline_roothash_sha256_stored_as_bytes),
		T(test_kcmdline_roothash_sha512_and_uppercase),
		T(test_kcmdline_roothash_rejects_odd_length),
		T(test_kcmdline_roothash_rejects_wrong_length),
		T(test_kcmdline_roothash_rejects_non_hex),
		T(test_kcmdline_verity_devices),
		T(test_kcmdline_verity_device_rejects_bad_spec),
		T(test_kcmdline_verity_options_all),
		T(test_kcmdline_verity_options_ignore_corruption_and_base64_sig),
		T(test_kcmdline_verity_options_accepts_systemd_only_options),
		T(test_kcmdline_verity_options_rejects_unknown),
		T(test_kcmdline_verity_options_rejects_bad_values),
		T(test_kcmdline_verity_options_rejects_conflicting_policies),
		T(test_kcmdline_verity_sig_eku),
		T(test_kcmdline_verity_options_rejects_repeated_item),
		T(test_kcmdline_quotes_group_words),
		T(test_kcmdline_unterminated_quote_runs_to_end),
		T(test_kcmdline_ignores_unrelated_options),
		T(test_kcmdline_rejects_unknown_sealroot_option),
		T(test_kcmdline_rd_prefix_accepted_and_wins),
		T(test_kcmdline_rd_options_replace_plain_options),
		T(test_kcmdline_duplicate_different_is_error),
		T(test_kcmdline_duplicate_identical_is_ok),
		T(test_kcmdline_root_last_wins),
		T(test_kcmdline_device_timeout_units),
		T(test_kcmdline_device_timeout_rejects_bad),
		T(test_kcmdline_recovery_timeout),
		T(test_kcmdline_tpm2_srk_pin),
		T(test_kcmdline_svn),
		T(test_kcmdline_signed_pcr_policy_files),
		T(test_kcmdline_tpm2_pcrs),
		T(test_kcmdline_tpm2_pcrs_rejects_bad_on_cmdline),
		T(test_kcmdline_persist_options),
		T(test_kcmdline_rejects_bad_enums),
		T(test_kcmdline_paths),
		T(test_kcmdline_paths_reject_relative_and_dotdot),
		T(test_kcmdline_debug_flag),
		T(test_kcmdline_load_config_override),
		T(test_kcmdline_read_proc),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
