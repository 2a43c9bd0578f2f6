// SPDX-License-Identifier: GPL-2.0-or-later
/* mount_api.c — mounts on resolved fds, new API with mount(2) fallback; see mount_api.h. */
#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "log.h"
#include "mount_api.h"
#include "safe_path.h"
#include "util.h"

/* Every mount made here: nothing below it may act as a device or set-id program. */
#define SAFE_ATTR (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define SAFE_MS_FLAGS (MS_NOSUID | MS_NODEV)

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

static int sys_mount_setattr(int fd, const char *path, unsigned flags, struct mount_attr *attr)
{
	return (int)syscall(__NR_mount_setattr, fd, path, flags, attr, sizeof(*attr));
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
		if (mount("tmpfs", target, "tmpfs", SAFE_MS_FLAGS, opts) < 0)
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
	return attach_fs(fs_fd, "tmpfs", SAFE_ATTR, target_fd);
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
			if (mount("overlay", target, "overlay", SAFE_MS_FLAGS, opts) < 0)
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
		return attach_fs(fs_fd, "overlay", SAFE_ATTR, target_fd);
	}
	return r;
}

/* Add nosuid,nodev to the mount whose root MNT_FD is.  MS_REMOUNT|MS_BIND
 * sets every per-mount flag anew, so the ones it has are passed again. */
static int remount_nosuid_nodev(int mnt_fd)
{
	static const struct {
		unsigned long st, ms;
	} keep[] = {
		{ ST_RDONLY, MS_RDONLY },     { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	char path[32];

	if (fstatvfs(mnt_fd, &sv) < 0)
		return -errno;
	unsigned long flags = MS_REMOUNT | MS_BIND | SAFE_MS_FLAGS;
	for (size_t i = 0; i < ELEMENTSOF(keep); i++)
		if (sv.f_flag & keep[i].st)
			flags |= keep[i].ms;
	if (!(sv.f_flag & (ST_NOATIME | ST_RELATIME)))
		flags |= MS_STRICTATIME;
	fd_path(path, mnt_fd);
	if (mount(NULL, path, NULL, flags, NULL) < 0)
		return -errno;
	return 0;
}

static void detach(int mnt_fd)
{
	char path[32];
	fd_path(path, mnt_fd);
	if (umount2(path, MNT_DETACH) < 0)
		log_debug("cannot detach the bind mount at fd %d again: %m", mnt_fd);
}

/* After mount(2) bound SOURCE_FD on TARGET_FD: open the new mount.
 * "/proc/self/fd/TARGET" still leads to the directory beneath it, so the
 * path the kernel reports for TARGET_FD is walked again (no symlinks), and
 * the result must show SOURCE_FD's inode. */
static int open_new_bind(int source_fd, int target_fd)
{
	char link[32], path[PATH_MAX];
	struct stat src, st;

	fd_path(link, target_fd);
	ssize_t n = readlink(link, path, sizeof(path));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(path) || path[0] != '/')
		return -ENAMETOOLONG;
	path[n] = '\0';
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	_cleanup_close_ int fd = safe_open(root, path, O_PATH, NULL);
	if (fd < 0)
		return fd;
	if (fstat(source_fd, &src) < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (src.st_dev != st.st_dev || src.st_ino != st.st_ino)
		return -ESTALE;
	return TAKE_FD(fd);
}

int mount_clone_tree(int fd)
{
	int r = sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	return r < 0 ? -errno : r;
}

/* Bind with open_tree(): nosuid,nodev are set on the detached copy before it
 * is attached (mount_setattr, Linux 5.12), or by a remount right after. */
static int bind_new_api(int source_fd, int target_fd)
{
	_cleanup_close_ int tree_fd =
	    sys_open_tree(source_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree_fd < 0)
		return -errno;
	struct mount_attr attr = { .attr_set = SAFE_ATTR };
	bool remount = false;
#ifdef SEALROOT_TEST_HOOKS
	const char *e = getenv("SEALROOT_TEST_NO_MOUNT_SETATTR");
	if (e && streq(e, "1"))
		remount = true; /* as on Linux 5.2 to 5.11 */
#endif
	if (!remount && sys_mount_setattr(tree_fd, "", AT_EMPTY_PATH, &attr) < 0) {
		if (errno != ENOSYS)
			return -errno;
		remount = true;
	}
	if (sys_move_mount(tree_fd, "", target_fd, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	if (remount) {
		int r = remount_nosuid_nodev(tree_fd);
		if (r < 0) {
			detach(tree_fd);
			return r;
		}
	}
	return 0;
}

int mount_bind_fd(int source_fd, int target_fd)
{
	if (mount_api_new_available()) {
		int r = bind_new_api(source_fd, target_fd);
		if (r != -ENOSYS)
			return r;
		new_api_missing = true;
	}
	char source[32], target[32];
	fd_path(source, source_fd);
	fd_path(target, target_fd);
	/* mount(2) ignores every flag but MS_REC with MS_BIND: remount after. */
	if (mount(source, target, NULL, MS_BIND, NULL) < 0)
		return -errno;
	_cleanup_close_ int fd = open_new_bind(source_fd, target_fd);
	if (fd < 0) {
		log_debug("cannot find the bind mount just made on %s again: %s", target,
			  strerror(-fd));
		return fd;
	}
	int r = remount_nosuid_nodev(fd);
	if (r < 0)
		detach(fd);
	return r;
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
