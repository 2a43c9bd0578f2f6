// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Engine tests for layout_apply.c with hand-built plans (the parser is tested
 * on its own).  Needs root: the whole program runs in its own private mount
 * namespace (unshare(CLONE_NEWNS)) on a tmpfs scratch tree.
 *
 * A "boot": the image (scratch/image) is bind-mounted read-only on
 * scratch/root and the persistent tree (scratch/persist) on
 * scratch/root/opt/.mount/persistence.  Shutting down detaches scratch/root
 * with everything below it; the persistent tree stays for the next boot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "layout.h"
#include "layout_apply.h"
#include "log.h"
#include "mount_api.h"
#include "util.h"

#define PBT "/opt/.mount/persistence"
#define TOT "/opt/.mount/tmpfs"

static char scratch[64];
static char rootdir[96];

struct plan_builder {
	struct layout layout;
	struct layout_entry entries[16];
	struct layout_op ops[17];
	struct layout_plan plan;
};

static int sh(const char *fmt, ...) _printf_(1, 2);
static int sh(const char *fmt, ...)
{
	char script[4096], cmd[4200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(script, sizeof(script), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && { %s ; }", scratch, script);
	return system(cmd);
}

static void plan_init(struct plan_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->layout.persistent_bind_target = (char *)PBT;
	b->layout.tmpfs_overlay_target = (char *)TOT;
	b->layout.overlay_size = (char *)"16M";
	b->plan.layout = &b->layout;
	b->plan.ops = b->ops;
}

static char *xasprintf(const char *fmt, const char *a, const char *b)
{
	char *s = NULL;
	assert_true(asprintf(&s, fmt, a, b) >= 0);
	return s;
}

static void plan_add(struct plan_builder *b, enum layout_op_kind kind, const char *path)
{
	struct layout_op *op = &b->ops[b->plan.n_ops++];
	op->kind = kind;
	if (kind == LAYOUT_OP_TMPFS) {
		op->target = strdup(TOT);
		return;
	}
	struct layout_entry *e = &b->entries[b->layout.n_entries++];
	e->path = (char *)path;
	e->kind = kind == LAYOUT_OP_OVERLAY ? LAYOUT_TMPFS_OVERLAY : LAYOUT_PERSISTENT_BIND;
	op->entry = e;
	op->target = strdup(path);
	if (kind == LAYOUT_OP_BIND) {
		op->source = xasprintf("%s%s", PBT, path);
	} else {
		op->upper = xasprintf("%s%s/upper", TOT, path);
		op->work = xasprintf("%s%s/work", TOT, path);
	}
}

static void plan_free(struct plan_builder *b)
{
	for (size_t i = 0; i < b->plan.n_ops; i++) {
		free(b->ops[i].target);
		free(b->ops[i].source);
		free(b->ops[i].upper);
		free(b->ops[i].work);
	}
}

static void boot_up(void)
{
	char img[128];
	snprintf(img, sizeof(img), "%s/image", scratch);
	assert_int_equal(mount(img, rootdir, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, rootdir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	char p[160], t[160];
	snprintf(p, sizeof(p), "%s/persist", scratch);
	snprintf(t, sizeof(t), "%s%s", rootdir, PBT);
	assert_int_equal(mount(p, t, NULL, MS_BIND, NULL), 0);
}

static void shut_down(void)
{
	assert_int_equal(umount2(rootdir, MNT_DETACH), 0);
}

static int count_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	assert_non_null(f);
	int n = 0;
	char line[4096];
	while (fgets(line, sizeof(line), f))
		if (strstr(line, rootdir))
			n++;
	fclose(f);
	return n;
}

static bool is_mount(const char *path)
{
	char p[256];
	snprintf(p, sizeof(p), "%s%s", rootdir, path);
	int fd = open(p, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	int r = mount_is_root(fd);
	close(fd);
	return r == 1;
}

/* The mount on PATH (beneath the root) has nosuid and nodev. */
static bool has_nosuid_nodev(const char *path)
{
	char p[256];
	struct statvfs sv;
	snprintf(p, sizeof(p), "%s%s", rootdir, path);
	assert_int_equal(statvfs(p, &sv), 0);
	return (sv.f_flag & (ST_NOSUID | ST_NODEV)) == (ST_NOSUID | ST_NODEV);
}

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_layout_apply needs root (mount namespaces)\n");
		return -1;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("unshare/mount --make-rprivate");
		return -1;
	}
	strcpy(scratch, "/tmp/sealroot-apply.XXXXXX");
	if (!mkdtemp(scratch) || mount("tmpfs", scratch, "tmpfs", 0, "size=64M") < 0)
		return -1;
	snprintf(rootdir, sizeof(rootdir), "%s/root", scratch);
	log_set_max_level(LOG_LEVEL_WARNING);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	(void)umount2(scratch, MNT_DETACH);
	(void)rmdir(scratch);
	return 0;
}

/* A fresh image and an empty persistent tree for every test. */
static int setup(void **state)
{
	(void)state;
	unsetenv("SEALROOT_TEST_NO_NEW_MOUNT_API");
	unsetenv("SEALROOT_TEST_NO_OPENAT2");
	unsetenv("SEALROOT_TEST_NO_OVERLAY_FD");
	unsetenv("SEALROOT_TEST_NO_MOUNT_SETATTR");
	return sh("rm -rf image persist root outside && mkdir -p root persist outside "
		  "image/etc/ssh image/var/log image/var/lib image/opt/.mount/persistence "
		  "image/opt/.mount/tmpfs image/srv && "
		  "printf 'Port 22\\n' >image/etc/ssh/sshd_config && "
		  "printf key >image/etc/ssh/ssh_host_ed25519_key && "
		  "chmod 0600 image/etc/ssh/ssh_host_ed25519_key && chmod 0751 image/etc/ssh && "
		  "chown 0:4 image/etc/ssh && chmod 0711 image/etc && chown 0:9 image/etc && "
		  "printf id >image/etc/machine-id && "
		  "ln -s ../etc/ssh image/srv/link && "
		  "touch -d '2001-02-03 04:05:06.123456789' image/etc/ssh/sshd_config");
}

static void test_apply_overlay_is_writable_and_reset_on_next_boot(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_TMPFS, NULL);
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var");

	boot_up();
	assert_int_equal(sh("touch root/var/x 2>/dev/null"), 256); /* image is read-only */
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_true(is_mount(TOT));
	assert_true(is_mount("/var"));
	assert_int_equal(sh("echo hi >root/var/log/x && [ -d root/var/lib ] && "
			    "[ ! -e image/var/log/x ] && [ -f root%s/var/upper/log/x ] && "
			    "[ \"$(stat -c %%a root/var)\" = \"$(stat -c %%a image/var)\" ]",
			    TOT),
			 0);
	shut_down();

	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_int_equal(sh("[ ! -e root/var/log/x ] && [ -d root/var/log ]"), 0);
	shut_down();
	plan_free(&b);
}

static void test_apply_bind_seeds_once_and_persists_across_boots(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_BIND, "/etc/ssh");

	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_true(is_mount("/etc/ssh"));
	assert_int_equal(
	    sh("cmp -s persist/etc/ssh/sshd_config image/etc/ssh/sshd_config && "
	       "[ \"$(stat -c '%%a %%u %%g %%y' persist/etc/ssh/sshd_config)\" = "
	       "\"$(stat -c '%%a %%u %%g %%y' image/etc/ssh/sshd_config)\" ] && "
	       "[ \"$(stat -c '%%a %%g' persist/etc/ssh)\" = '751 4' ] && "
	       "[ \"$(stat -c '%%a' persist/etc/ssh/ssh_host_ed25519_key)\" = 600 ] && "
	       "[ \"$(stat -c '%%a %%g' persist/etc)\" = '711 9' ] && "
	       "echo new >root/etc/ssh/authorized && [ -f persist/etc/ssh/authorized ]"),
	    0);
	shut_down();

	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_int_equal(sh("[ \"$(cat root/etc/ssh/authorized)\" = new ] && "
			    "[ ! -e image/etc/ssh/authorized ]"),
			 0);
	shut_down();
	plan_free(&b);
}

static void nested_layout(struct plan_builder *b)
{
	plan_init(b);
	plan_add(b, LAYOUT_OP_TMPFS, NULL);
	plan_add(b, LAYOUT_OP_OVERLAY, "/etc");
	plan_add(b, LAYOUT_OP_BIND, "/etc/machine-id");
	plan_add(b, LAYOUT_OP_BIND, "/etc/ssh");
	plan_add(b, LAYOUT_OP_OVERLAY, "/var");
	plan_add(b, LAYOUT_OP_BIND, "/var/lib/rancher");
}

static void check_nested(void)
{
	struct plan_builder b;
	nested_layout(&b);
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_true(is_mount("/etc"));
	assert_true(is_mount("/etc/ssh"));
	assert_true(is_mount("/etc/machine-id"));
	assert_true(is_mount("/var"));
	assert_true(is_mount("/var/lib/rancher"));
	/* The scratch tree and the persistent tree's mount have neither flag:
	 * every layout mount must set both itself. */
	assert_false(has_nosuid_nodev(PBT));
	static const char *const mounts[] = { TOT,	  "/etc",
					      "/etc/ssh", "/etc/machine-id",
					      "/var",	  "/var/lib/rancher" };
	for (size_t i = 0; i < ELEMENTSOF(mounts); i++)
		if (!has_nosuid_nodev(mounts[i]))
			fail_msg("%s is mounted without nosuid,nodev", mounts[i]);
	/* rancher: not in the image: empty persistent dir, mount point made on the overlay */
	assert_int_equal(
	    sh("[ -d persist/var/lib/rancher ] && [ ! -e image/var/lib/rancher ] && "
	       "echo k3s >root/var/lib/rancher/state && echo tmp >root/etc/motd && "
	       "echo 1234 >root/etc/machine-id && [ \"$(cat persist/etc/machine-id)\" = 1234 ] && "
	       "[ \"$(cat image/etc/machine-id)\" = id ] && echo k >root/etc/ssh/k"),
	    0);
	shut_down();
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_int_equal(
	    sh("[ \"$(cat root/var/lib/rancher/state)\" = k3s ] && "
	       "[ ! -e root/etc/motd ] && [ \"$(cat root/etc/machine-id)\" = 1234 ] && "
	       "[ -f root/etc/ssh/k ]"),
	    0);
	shut_down();
	plan_free(&b);
}

static void test_apply_nested_overlays_and_binds_file_bind(void **state)
{
	(void)state;
	check_nested();
}

static void test_apply_nested_with_mount2_and_walk_fallbacks(void **state)
{
	(void)state;
	setenv("SEALROOT_TEST_NO_NEW_MOUNT_API", "1", 1);
	setenv("SEALROOT_TEST_NO_OPENAT2", "1", 1);
	check_nested();
}

static void test_apply_nested_with_overlay_layers_as_paths(void **state)
{
	(void)state;
	setenv("SEALROOT_TEST_NO_OVERLAY_FD", "1", 1);
	check_nested();
	unsetenv("SEALROOT_TEST_NO_OVERLAY_FD");
}

static void test_apply_nested_with_bind_flags_by_remount(void **state)
{
	(void)state;
	setenv("SEALROOT_TEST_NO_MOUNT_SETATTR", "1", 1);
	check_nested();
	unsetenv("SEALROOT_TEST_NO_MOUNT_SETATTR");
}

static void test_apply_twice_does_not_stack_mounts(void **state)
{
	(void)state;
	struct plan_builder b;
	nested_layout(&b);
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	int n = count_mounts();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_int_equal(count_mounts(), n);
	shut_down();
	plan_free(&b);
}

static void expect_refused(const char *plant, const char *target)
{
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_BIND, target);
	plan_add(&b, LAYOUT_OP_BIND, "/etc/machine-id");
	assert_int_equal(sh("%s", plant), 0);
	boot_up();
	int before = count_mounts();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), -ELOOP);
	assert_false(is_mount(target));
	/* the other entry still applied */
	assert_true(is_mount("/etc/machine-id"));
	assert_int_equal(count_mounts(), before + 1);
	assert_int_equal(sh("[ -z \"$(ls -A outside)\" ]"), 0); /* nothing written through */
	shut_down();
	plan_free(&b);
}

static void test_apply_refuses_planted_leaf_symlink_absolute(void **state)
{
	(void)state;
	expect_refused("mkdir -p persist/etc && ln -s $PWD/outside persist/etc/ssh", "/etc/ssh");
}

static void test_apply_refuses_planted_leaf_symlink_relative(void **state)
{
	(void)state;
	expect_refused("mkdir -p persist/etc && ln -s ../../outside persist/etc/ssh", "/etc/ssh");
}

static void test_apply_refuses_planted_intermediate_symlink(void **state)
{
	(void)state;
	expect_refused("ln -s $PWD/outside persist/var", "/var/lib");
	setup(state);
	expect_refused("ln -s ../outside persist/var", "/var/lib");
}

/* A fifo or a device node planted as the persistent copy is never mounted
 * over the image's file. */
static void test_apply_refuses_special_file_as_persistent_copy(void **state)
{
	(void)state;
	static const char *const plants[] = { "mkfifo persist/etc/machine-id",
					      "mknod persist/etc/machine-id c 1 3" };
	for (size_t i = 0; i < ELEMENTSOF(plants); i++) {
		struct plan_builder b;
		plan_init(&b);
		plan_add(&b, LAYOUT_OP_BIND, "/etc/machine-id");
		plan_add(&b, LAYOUT_OP_BIND, "/etc/ssh");
		assert_int_equal(sh("rm -rf persist/etc && mkdir -p persist/etc && %s", plants[i]),
				 0);
		boot_up();
		assert_int_equal(layout_apply(&b.plan, rootdir, NULL), -EMEDIUMTYPE);
		assert_false(is_mount("/etc/machine-id"));
		assert_true(is_mount("/etc/ssh"));
		assert_int_equal(sh("[ \"$(cat root/etc/machine-id)\" = id ]"), 0);
		shut_down();
		plan_free(&b);
	}
}

static void test_apply_refuses_symlink_in_image_at_mount_point(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_BIND, "/srv/link");
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), -ELOOP);
	assert_int_equal(sh("[ ! -e persist/srv/link ] && [ ! -e persist/etc ]"), 0);
	shut_down();
	plan_free(&b);
}

static void test_apply_cleans_interrupted_seed_and_reseeds(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_BIND, "/etc/ssh");
	assert_int_equal(sh("mkdir -p persist/etc/.sealroot-seed.ssh.Q1w2E3 && "
			    "echo partial >persist/etc/.sealroot-seed.ssh.Q1w2E3/sshd_config"),
			 0);
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_int_equal(sh("[ ! -e persist/etc/.sealroot-seed.ssh.Q1w2E3 ] && "
			    "cmp -s persist/etc/ssh/sshd_config image/etc/ssh/sshd_config && "
			    "[ \"$(ls -A persist/etc)\" = ssh ]"),
			 0);
	shut_down();
	plan_free(&b);
}

static void test_apply_never_overwrites_persistent_data(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_BIND, "/etc/ssh");
	assert_int_equal(sh("mkdir -p persist/etc/ssh && echo mine >persist/etc/ssh/sshd_config"),
			 0);
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	/* No base recorded for this copy: what it lacks is added (layout_merge.h),
	 * nothing it has is replaced. */
	assert_int_equal(sh("[ \"$(cat root/etc/ssh/sshd_config)\" = mine ] && "
			    "cmp -s root/etc/ssh/ssh_host_ed25519_key "
			    "image/etc/ssh/ssh_host_ed25519_key"),
			 0);
	shut_down();
	plan_free(&b);
}

static void test_apply_skips_entries_the_image_cannot_take(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_TMPFS, NULL);
	plan_add(&b, LAYOUT_OP_OVERLAY, "/nonexistent");
	plan_add(&b, LAYOUT_OP_OVERLAY, "/etc/machine-id");
	plan_add(&b, LAYOUT_OP_BIND, "/srv/new");      /* parent not on an overlay */
	plan_add(&b, LAYOUT_OP_BIND, "/opt/docker/x"); /* parent missing */
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var");
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_true(is_mount("/var"));
	assert_false(is_mount("/etc/machine-id"));
	/* the skipped binds left nothing behind in the persistent tree */
	assert_int_equal(sh("[ -z \"$(ls -A persist)\" ]"), 0);
	shut_down();
	plan_free(&b);
}

static void test_apply_required_entry_that_cannot_be_applied_fails(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_TMPFS, NULL);
	plan_add(&b, LAYOUT_OP_BIND, "/srv/new");
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var");
	b.entries[0].required = true;
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), -EROFS);
	assert_true(is_mount("/var")); /* the others are still applied */
	assert_false(is_mount("/srv/new"));
	shut_down();
	plan_free(&b);
}

static void test_apply_declared_file_missing_in_image_becomes_empty_persistent_file(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_TMPFS, NULL);
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var");
	plan_add(&b, LAYOUT_OP_BIND, "/var/log/inbm-update-status.log");
	b.entries[1].file = true;
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_true(is_mount("/var/log/inbm-update-status.log"));
	assert_int_equal(
	    sh("f=persist/var/log/inbm-update-status.log && [ -f $f ] && [ ! -s $f ] && "
	       "[ \"$(stat -c '%%a %%u' $f)\" = '644 0' ] && "
	       "[ -f root/var/log/inbm-update-status.log ] && "
	       "echo done >>root/var/log/inbm-update-status.log && [ \"$(cat $f)\" = done ]"),
	    0);
	shut_down();
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_int_equal(sh("[ \"$(cat root/var/log/inbm-update-status.log)\" = done ]"), 0);
	shut_down();
	plan_free(&b);
}

static void test_apply_type_conflict_keeps_the_copy_and_boots_on(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_TMPFS, NULL);
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var");
	plan_add(&b, LAYOUT_OP_BIND, "/etc/machine-id"); /* the image: a file */
	plan_add(&b, LAYOUT_OP_BIND, "/var/log/x.log");	 /* declared a file */
	plan_add(&b, LAYOUT_OP_BIND, "/etc/ssh");
	b.entries[2].file = true;
	/* Earlier boots stored a directory for both (e.g. an older layout). */
	assert_int_equal(sh("mkdir -p persist/etc/machine-id persist/var/log/x.log && "
			    "echo mine >persist/etc/machine-id/keep && "
			    "echo mine >persist/var/log/x.log/keep"),
			 0);
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_false(is_mount("/etc/machine-id"));
	assert_false(is_mount("/var/log/x.log"));
	assert_true(is_mount("/etc/ssh"));
	assert_int_equal(sh("[ \"$(cat persist/etc/machine-id/keep)\" = mine ] && "
			    "[ \"$(cat persist/var/log/x.log/keep)\" = mine ] && "
			    "[ \"$(cat root/etc/machine-id)\" = id ]"),
			 0);
	shut_down();

	/* Required: the conflict fails the step (the copy is still kept). */
	b.entries[1].required = true;
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), -EISDIR);
	assert_false(is_mount("/etc/machine-id"));
	assert_int_equal(sh("[ \"$(cat persist/etc/machine-id/keep)\" = mine ]"), 0);
	shut_down();
	plan_free(&b);
}

static void test_apply_skips_a_third_nested_overlay(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_TMPFS, NULL);
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var");
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var/lib");
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var/lib/x");
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var/log"); /* a sibling: two deep is fine */
	assert_int_equal(sh("mkdir -p image/var/lib/x"), 0);
	boot_up();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_true(is_mount("/var"));
	assert_true(is_mount("/var/lib"));
	assert_true(is_mount("/var/log"));
	assert_false(is_mount("/var/lib/x"));
	assert_int_equal(sh("echo w >root/var/lib/x/f"), 0); /* writable through /var/lib */
	/* Applying again gives the same answer (and stacks nothing). */
	int n = count_mounts();
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), 0);
	assert_int_equal(count_mounts(), n);
	shut_down();
	plan_free(&b);
}

static void overlay_refused_when_tmpfs_failed(bool writable_root)
{
	struct plan_builder b;
	plan_init(&b);
	b.layout.overlay_size = (char *)"not-a-size";
	plan_add(&b, LAYOUT_OP_TMPFS, NULL);
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var");
	boot_up();
	if (writable_root)
		assert_int_equal(
		    mount(NULL, rootdir, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL),
		    0);
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), -EINVAL);
	assert_false(is_mount(TOT));
	assert_false(is_mount("/var"));
	/* No upper or work directory was made in the root itself. */
	assert_int_equal(sh("[ -z \"$(ls -A image%s)\" ]", TOT), 0);
	shut_down();
	plan_free(&b);
}

static void test_apply_overlay_refused_when_tmpfs_failed(void **state)
{
	(void)state;
	overlay_refused_when_tmpfs_failed(false);
}

static void test_apply_overlay_refused_when_tmpfs_failed_on_writable_root(void **state)
{
	(void)state;
	overlay_refused_when_tmpfs_failed(true);
}

/* A plan whose upper directory is not beneath the tmpfs is refused too. */
static void test_apply_overlay_refuses_upper_outside_tmpfs(void **state)
{
	(void)state;
	struct plan_builder b;
	plan_init(&b);
	plan_add(&b, LAYOUT_OP_TMPFS, NULL);
	plan_add(&b, LAYOUT_OP_OVERLAY, "/var");
	free(b.ops[1].upper);
	b.ops[1].upper = strdup("/srv/upper");
	boot_up();
	assert_int_equal(mount(NULL, rootdir, NULL, MS_REMOUNT | MS_BIND, NULL), 0);
	assert_int_equal(layout_apply(&b.plan, rootdir, NULL), -EMEDIUMTYPE);
	assert_true(is_mount(TOT));
	assert_false(is_mount("/var"));
	shut_down();
	plan_free(&b);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup(t, setup)
	const struct CMUnitTest tests[] = {
		T(test_apply_overlay_is_writable_and_reset_on_next_boot),
		T(test_apply_bind_seeds_once_and_persists_across_boots),
		T(test_apply_nested_overlays_and_binds_file_bind),
		T(test_apply_nested_with_mount2_and_walk_fallbacks),
		T(test_apply_nested_with_overlay_layers_as_paths),
		T(test_apply_nested_with_bind_flags_by_remount),
		T(test_apply_twice_does_not_stack_mounts),
		T(test_apply_refuses_planted_leaf_symlink_absolute),
		T(test_apply_refuses_planted_leaf_symlink_relative),
		T(test_apply_refuses_planted_intermediate_symlink),
		T(test_apply_refuses_symlink_in_image_at_mount_point),
		T(test_apply_refuses_special_file_as_persistent_copy),
		T(test_apply_cleans_interrupted_seed_and_reseeds),
		T(test_apply_never_overwrites_persistent_data),
		T(test_apply_skips_entries_the_image_cannot_take),
		T(test_apply_required_entry_that_cannot_be_applied_fails),
		T(test_apply_declared_file_missing_in_image_becomes_empty_persistent_file),
		T(test_apply_type_conflict_keeps_the_copy_and_boots_on),
		T(test_apply_skips_a_third_nested_overlay),
		T(test_apply_overlay_refused_when_tmpfs_failed),
		T(test_apply_overlay_refused_when_tmpfs_failed_on_writable_root),
		T(test_apply_overlay_refuses_upper_outside_tmpfs),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
