// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for safe_path.c: no symlink is ever followed beneath a root,
 * with openat2 and with the component walk used when it is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "safe_path.h"
#include "util.h"

struct fixture {
	char dir[64];
	int root_fd;
};

static int run_cmd(const char *fmt, const char *arg)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}

static int setup_tree(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/sealroot-safe-path.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	/* root/a/b/c (dir), root/a/file, root/a/leaf -> b, root/a/abs -> /etc,
	 * root/a/rel -> ../a/b, root/outside -> ..  */
	if (run_cmd("cd %s && mkdir -p a/b/c && echo x >a/file && ln -s b a/leaf && "
		    "ln -s /etc a/abs && ln -s ../a/b a/rel && ln -s .. outside",
		    f->dir) != 0)
		return -1;
	f->root_fd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f->root_fd < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown_tree(void **state)
{
	struct fixture *f = *state;
	close(f->root_fd);
	run_cmd("rm -rf %s", f->dir);
	free(f);
	unsetenv("SEALROOT_TEST_NO_OPENAT2");
	return 0;
}

static int setup_walk(void **state)
{
	setenv("SEALROOT_TEST_NO_OPENAT2", "1", 1);
	return setup_tree(state);
}

static void expect_symlink(int root_fd, const char *path, const char *want)
{
	_cleanup_free_ char *sym = NULL;
	int fd = safe_open(root_fd, path, O_PATH, &sym);
	assert_int_equal(fd, -ELOOP);
	assert_non_null(sym);
	assert_string_equal(sym, want);
}

static void test_safe_open_opens_nested_directory(void **state)
{
	struct fixture *f = *state;
	int fd = safe_open(f->root_fd, "/a/b/c", O_PATH | O_DIRECTORY, NULL);
	assert_true(fd >= 0);
	close(fd);
	fd = safe_open(f->root_fd, "a//b/./c/", O_RDONLY | O_DIRECTORY, NULL);
	assert_true(fd >= 0);
	close(fd);
	fd = safe_open(f->root_fd, "/a/file", O_RDONLY, NULL);
	assert_true(fd >= 0);
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'x');
	close(fd);
}

static void test_safe_open_root_itself(void **state)
{
	struct fixture *f = *state;
	int fd = safe_open(f->root_fd, "/", O_PATH | O_DIRECTORY, NULL);
	assert_true(fd >= 0);
	close(fd);
}

static void test_safe_open_refuses_leaf_symlink(void **state)
{
	struct fixture *f = *state;
	expect_symlink(f->root_fd, "/a/leaf", "/a/leaf");
	/* Even O_PATH|O_NOFOLLOW, which would open the link itself. */
	_cleanup_free_ char *sym = NULL;
	assert_int_equal(safe_open(f->root_fd, "/a/leaf", O_PATH | O_NOFOLLOW, &sym), -ELOOP);
}

static void test_safe_open_refuses_intermediate_symlink(void **state)
{
	struct fixture *f = *state;
	expect_symlink(f->root_fd, "/a/leaf/c", "/a/leaf");
}

static void test_safe_open_refuses_absolute_symlink(void **state)
{
	struct fixture *f = *state;
	expect_symlink(f->root_fd, "/a/abs/passwd", "/a/abs");
}

static void test_safe_open_refuses_relative_symlink(void **state)
{
	struct fixture *f = *state;
	expect_symlink(f->root_fd, "/a/rel", "/a/rel");
	expect_symlink(f->root_fd, "/outside/etc", "/outside");
}

static void test_safe_open_refuses_dotdot(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(safe_open(f->root_fd, "/a/../a/b", O_PATH, NULL), -EXDEV);
	assert_int_equal(safe_open(f->root_fd, "..", O_PATH, NULL), -EXDEV);
}

static void test_safe_open_refuses_creat_and_reports_missing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(safe_open(f->root_fd, "/a/new", O_CREAT | O_WRONLY, NULL), -EINVAL);
	assert_int_equal(safe_open(f->root_fd, "/a/missing/x", O_PATH, NULL), -ENOENT);
	assert_int_equal(safe_open(f->root_fd, "/a/file/x", O_PATH, NULL), -ENOTDIR);
}

static int count_created(int dir_fd, const char *relpath, void *userdata)
{
	int *n = userdata;
	assert_true(dir_fd >= 0);
	assert_non_null(strstr(relpath, "a/b/new"));
	(*n)++;
	return fchmod(dir_fd, 0750) < 0 ? -errno : 0;
}

static void test_safe_mkdir_p_creates_and_calls_back(void **state)
{
	struct fixture *f = *state;
	int n = 0;
	int fd = safe_mkdir_p(f->root_fd, "/a/b/new/x/y", 0755, O_PATH, count_created, &n, NULL);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(n, 3);
	struct stat st;
	assert_int_equal(fstatat(f->root_fd, "a/b/new/x", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	/* Existing: no callback. */
	fd = safe_mkdir_p(f->root_fd, "/a/b/new/x/y", 0755, O_PATH, count_created, &n, NULL);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(n, 3);
}

static void test_safe_mkdir_p_refuses_symlink_component(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *sym = NULL;
	int fd = safe_mkdir_p(f->root_fd, "/a/leaf/z", 0755, O_PATH, NULL, NULL, &sym);
	assert_int_equal(fd, -ELOOP);
	assert_string_equal(sym, "/a/leaf");
	struct stat st;
	assert_int_equal(fstatat(f->root_fd, "a/b/z", &st, 0), -1); /* nothing made via link */
	free(sym);
	sym = NULL;
	assert_int_equal(safe_mkdir_p(f->root_fd, "/a/abs/z", 0755, O_PATH, NULL, NULL, &sym),
			 -ELOOP);
	assert_int_equal(safe_mkdir_p(f->root_fd, "/a/file/z", 0755, O_PATH, NULL, NULL, NULL),
			 -ENOTDIR);
}

static void test_path_split_parent_and_name(void **state)
{
	(void)state;
	char *p = NULL, *n = NULL;
	assert_int_equal(path_split("/etc/ssh", &p, &n), 0);
	assert_string_equal(p, "/etc");
	assert_string_equal(n, "ssh");
	free(p);
	free(n);
	assert_int_equal(path_split("/etc", &p, &n), 0);
	assert_string_equal(p, "/");
	assert_string_equal(n, "etc");
	free(p);
	free(n);
	assert_int_equal(path_split("/", &p, &n), -EINVAL);
}

#define BOTH(t)                                                                                    \
	cmocka_unit_test_setup_teardown(t, setup_tree, teardown_tree),                             \
	    cmocka_unit_test_setup_teardown(t, setup_walk, teardown_tree)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(test_safe_open_opens_nested_directory),
	    BOTH(test_safe_open_root_itself),
	    BOTH(test_safe_open_refuses_leaf_symlink),
	    BOTH(test_safe_open_refuses_intermediate_symlink),
	    BOTH(test_safe_open_refuses_absolute_symlink),
	    BOTH(test_safe_open_refuses_relative_symlink),
	    BOTH(test_safe_open_refuses_dotdot),
	    BOTH(test_safe_open_refuses_creat_and_reports_missing),
	    BOTH(test_safe_mkdir_p_creates_and_calls_back),
	    BOTH(test_safe_mkdir_p_refuses_symlink_component),
	    cmocka_unit_test(test_path_split_parent_and_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
