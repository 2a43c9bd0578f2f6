// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for ext4_sb.c: when may e2fsck be skipped? */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ext4_sb.h"
#include "util.h"

static void put16(uint8_t *sb, size_t off, uint16_t v)
{
	sb[off] = (uint8_t)v;
	sb[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *sb, size_t off, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		sb[off + (size_t)k] = (uint8_t)(v >> (8 * k));
}

/* A clean superblock: magic, VALID state, no checks forced. */
static void clean_sb(uint8_t sb[EXT4_SUPERBLOCK_SIZE])
{
	memset(sb, 0, EXT4_SUPERBLOCK_SIZE);
	put16(sb, 0x38, 0xEF53);
	put16(sb, 0x3A, 0x0001);
	put16(sb, 0x36, 0xFFFF); /* max mount count -1: no forced check */
}

static void test_ext4_clean_superblock_skips_fsck(void **state)
{
	(void)state;
	uint8_t sb[EXT4_SUPERBLOCK_SIZE];
	clean_sb(sb);
	assert_int_equal(ext4_superblock_is_clean(sb), 1);
}

static void test_ext4_not_ext4_is_einval(void **state)
{
	(void)state;
	uint8_t sb[EXT4_SUPERBLOCK_SIZE];
	clean_sb(sb);
	put16(sb, 0x38, 0x1234);
	assert_int_equal(ext4_superblock_is_clean(sb), -EINVAL);
}

static void test_ext4_error_or_unclean_state_needs_fsck(void **state)
{
	(void)state;
	uint8_t sb[EXT4_SUPERBLOCK_SIZE];
	clean_sb(sb);
	put16(sb, 0x3A, 0x0003); /* valid | error */
	assert_int_equal(ext4_superblock_is_clean(sb), 0);
	put16(sb, 0x3A, 0x0000); /* mounted, never cleanly unmounted */
	assert_int_equal(ext4_superblock_is_clean(sb), 0);
}

static void test_ext4_journal_to_replay_needs_fsck(void **state)
{
	(void)state;
	uint8_t sb[EXT4_SUPERBLOCK_SIZE];
	clean_sb(sb);
	put32(sb, 0x60, 0x0004 | 0x0040); /* recover | extents */
	assert_int_equal(ext4_superblock_is_clean(sb), 0);
	put32(sb, 0x60, 0x0040);
	assert_int_equal(ext4_superblock_is_clean(sb), 1);
}

static void test_ext4_forced_checks_need_fsck(void **state)
{
	(void)state;
	uint8_t sb[EXT4_SUPERBLOCK_SIZE];
	clean_sb(sb);
	put16(sb, 0x36, 20);
	put16(sb, 0x34, 19);
	assert_int_equal(ext4_superblock_is_clean(sb), 1);
	put16(sb, 0x34, 20);
	assert_int_equal(ext4_superblock_is_clean(sb), 0);

	clean_sb(sb);
	put32(sb, 0x40, 1000); /* last check long ago */
	put32(sb, 0x44, 3600); /* every hour */
	assert_int_equal(ext4_superblock_is_clean(sb), 0);
	put32(sb, 0x40, (uint32_t)time(NULL));
	assert_int_equal(ext4_superblock_is_clean(sb), 1);
}

/* The real thing: what mkfs.ext4 writes is clean; an error state set with
 * debugfs (as the kernel does on corruption) is not. */
static void test_ext4_real_image_clean_then_error(void **state)
{
	(void)state;
	char path[] = "/tmp/sealroot-ext4-XXXXXX";
	char cmd[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8 * 1024 * 1024), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ext4_device_is_clean(path), 1);
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'ssv state 3' %s >/dev/null 2>&1", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ext4_device_is_clean(path), 0);
	unlink(path);
	assert_int_equal(ext4_device_is_clean(path), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext4_clean_superblock_skips_fsck),
		cmocka_unit_test(test_ext4_not_ext4_is_einval),
		cmocka_unit_test(test_ext4_error_or_unclean_state_needs_fsck),
		cmocka_unit_test(test_ext4_journal_to_replay_needs_fsck),
		cmocka_unit_test(test_ext4_forced_checks_need_fsck),
		cmocka_unit_test(test_ext4_real_image_clean_then_error),
	};
	return cmocka_run_group_tests_name("ext4_sb", tests, NULL, NULL);
}
