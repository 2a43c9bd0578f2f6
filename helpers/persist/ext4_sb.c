// SPDX-License-Identifier: GPL-2.0-or-later
/* ext4_sb.c — is an ext4 filesystem clean?  See ext4_sb.h. */
#include <fcntl.h>

#include "ext4_sb.h"
#include "util.h"

#define EXT4_MAGIC 0xEF53
#define EXT4_VALID_FS 0x0001
#define EXT4_ERROR_FS 0x0002
#define EXT4_INCOMPAT_RECOVER 0x0004

/* Byte offsets inside the superblock (little endian). */
#define SB_MNT_COUNT 0x34
#define SB_MAX_MNT_COUNT 0x36
#define SB_MAGIC 0x38
#define SB_STATE 0x3A
#define SB_LASTCHECK 0x40
#define SB_CHECKINTERVAL 0x44
#define SB_FEATURE_INCOMPAT 0x60

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int ext4_superblock_is_clean(const uint8_t sb[EXT4_SUPERBLOCK_SIZE])
{
	if (le16(sb + SB_MAGIC) != EXT4_MAGIC)
		return -EINVAL;

	uint16_t state = le16(sb + SB_STATE);
	if (!(state & EXT4_VALID_FS) || (state & EXT4_ERROR_FS))
		return 0;
	if (le32(sb + SB_FEATURE_INCOMPAT) & EXT4_INCOMPAT_RECOVER)
		return 0;

	/* The periodic checks e2fsck -p would force. */
	int16_t max_mnt = (int16_t)le16(sb + SB_MAX_MNT_COUNT);
	if (max_mnt > 0 && le16(sb + SB_MNT_COUNT) >= (uint16_t)max_mnt)
		return 0;
	uint32_t interval = le32(sb + SB_CHECKINTERVAL);
	if (interval > 0) {
		time_t now = time(NULL);
		if (now < 0 || (uint64_t)now >= (uint64_t)le32(sb + SB_LASTCHECK) + interval)
			return 0;
	}
	return 1;
}

int ext4_device_is_clean(const char *device)
{
	_cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	uint8_t sb[EXT4_SUPERBLOCK_SIZE];

	if (fd < 0)
		return -errno;
	ssize_t n = pread(fd, sb, sizeof(sb), EXT4_SUPERBLOCK_OFFSET);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(sb))
		return -EINVAL;
	return ext4_superblock_is_clean(sb);
}
