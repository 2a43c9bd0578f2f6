// SPDX-License-Identifier: GPL-2.0-or-later
/* persist_mount.c — the mount step after `persist unlock`, see persist_mount.h. */
#include "persist_mount.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "steps.h"

static const char *run_dir(void)
{
	const char *p = getenv("SEALROOT_RUN_DIR");
	return p && *p ? p : SEALROOT_RUN_DIR;
}

static void handoff_path(char path[static PATH_MAX])
{
	(void)snprintf(path, PATH_MAX, "%s/%s", run_dir(), PERSIST_HANDOFF_NAME);
}

int persist_handoff_write(const char *action)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	_cleanup_close_ int fd = -1;
	int r;

	r = mkdir_p(run_dir());
	if (r < 0)
		return log_error_errno(r, "Failed to create %s for the unlock's handoff: %m",
				       run_dir());
	handoff_path(path);
	(void)snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_error_errno(-errno, "Failed to create %s: %m", tmp);
	r = write_all(fd, action, strlen(action));
	if (r >= 0)
		r = write_all(fd, "\n", 1);
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return log_error_errno(r, "Failed to write %s: %m", path);
	}
	return 0;
}

int persist_handoff_clear(void)
{
	char path[PATH_MAX];

	handoff_path(path);
	if (unlink(path) < 0 && errno != ENOENT)
		return log_error_errno(-errno, "Failed to remove the stale handoff %s: %m", path);
	return 0;
}

int persist_mount_fs(const char *src, const char *where, const char *fstype, const char *opts)
{
	int r = mkdir_p(where);
	if (r < 0)
		return log_error_errno(r, "Failed to create mount point %s: %m", where);
	if (mount(src, where, fstype, MS_NOSUID | MS_NODEV, opts) < 0)
		return log_error_errno(-errno, "Failed to mount %s (%s) on %s: %m", src, fstype,
				       where);
	step_mark("mounted");
	return 0;
}

void persist_warn_volatile(const char *device, const char *mount_point)
{
	log_warning("*****************************************************************");
	log_warning("* The persistent partition %s could NOT be unlocked.", device);
	log_warning("* sealroot.on_unlock_failure=volatile: %s is an EMPTY tmpfs.", mount_point);
	log_warning("* Everything written there is LOST at shutdown.  Your data is");
	log_warning("* untouched on %s; fix the cause named above and", device);
	log_warning("* reboot, or use the recovery key (sealroot.recovery=ask).");
	log_warning("*****************************************************************");
}

int persist_handoff_read(const char **ret)
{
	static const char *const words[] = { "unlocked", "provisioned", "volatile",
					     PERSIST_HANDOFF_PROVISION };
	char path[PATH_MAX];
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = -1;
	size_t size = 0;
	int r;

	handoff_path(path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return log_error_errno(
			    r,
			    "%s is missing: 'sealroot persist unlock' did not "
			    "complete this boot, so nothing is mounted. Look for "
			    "its messages above (sealroot-persist.service).",
			    path);
		return log_error_errno(r, "Failed to open %s: %m", path);
	}
	r = read_fd_bounded(fd, 64, &data, &size);
	if (r < 0)
		return log_error_errno(r, "Failed to read %s: %m", path);
	data[strcspn(data, "\n")] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(words); i++)
		if (streq(data, words[i])) {
			*ret = words[i];
			return 0;
		}
	return log_error_errno(
	    -EINVAL, "%s holds '%s', not unlocked/provisioned/volatile/provision.", path, data);
}

int persist_mount(const char *device, const char *name, const char *mount_point, const char *action)
{
	char dev[PATH_MAX];
	int r;

	if (streq(action, PERSIST_HANDOFF_PROVISION))
		return log_error_errno(-EINVAL, "%s needs provisioning, not a mount.", device);
	(void)snprintf(dev, sizeof(dev), "/dev/mapper/%s", name);
	if (streq(action, "volatile")) {
		r = persist_mount_fs("tmpfs", mount_point, "tmpfs", "mode=0755");
		if (r < 0)
			return r;
		persist_warn_volatile(device, mount_point);
		return 0;
	}
	return persist_mount_fs(dev, mount_point, "ext4", NULL);
}
