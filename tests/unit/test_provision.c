// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for provision.c without a TPM: the libblkid check before mkfs,
 * and provision_complete dropping the provisioning HMAC before the marker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>

#include "luks.h"
#include "provision.h"
#include "token.h"
#include "util.h"

static char dir[] = "/tmp/sealroot-unit-provision.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A zeroed file of SIZE MiB under dir; path into buf. */
static void new_file(const char *name, unsigned mib, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s/%s", dir, name);
	int fd = open(buf, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)mib << 20), 0);
	close(fd);
}

static void run(const char *fmt, const char *path)
{
	char cmd[512];
	(void)snprintf(cmd, sizeof(cmd), fmt, path);
	assert_int_equal(system(cmd), 0);
}

static void test_probe_blank_volume_gets_mkfs(void **state)
{
	(void)state;
	char path[256];
	new_file("blank", 16, path, sizeof(path));
	assert_int_equal(provision_probe_new_volume(path), 0);
}

static void test_probe_keeps_ext4_of_interrupted_provisioning(void **state)
{
	(void)state;
	char path[256];
	new_file("ext4", 16, path, sizeof(path));
	run("mkfs.ext4 -q -F '%s' >/dev/null 2>&1", path);
	assert_int_equal(provision_probe_new_volume(path), 1);
}

static void test_probe_refuses_other_signatures(void **state)
{
	(void)state;
	char path[256];
	new_file("swap", 16, path, sizeof(path));
	run("mkswap '%s' >/dev/null 2>&1", path);
	assert_int_equal(provision_probe_new_volume(path), -EEXIST);
	new_file("luks", 20, path, sizeof(path));
	run("printf pw | cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 "
	    "--pbkdf-force-iterations 1000 --key-file - '%s' >/dev/null 2>&1",
	    path);
	assert_int_equal(provision_probe_new_volume(path), -EEXIST);
}

static void test_complete_drops_hmac_and_clears_marker(void **state)
{
	(void)state;
	static const char with_hmac[] =
	    "{\"type\":\"sealroot-unit\",\"keyslots\":[],\"tpm2-policy-hash\":\"ab\","
	    "\"sealroot-provisioning-hmac\":"
	    "\"0001020304050607080910111213141516171819202122232425262728293031\"}";
	static const char recovery[] = "{\"type\":\"systemd-recovery\",\"keyslots\":[]}";
	struct crypt_device *cd = NULL;
	const char *json = NULL, *reason = NULL;
	uint8_t hmac[TOKEN_HMAC_SIZE];
	char path[256];

	new_file("volume", 32, path, sizeof(path));
	assert_int_equal(luks_format(path, LUKS_SUBSYSTEM_PROVISIONING, &cd), 0);
	assert_int_equal(luks_token_add(cd, with_hmac), 0);
	assert_int_equal(luks_token_add(cd, recovery), 1);
	crypt_free(cd);
	cd = NULL;

	assert_int_equal(luks_load(path, &cd), 0);
	assert_int_equal(provision_complete(cd, path), 0);
	crypt_free(cd);
	cd = NULL;

	assert_int_equal(luks_load(path, &cd), 0);
	assert_string_equal(luks_subsystem(cd), "");
	assert_int_equal(luks_token_get(cd, 0, &json), 0);
	assert_int_equal(token_get_provisioning_hmac(json, hmac, &reason), -ENOENT);
	assert_non_null(strstr(json, "\"tpm2-policy-hash\":\"ab\""));
	assert_int_equal(luks_token_get(cd, 1, &json), 1); /* returns the token id */
	assert_string_equal(json, recovery);
	crypt_free(cd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_blank_volume_gets_mkfs),
		cmocka_unit_test(test_probe_keeps_ext4_of_interrupted_provisioning),
		cmocka_unit_test(test_probe_refuses_other_signatures),
		cmocka_unit_test(test_complete_drops_hmac_and_clears_marker),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
