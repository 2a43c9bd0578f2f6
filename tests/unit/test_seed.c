// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for seed.c: a faithful, atomic copy that never overwrites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "seed.h"
#include "util.h"

struct fixture {
	char dir[64];
	int src_fd, dst_fd; /* O_RDONLY|O_DIRECTORY */
};

static int sh(const char *dir, const char *script)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "cd %s && { %s ; }", dir, script);
	return system(cmd);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/sealroot-seed.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (sh(f->dir, "mkdir -p src/tree/sub dst && printf hello >src/file && "
		       "printf inner >src/tree/sub/f && ln -s ../file src/tree/link && "
		       "ln -s /etc/passwd src/tree/abs && chmod 0640 src/file && "
		       "chmod 2751 src/tree") != 0)
		return -1;
	char p[128];
	snprintf(p, sizeof(p), "%s/src", f->dir);
	f->src_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/dst", f->dir);
	f->dst_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->src_fd < 0 || f->dst_fd < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->src_fd);
	close(f->dst_fd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	(void)!system(cmd);
	free(f);
	return 0;
}

static int count_entries(int dir_fd)
{
	int n = 0, fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
	DIR *d = fdopendir(fd);
	assert_non_null(d);
	rewinddir(d);
	struct dirent *de;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_seed_file_keeps_owner_mode_times_xattrs(void **state)
{
	struct fixture *f = *state;
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1200000000, 987654321 } };
	assert_int_equal(fchownat(f->src_fd, "file", 1234, 5678, 0), 0);
	assert_int_equal(fchmodat(f->src_fd, "file", 04750, 0), 0);
	char p[128];
	snprintf(p, sizeof(p), "%s/src/file", f->dir);
	assert_int_equal(setxattr(p, "user.sealroot", "v1", 2, 0), 0);
	assert_int_equal(setxattr(p, "trusted.sealroot", "t", 1, 0), 0);
	assert_int_equal(utimensat(f->src_fd, "file", ts, 0), 0);

	struct seed_failure fail = {};
	assert_int_equal(seed_copy(f->src_fd, "file", f->dst_fd, "file", NULL, NULL, &fail), 0);
	assert_null(fail.path);

	struct stat st;
	assert_int_equal(fstatat(f->dst_fd, "file", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 04750); /* set-uid survives the chown */
	assert_int_equal(st.st_mtim.tv_sec, 1200000000);
	assert_int_equal(st.st_mtim.tv_nsec, 987654321);
	assert_int_equal(st.st_atim.tv_nsec, 123456789);
	snprintf(p, sizeof(p), "%s/dst/file", f->dir);
	char v[16] = { 0 };
	assert_int_equal(getxattr(p, "user.sealroot", v, sizeof(v)), 2);
	assert_memory_equal(v, "v1", 2);
	assert_int_equal(getxattr(p, "trusted.sealroot", v, sizeof(v)), 1);
	assert_int_equal(sh(f->dir, "cmp -s src/file dst/file"), 0);
	assert_int_equal(count_entries(f->dst_fd), 1); /* no temporary left */
}

static void test_seed_directory_recursive_symlinks_as_symlinks(void **state)
{
	struct fixture *f = *state;
	struct seed_failure fail = {};
	assert_int_equal(seed_copy(f->src_fd, "tree", f->dst_fd, "tree", NULL, NULL, &fail), 0);
	char buf[64];
	ssize_t n = readlinkat(f->dst_fd, "tree/link", buf, sizeof(buf));
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "../file", 7);
	n = readlinkat(f->dst_fd, "tree/abs", buf, sizeof(buf));
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "/etc/passwd", 11);
	struct stat st;
	assert_int_equal(fstatat(f->dst_fd, "tree", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 02751);
	assert_int_equal(sh(f->dir, "cmp -s src/tree/sub/f dst/tree/sub/f"), 0);
}

static void test_seed_refuses_device_node_and_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sh(f->dir, "mknod src/tree/sub/null c 1 3"), 0);
	struct seed_failure fail = {};
	int r = seed_copy(f->src_fd, "tree", f->dst_fd, "tree", NULL, NULL, &fail);
	assert_int_equal(r, -EMEDIUMTYPE);
	assert_string_equal(fail.path, "sub/null");
	assert_non_null(strstr(fail.reason, "character device"));
	seed_failure_done(&fail);
	assert_int_equal(count_entries(f->dst_fd), 0);
}

static void test_seed_copies_fifo_with_owner_mode_times(void **state)
{
	struct fixture *f = *state;
	struct timespec ts[2] = { { 1000000000, 1 }, { 1100000000, 2 } };
	assert_int_equal(mkfifoat(f->src_fd, "tree/fifo", 0640), 0);
	assert_int_equal(fchownat(f->src_fd, "tree/fifo", 321, 654, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fchmodat(f->src_fd, "tree/fifo", 0620, 0), 0);
	assert_int_equal(utimensat(f->src_fd, "tree/fifo", ts, AT_SYMLINK_NOFOLLOW), 0);
	struct seed_failure fail = {};
	assert_int_equal(seed_copy(f->src_fd, "tree", f->dst_fd, "tree", NULL, NULL, &fail), 0);
	assert_null(fail.path);
	struct stat st;
	assert_int_equal(fstatat(f->dst_fd, "tree/fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0620);
	assert_int_equal(st.st_uid, 321);
	assert_int_equal(st.st_gid, 654);
	assert_int_equal(st.st_mtim.tv_sec, 1100000000);
	assert_int_equal(st.st_mtim.tv_nsec, 2);
}

struct left_out {
	char rel[8][64], what[8][32];
	int n;
};

static void record_left_out(const char *rel, const char *what, void *userdata)
{
	struct left_out *l = userdata;
	if (l->n < 8) {
		snprintf(l->rel[l->n], sizeof(l->rel[0]), "%s", rel);
		snprintf(l->what[l->n], sizeof(l->what[0]), "%s", what);
	}
	l->n++;
}

static void test_seed_leaves_out_device_nodes_and_sockets_with_callback(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sh(f->dir, "mknod src/tree/sub/null c 1 3 && mknod src/tree/blk b 7 0 && "
				    "python3 -c 'import socket; "
				    "socket.socket(socket.AF_UNIX).bind(\"src/tree/sock\")'"),
			 0);
	struct left_out lo = {};
	struct seed_failure fail = {};
	assert_int_equal(
	    seed_copy(f->src_fd, "tree", f->dst_fd, "tree", record_left_out, &lo, &fail), 0);
	assert_null(fail.path);
	assert_int_equal(lo.n, 3);
	int seen = 0;
	for (int i = 0; i < lo.n; i++) {
		if (streq(lo.rel[i], "sub/null") && streq(lo.what[i], "a character device"))
			seen |= 1;
		if (streq(lo.rel[i], "blk") && streq(lo.what[i], "a block device"))
			seen |= 2;
		if (streq(lo.rel[i], "sock") && streq(lo.what[i], "a socket"))
			seen |= 4;
	}
	assert_int_equal(seen, 7);
	/* never created; the rest is there */
	assert_int_equal(sh(f->dir,
			    "[ ! -e dst/tree/sub/null ] && [ ! -e dst/tree/blk ] && "
			    "[ ! -e dst/tree/sock ] && cmp -s src/tree/sub/f dst/tree/sub/f"),
			 0);
}

static void test_seed_keeps_hard_links_within_the_tree(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sh(f->dir,
			    "ln src/tree/sub/f src/tree/f2 && ln src/tree/sub/f src/tree/f3 "
			    "&& ln src/file src/tree/outside-link && "
			    "mkfifo src/tree/p && ln src/tree/p src/tree/sub/p2"),
			 0);
	assert_int_equal(seed_copy(f->src_fd, "tree", f->dst_fd, "tree", NULL, NULL, NULL), 0);
	struct stat a, b, c, o, p, p2;
	assert_int_equal(fstatat(f->dst_fd, "tree/sub/f", &a, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(f->dst_fd, "tree/f2", &b, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(f->dst_fd, "tree/f3", &c, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_ino, c.st_ino);
	assert_int_equal(a.st_nlink, 3);
	/* a link to a file outside the seeded tree is a file of its own */
	assert_int_equal(fstatat(f->dst_fd, "tree/outside-link", &o, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(o.st_nlink, 1);
	assert_int_equal(fstatat(f->dst_fd, "tree/p", &p, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(f->dst_fd, "tree/sub/p2", &p2, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(p.st_mode));
	assert_int_equal(p.st_ino, p2.st_ino);
	assert_int_equal(p.st_nlink, 2);
	assert_int_equal(sh(f->dir, "cmp -s src/tree/sub/f dst/tree/f3"), 0);
}

static void test_seed_never_overwrites_existing_data(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sh(f->dir, "printf mine >dst/file && mkdir dst/tree"), 0);
	assert_int_equal(seed_copy(f->src_fd, "file", f->dst_fd, "file", NULL, NULL, NULL),
			 -EEXIST);
	assert_int_equal(seed_copy(f->src_fd, "tree", f->dst_fd, "tree", NULL, NULL, NULL),
			 -EEXIST);
	assert_int_equal(seed_empty_dir(f->dst_fd, "file", 0755, 0, 0), -EEXIST);
	assert_int_equal(sh(f->dir, "[ \"$(cat dst/file)\" = mine ] && [ ! -e dst/tree/sub ]"), 0);
	assert_int_equal(count_entries(f->dst_fd), 2);
}

static void test_seed_empty_dir_owner_and_mode(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(seed_empty_dir(f->dst_fd, "empty", 0710, 42, 43), 0);
	struct stat st;
	assert_int_equal(fstatat(f->dst_fd, "empty", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0710);
	assert_int_equal(st.st_uid, 42);
	assert_int_equal(st.st_gid, 43);
}

static void test_seed_clean_temps_removes_only_leftovers_of_name(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sh(f->dir,
			    "mkdir -p dst/.sealroot-seed.ssh.AbC123/x && "
			    "touch dst/.sealroot-seed.ssh.AbC123/x/y dst/.sealroot-seed.ssh.zzzzzz "
			    "dst/.sealroot-seed.sshd.AbC123 dst/.sealroot-seed.ssh.long-suffix "
			    "&& ln -s /etc dst/.sealroot-seed.ssh.lnk123"),
			 0);
	assert_int_equal(seed_clean_temps(f->dst_fd, "ssh"), 3);
	assert_int_equal(sh(f->dir, "[ -e dst/.sealroot-seed.sshd.AbC123 ] && "
				    "[ -e dst/.sealroot-seed.ssh.long-suffix ] && [ -d /etc ] && "
				    "[ ! -e dst/.sealroot-seed.ssh.AbC123 ]"),
			 0);
	/* After cleaning, seeding works. */
	assert_int_equal(seed_copy(f->src_fd, "tree", f->dst_fd, "ssh", NULL, NULL, NULL), 0);
}

/* Plant DEPTH nested directories "d" below NAME in DIR_FD, a file at every
 * 100th level and, at the bottom, a file and a symlink to LINK_TARGET. */
static void plant_deep(int dir_fd, const char *name, unsigned depth, const char *link_target)
{
	assert_int_equal(mkdirat(dir_fd, name, 0700), 0);
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (unsigned i = 0; i < depth; i++) {
		if (i % 100 == 0) {
			int f = openat(fd, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			assert_true(f >= 0);
			close(f);
		}
		assert_int_equal(mkdirat(fd, "d", 0700), 0);
		int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	int f = openat(fd, "bottom", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(f >= 0);
	close(f);
	assert_int_equal(symlinkat(link_target, fd, "link"), 0);
	close(fd);
}

/* A leftover thousands of levels deep is removed with 64 fds allowed; the
 * symlink at its bottom is removed, not followed.  (In /dev/shm: a tmpfs
 * makes 6,000 directories quick to create and remove.) */
static void test_seed_clean_temps_deep_leftover_with_few_fds(void **state)
{
	struct fixture *f = *state;
	char src[128], shm[64] = "/dev/shm/sealroot-seed-deep.XXXXXX";
	snprintf(src, sizeof(src), "%s/src", f->dir);
	assert_non_null(mkdtemp(shm));
	int dir = open(shm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir >= 0);
	plant_deep(dir, ".sealroot-seed.ssh.AbC123", 1100, src);
	plant_deep(dir, ".sealroot-seed.ssh.XyZ789", 5000, src);

	struct rlimit saved, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	int r = seed_clean_temps(dir, "ssh");
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);

	int n = count_entries(dir);
	close(dir);
	if (n == 0)
		(void)rmdir(shm);
	else {
		char cmd[96];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", shm);
		(void)sh("/", cmd);
	}
	assert_int_equal(r, 2);
	assert_int_equal(n, 0);
	assert_int_equal(sh(f->dir, "[ -f src/file ] && [ -f src/tree/sub/f ]"), 0);
}

/* A mount inside a leftover, or on it, is not entered: its content stays. */
static void test_seed_clean_temps_does_not_enter_mounts(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(sh(f->dir, "mkdir -p dst/.sealroot-seed.ssh.AbC123/m && "
				    "touch dst/.sealroot-seed.ssh.AbC123/m/x"),
			 0);
	char m[160];
	snprintf(m, sizeof(m), "%s/dst/.sealroot-seed.ssh.AbC123/m", f->dir);
	char srcdir[128];
	snprintf(srcdir, sizeof(srcdir), "%s/src", f->dir);
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	/* An fd opened in this namespace sees its mounts. */
	char dst[128];
	snprintf(dst, sizeof(dst), "%s/dst", f->dir);
	close(f->dst_fd);
	f->dst_fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dst_fd >= 0);
	assert_int_equal(mount(srcdir, m, NULL, MS_BIND, NULL), 0);
	assert_int_equal(seed_clean_temps(f->dst_fd, "ssh"), -EBUSY);
	assert_int_equal(umount2(m, MNT_DETACH), 0);
	assert_int_equal(sh(f->dir, "[ -f src/file ] && [ -f src/tree/sub/f ]"), 0);
	/* The leftover itself a mount (of the same file system): not entered. */
	snprintf(m, sizeof(m), "%s/dst/.sealroot-seed.ssh.AbC123", f->dir);
	assert_int_equal(mount(srcdir, m, NULL, MS_BIND, NULL), 0);
	assert_int_equal(seed_clean_temps(f->dst_fd, "ssh"), -EXDEV);
	assert_int_equal(umount2(m, MNT_DETACH), 0);
	assert_int_equal(sh(f->dir, "[ -f src/file ] && [ -f src/tree/sub/f ]"), 0);
}

static void test_seed_deep_tree_does_not_exhaust_the_stack(void **state)
{
	struct fixture *f = *state;
	/* 200 levels: each recursion frame must stay small. */
	assert_int_equal(sh(f->dir, "cd src && d=deep && for i in $(seq 200); do d=$d/l; done && "
				    "mkdir -p $d && echo bottom >$d/f"),
			 0);
	assert_int_equal(seed_copy(f->src_fd, "deep", f->dst_fd, "deep", NULL, NULL, NULL), 0);
	assert_int_equal(
	    sh(f->dir, "cmp -s \"$(find src/deep -name f)\" \"$(find dst/deep -name f)\""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seed_file_keeps_owner_mode_times_xattrs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seed_directory_recursive_symlinks_as_symlinks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_refuses_device_node_and_leaves_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_copies_fifo_with_owner_mode_times, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_seed_leaves_out_device_nodes_and_sockets_with_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_keeps_hard_links_within_the_tree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seed_never_overwrites_existing_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seed_empty_dir_owner_and_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seed_deep_tree_does_not_exhaust_the_stack,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_seed_clean_temps_removes_only_leftovers_of_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_clean_temps_deep_leftover_with_few_fds,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_clean_temps_does_not_enter_mounts, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
