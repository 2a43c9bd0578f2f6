// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * discover.c — find a block device by PARTUUID=/PARTLABEL=/UUID=/LABEL= or a
 * /dev path, see discover.h.
 *
 * Tags are matched with libblkid, so nothing depends on udev having created
 * /dev/disk/by-* symlinks; /dev/disk/by-partuuid and by-uuid are only a fast
 * path.  UUID= and LABEL= probe every entry of /sys/class/block (partition
 * entry and filesystem superblock).  PARTUUID= and PARTLABEL= only read the
 * partition table of each whole disk and take the kernel's device for the
 * matching entry: every superblock prober on every partition would cost
 * dozens of reads per partition and poll, for values that are all in one
 * table.  Polls until the timeout.
 */
#include <blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>

#include "discover.h"
#include "log.h"

#define SYS_CLASS_BLOCK "/sys/class/block"
#define POLL_INTERVAL_USEC (75 * USEC_PER_MSEC)
#define MAX_MATCHES 8

enum tag {
	TAG_PATH,
	TAG_PARTUUID,
	TAG_PARTLABEL,
	TAG_UUID,
	TAG_LABEL,
};

static const struct {
	const char *prefix;
	enum tag tag;
	const char *blkid_name; /* the probe value compared */
	bool ignore_case;
	const char *by_dir; /* /dev/disk/by-* fast path (only for hex ids, no escaping needed) */
} tags[] = {
	{ "PARTUUID=", TAG_PARTUUID, "PART_ENTRY_UUID", true, "/dev/disk/by-partuuid/" },
	{ "PARTLABEL=", TAG_PARTLABEL, "PART_ENTRY_NAME", false, NULL },
	{ "UUID=", TAG_UUID, "UUID", true, "/dev/disk/by-uuid/" },
	{ "LABEL=", TAG_LABEL, "LABEL", false, NULL },
};

struct probe_info {
	char partuuid[64];
	char partlabel[128];
	char uuid[64];
	char label[128];
	char type[32];
};

static bool is_block_device(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISBLK(st.st_mode);
}

static void copy_value(blkid_probe pr, const char *name, char *buf, size_t size)
{
	const char *v = NULL;
	buf[0] = '\0';
	if (blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v)
		snprintf(buf, size, "%s", v);
}

/* Probe DEVNODE's partition entry and superblock.  0, or negative errno. */
static int probe_device(const char *devnode, struct probe_info *info)
{
	*info = (struct probe_info){};
	blkid_probe pr = blkid_new_probe_from_filename(devnode);
	if (!pr)
		return errno > 0 ? -errno : -EIO;

	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
						  BLKID_SUBLKS_TYPE);
	int r = blkid_do_safeprobe(pr);
	if (r >= 0) {
		copy_value(pr, "PART_ENTRY_UUID", info->partuuid, sizeof(info->partuuid));
		copy_value(pr, "PART_ENTRY_NAME", info->partlabel, sizeof(info->partlabel));
		copy_value(pr, "UUID", info->uuid, sizeof(info->uuid));
		copy_value(pr, "LABEL", info->label, sizeof(info->label));
		copy_value(pr, "TYPE", info->type, sizeof(info->type));
		if (!info->type[0])
			copy_value(pr, "PTTYPE", info->type, sizeof(info->type));
	}
	blkid_free_probe(pr);
	/* -2 ambiguous superblocks: the partition entry values are still useful. */
	return 0;
}

static const char *probe_value(const struct probe_info *info, enum tag tag)
{
	switch (tag) {
	case TAG_PARTUUID:
		return info->partuuid;
	case TAG_PARTLABEL:
		return info->partlabel;
	case TAG_UUID:
		return info->uuid;
	case TAG_LABEL:
		return info->label;
	default:
		return "";
	}
}

static uint64_t sysfs_size_bytes(const char *name)
{
	char path[PATH_MAX];
	unsigned long long sectors = 0;

	snprintf(path, sizeof(path), SYS_CLASS_BLOCK "/%s/size", name);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	int n = fscanf(f, "%llu", &sectors);
	(void)fclose(f);
	return n == 1 ? (uint64_t)sectors * 512 : 0;
}

static bool valid_block_name(const char *name)
{
	if (name[0] == '.' || !*name)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/')
			return false;
	return true;
}

/* UUID=/LABEL=: probe block device NAME's superblock; adds its devnode to
 * matches after the n_before already there when it matches.  Returns the
 * number added (0 or 1, counting one past max_matches) or a negative errno. */
static int match_superblock(const char *name, enum tag tag, const char *want, bool ignore_case,
			    char **matches, size_t max_matches, size_t n_before)
{
	char devnode[PATH_MAX];
	struct probe_info info;

	(void)snprintf(devnode, sizeof(devnode), "/dev/%s", name);
	if (!is_block_device(devnode) || probe_device(devnode, &info) < 0)
		return 0;
	const char *v = probe_value(&info, tag);
	if (!v[0] || (ignore_case ? strcasecmp(v, want) : strcmp(v, want)) != 0)
		return 0;
	if (n_before < max_matches) {
		matches[n_before] = strdup(devnode);
		if (!matches[n_before])
			return -ENOMEM;
	}
	return 1;
}

/* The /dev node of partition PARTNO of whole disk DISK (a /sys/class/block
 * name), from sysfs.  1 found (*ret set), 0 not (yet), negative errno. */
static int partition_devnode(const char *disk, int partno, char **ret)
{
	char path[PATH_MAX];
	int found = 0;

	(void)snprintf(path, sizeof(path), SYS_CLASS_BLOCK "/%s", disk);
	DIR *d = opendir(path);
	if (!d)
		return 0; /* the disk went away */
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		if (!valid_block_name(de->d_name) || !startswith(de->d_name, disk))
			continue;
		(void)snprintf(path, sizeof(path), SYS_CLASS_BLOCK "/%s/%s/partition", disk,
			       de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		int n = -1;
		bool same = fscanf(f, "%d", &n) == 1 && n == partno;
		(void)fclose(f);
		if (!same)
			continue;
		char devnode[PATH_MAX];
		(void)snprintf(devnode, sizeof(devnode), "/dev/%s", de->d_name);
		if (!is_block_device(devnode))
			break; /* the kernel has it, devtmpfs not yet */
		*ret = strdup(devnode);
		found = *ret ? 1 : -ENOMEM;
	}
	closedir(d);
	return found;
}

/* Match TAG (PARTUUID or PARTLABEL) against the partition table of whole
 * disk NAME; adds each matching partition's devnode to matches after the
 * n_before already there.  Returns the number added (counting those past
 * max_matches) or a negative errno. */
static int scan_disk_table(const char *name, enum tag tag, const char *want, bool ignore_case,
			   char **matches, size_t max_matches, size_t n_before)
{
	char devnode[PATH_MAX];
	int added = 0;

	(void)snprintf(devnode, sizeof(devnode), "/dev/%s", name);
	if (!is_block_device(devnode))
		return 0;
	blkid_probe pr = blkid_new_probe_from_filename(devnode);
	if (!pr)
		return 0; /* unreadable now; the next poll retries */
	blkid_partlist parts = blkid_probe_get_partitions(pr);
	int count = parts ? blkid_partlist_numof_partitions(parts) : 0;
	for (int i = 0; i < count; i++) {
		blkid_partition par = blkid_partlist_get_partition(parts, i);
		const char *v = !par		       ? NULL
				: tag == TAG_PARTLABEL ? blkid_partition_get_name(par)
						       : blkid_partition_get_uuid(par);
		if (!v || !v[0] || (ignore_case ? strcasecmp(v, want) : strcmp(v, want)) != 0)
			continue;
		char *node = NULL;
		int r = partition_devnode(name, blkid_partition_get_partno(par), &node);
		if (r < 0) {
			blkid_free_probe(pr);
			return r;
		}
		if (r == 0)
			continue;
		if (n_before + (size_t)added < max_matches)
			matches[n_before + (size_t)added] = node;
		else
			free(node);
		added++;
	}
	blkid_free_probe(pr);
	return added;
}

/* Scan all block devices once: the partition tables of the whole disks for
 * PARTUUID=/PARTLABEL=, every device's superblock for UUID=/LABEL=.  Fills
 * matches (strdup'ed devnodes); returns the number of matches or a negative
 * errno. */
static int scan_once(enum tag tag, const char *want, bool ignore_case, char **matches,
		     size_t max_matches)
{
	bool in_table = tag == TAG_PARTUUID || tag == TAG_PARTLABEL;
	DIR *d = opendir(SYS_CLASS_BLOCK);
	if (!d)
		return -errno;
	int n = 0, r = 0;
	struct dirent *de;
	while (r >= 0 && (de = readdir(d))) {
		char path[PATH_MAX];
		if (!valid_block_name(de->d_name) || sysfs_size_bytes(de->d_name) == 0)
			continue; /* unattached loop devices, empty drives */
		(void)snprintf(path, sizeof(path), SYS_CLASS_BLOCK "/%s/partition", de->d_name);
		if (in_table && access(path, F_OK) == 0)
			continue; /* a partition: its disk has the table */
		r = in_table ? scan_disk_table(de->d_name, tag, want, ignore_case, matches,
					       max_matches, (size_t)n)
			     : match_superblock(de->d_name, tag, want, ignore_case, matches,
						max_matches, (size_t)n);
		if (r > 0)
			n += r;
	}
	closedir(d);
	return r < 0 ? r : n;
}

static void list_block_devices(void)
{
	DIR *d = opendir(SYS_CLASS_BLOCK);
	if (!d) {
		(void)log_error_errno(-errno, "  (cannot list %s: %m)", SYS_CLASS_BLOCK);
		return;
	}
	log_error("Block devices present:");
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!valid_block_name(de->d_name))
			continue;
		uint64_t size = sysfs_size_bytes(de->d_name);
		if (size == 0)
			continue;
		char devnode[PATH_MAX];
		snprintf(devnode, sizeof(devnode), "/dev/%s", de->d_name);
		struct probe_info info = {};
		if (is_block_device(devnode))
			(void)probe_device(devnode, &info);
		log_error("  %-12s %10" PRIu64
			  " MiB  PARTUUID=%s PARTLABEL=\"%s\" UUID=%s LABEL=\"%s\" "
			  "TYPE=%s",
			  devnode, size / (1024 * 1024), info.partuuid[0] ? info.partuuid : "-",
			  info.partlabel, info.uuid[0] ? info.uuid : "-", info.label,
			  info.type[0] ? info.type : "-");
		n++;
	}
	closedir(d);
	if (n == 0)
		log_error("  (none with a non-zero size)");
}

/* Try the /dev/disk/by-* symlink udev may have made.  1 found, 0 not. */
static int try_by_dir(const char *dir, const char *want, char **ret)
{
	char path[PATH_MAX], lower[128];
	size_t n = strlen(want);

	if (!dir || n >= sizeof(lower))
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char ch = want[i];
		if (ch && !isxdigit((unsigned char)ch) && ch != '-')
			return 0; /* needs udev escaping; leave it to the probe */
		lower[i] = (char)tolower((unsigned char)ch);
	}
	snprintf(path, sizeof(path), "%s%s", dir, lower);
	char *real = realpath(path, NULL);
	if (!real)
		return 0;
	if (!is_block_device(real)) {
		free(real);
		return 0;
	}
	*ret = real;
	return 1;
}

int discover_device(const char *spec, usec_t timeout_usec, char **ret_devnode)
{
	enum tag tag = TAG_PATH;
	const char *want = spec;
	bool ignore_case = false;
	const char *by_dir = NULL;

	if (!spec || !*spec)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(tags); i++)
		if (startswith(spec, tags[i].prefix)) {
			tag = tags[i].tag;
			want = spec + strlen(tags[i].prefix);
			ignore_case = tags[i].ignore_case;
			by_dir = tags[i].by_dir;
			break;
		}
	if (tag == TAG_PATH ? !startswith(spec, "/dev/") : !*want)
		return -EINVAL;

	usec_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	for (;;) {
		if (tag == TAG_PATH) {
			if (is_block_device(spec)) {
				char *real = realpath(spec, NULL);
				if (!real)
					return -errno;
				*ret_devnode = real;
				return 0;
			}
		} else {
			char *matches[MAX_MATCHES] = {};
			if (try_by_dir(by_dir, want, ret_devnode) > 0)
				return 0;
			int n = scan_once(tag, want, ignore_case, matches, ELEMENTSOF(matches));
			if (n < 0) {
				for (size_t i = 0; i < ELEMENTSOF(matches); i++)
					free(matches[i]);
				return n;
			}
			if (n == 1) {
				*ret_devnode = matches[0];
				return 0;
			}
			if (n > 1) {
				log_error("%s matches %d block devices, refusing to guess:", spec,
					  n);
				for (int i = 0; i < n && i < (int)ELEMENTSOF(matches); i++)
					log_error("  %s", matches[i]);
				for (size_t i = 0; i < ELEMENTSOF(matches); i++)
					free(matches[i]);
				return -ENOTUNIQ;
			}
		}
		usec_t now = now_usec(CLOCK_MONOTONIC);
		if (now >= deadline)
			break;
		usec_t wait =
		    deadline - now < POLL_INTERVAL_USEC ? deadline - now : POLL_INTERVAL_USEC;
		struct timespec ts = { .tv_sec = (time_t)(wait / USEC_PER_SEC),
				       .tv_nsec = (long)(wait % USEC_PER_SEC) * 1000 };
		(void)nanosleep(&ts, NULL);
	}

	log_error("Timed out after %" PRIu64 ".%03" PRIu64 " s waiting for block device %s.",
		  timeout_usec / USEC_PER_SEC, (timeout_usec % USEC_PER_SEC) / USEC_PER_MSEC, spec);
	list_block_devices();
	log_error("Check the device name on the kernel command line, or raise "
		  "sealroot.device_timeout= if the disk appears late.");
	return -ETIMEDOUT;
}
