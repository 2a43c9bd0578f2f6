// SPDX-License-Identifier: GPL-2.0-or-later
/* mount_api.c — mounts on resolved fds, new API with mount(2) fallback; see mount_api.h. */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "log.h"
#include "mount_api.h"
#include "util.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

static bool new_api_missing;

bool mount_api_new_available(void)
{
	if (new_api_missing)
		return false;
#ifdef SEALROOT_TEST_HOOKS
	const char *e = getenv("SEALROOT_TEST_NO_NEW_MOUNT_API");
	if (e && streq(e, "1"))
		return false;
#endif
	return true;
}

/* Raw syscalls: glibc before 2.36 has no wrappers. */
static int sys_fsopen(const char *fs, unsigned flags)
{
	return (int)syscall(__NR_fsopen, fs, flags);
}

static int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(__NR_fsconfig, fd, cmd, key, value, aux);
}

static int sys_fsmount(int fd, unsigned flags, unsigned attr)
{
	return (int)syscall(__NR_fsmount, fd, flags, attr);
}

static int sys_move_mount(int from_fd, const char *from, int to_fd, const char *to, unsigned flags)
{
	return (int)syscall(__NR_move_mount, from_fd, from, to_fd, to, flags);
}

static int sys_open_tree(int fd, const char *path, unsigned flags)
{
	return (int)syscall(__NR_open_tree, fd, path, flags);
}

/* Pass the kernel's explanation of a failed fsconfig on to the debug log. */
static void log_fs_context(int fs_fd, const char *fstype)
{
	char buf[512];
	for (int i = 0; i < 8; i++) {
		ssize_t n = read(fs_fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			return;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_debug("%s: kernel says: %s", fstype, buf);
	}
}

/* Attach a configured fs context FS_FD on TARGET_FD. */
static int attach_fs(int fs_fd, const char *fstype, unsigned attr, int target_fd)
{
	if (sys_fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int r = -errno;
		log_fs_context(fs_fd, fstype);
		return r;
	}
	_cleanup_close_ int mnt_fd = sys_fsmount(fs_fd, FSMOUNT_CLOEXEC, attr);
	if (mnt_fd < 0)
		return -errno;
	if (sys_move_mount(mnt_fd, "", target_fd, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static void fd_path(char buf[static 32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* fsopen(), switching to mount(2) for good when the kernel lacks it.
 * Returns the fd, -ENOSYS to ask for the fallback, or another error. */
static int open_fs(const char *fstype)
{
	if (!mount_api_new_available())
		return -ENOSYS;
	int fd = sys_fsopen(fstype, FSOPEN_CLOEXEC);
	if (fd < 0 && errno == ENOSYS)
		new_api_missing = true;
	return fd < 0 ? -errno : fd;
}

int mount_tmpfs_fd(int target_fd, const char *size, mode_t mode)
{
	char mode_s[16];
	snprintf(mode_s, sizeof(mode_s), "%04o", (unsigned)(mode & 07777));

	_cleanup_close_ int fs_fd = open_fs("tmpfs");
	if (fs_fd == -ENOSYS) {
		char target[32], opts[128];
		fd_path(target, target_fd);
		int n = snprintf(opts, sizeof(opts), "mode=%s%s%s", mode_s, size ? ",size=" : "",
				 size ? size : "");
		if (n < 0 || (size_t)n >= sizeof(opts) || (size && strchr(size, ',')))
			return -EINVAL;
		if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
			return -errno;
		return 0;
	}
	if (fs_fd < 0)
		return fs_fd;
	if (sys_fsconfig(fs_fd, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
	    sys_fsconfig(fs_fd, FSCONFIG_SET_STRING, "mode", mode_s, 0) < 0 ||
	    (size && sys_fsconfig(fs_fd, FSCONFIG_SET_STRING, "size", size, 0) < 0)) {
		int r = -errno;
		log_fs_context(fs_fd, "tmpfs");
		return r;
	}
	return attach_fs(fs_fd, "tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, target_fd);
}

/* Configure the layers by fd (kernels ≥ 6.13 know FSCONFIG_SET_FD for
 * overlayfs) or, failing that, by "/proc/self/fd/N" strings. */
static int overlay_config(int fs_fd, bool by_fd, int lower_fd, int upper_fd, int work_fd)
{
	if (sys_fsconfig(fs_fd, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0)
		return -errno;
	if (by_fd) {
		if (sys_fsconfig(fs_fd, FSCONFIG_SET_FD, "lowerdir+", NULL, lower_fd) < 0 ||
		    sys_fsconfig(fs_fd, FSCONFIG_SET_FD, "upperdir", NULL, upper_fd) < 0 ||
		    sys_fsconfig(fs_fd, FSCONFIG_SET_FD, "workdir", NULL, work_fd) < 0)
			return -errno;
		return 0;
	}
	char lower[32], upper[32], work[32];
	fd_path(lower, lower_fd);
	fd_path(upper, upper_fd);
	fd_path(work, work_fd);
	if (sys_fsconfig(fs_fd, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
	    sys_fsconfig(fs_fd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    sys_fsconfig(fs_fd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
		return -errno;
	return 0;
}

int mount_overlay_fd(int target_fd, int lower_fd, int upper_fd, int work_fd)
{
	int r = -EINVAL;
	int first = 1;

#ifdef SEALROOT_TEST_HOOKS
	const char *e = getenv("SEALROOT_TEST_NO_OVERLAY_FD");
	if (e && streq(e, "1"))
		first = 0; /* as on kernels before 6.13 */
#endif
	for (int by_fd = first; by_fd >= 0; by_fd--) {
		_cleanup_close_ int fs_fd = open_fs("overlay");
		if (fs_fd == -ENOSYS) {
			char target[32], lower[32], upper[32], work[32], opts[160];
			fd_path(target, target_fd);
			fd_path(lower, lower_fd);
			fd_path(upper, upper_fd);
			fd_path(work, work_fd);
			snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower,
				 upper, work);
			if (mount("overlay", target, "overlay", 0, opts) < 0)
				return -errno;
			return 0;
		}
		if (fs_fd < 0)
			return fs_fd;
		r = overlay_config(fs_fd, by_fd, lower_fd, upper_fd, work_fd);
		if (r < 0) {
			log_fs_context(fs_fd, "overlay");
			if (by_fd && (r == -EINVAL || r == -EOPNOTSUPP || r == -EBADF))
				continue; /* older kernel: pass the layers as paths */
			return r;
		}
		return attach_fs(fs_fd, "overlay", 0, target_fd);
	}
	return r;
}

int mount_bind_fd(int source_fd, int target_fd)
{
	if (mount_api_new_available()) {
		_cleanup_close_ int tree_fd = sys_open_tree(
		    source_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (tree_fd >= 0) {
			if (sys_move_mount(tree_fd, "", target_fd, "",
					   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
				return -errno;
			return 0;
		}
		if (errno != ENOSYS)
			return -errno;
		new_api_missing = true;
	}
	char source[32], target[32];
	fd_path(source, source_fd);
	fd_path(target, target_fd);
	if (mount(source, target, NULL, MS_BIND, NULL) < 0)
		return -errno;
	return 0;
}

int mount_is_root(int fd)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) < 0)
		return -errno;
	if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	if (!S_ISDIR(sx.stx_mode))
		return 0;

	struct stat self, parent;
	if (fstat(fd, &self) < 0 || fstatat(fd, "..", &parent, 0) < 0)
		return -errno;
	return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}
