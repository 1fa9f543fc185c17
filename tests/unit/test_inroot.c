#define _GNU_SOURCE
/* Reading a file of the image (inroot.c): every path resolves inside the
 * tree, whatever its links say; only regular files are read; ".." is
 * refused.  The kernel, modules and firmware of the initramfs, the dpkg
 * status and tmpfiles rules are read this way. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/fsutil.h"
#include "base/inroot.h"

static char dir[] = "/tmp/livec-test-inroot.XXXXXX";
static char root[4200], host[4200];
static int rootfd = -1;

static int setup(void **s)
{
	(void)s;
	char p[4400];
	assert_non_null(mkdtemp(dir));
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(host, sizeof(host), "%s/host-secret", dir);
	assert_int_equal(lv_write_atomic(host, "host secret\n", 12), 0);
	snprintf(p, sizeof(p), "%s/boot", root);
	assert_int_equal(lv_mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc", root);
	assert_int_equal(lv_mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/shadow", root);
	assert_int_equal(lv_write_atomic(p, "image shadow\n", 13), 0);
	/* a kernel that is an absolute link to the host's file, one that climbs
	 * out, one that names the image's own /etc/shadow, and a FIFO */
	snprintf(p, sizeof(p), "%s/boot/vmlinuz-abs", root);
	assert_int_equal(symlink(host, p), 0);
	snprintf(p, sizeof(p), "%s/boot/vmlinuz-rel", root);
	assert_int_equal(symlink("../../../../../../../../../../../..", p), 0);
	snprintf(p, sizeof(p), "%s/boot/vmlinuz-own", root);
	assert_int_equal(symlink("/etc/shadow", p), 0);
	snprintf(p, sizeof(p), "%s/boot/vmlinuz-fifo", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0;
}

static int teardown(void **s)
{
	(void)s;
	char cmd[4300];
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void an_absolute_link_to_a_host_file_stays_in_the_tree(void **s)
{
	(void)s;
	struct lv_buf b = { .max = 1 << 20 };
	/* the host path, taken inside the tree, names nothing there */
	assert_int_equal(lv_inroot_read(rootfd, "boot/vmlinuz-abs", &b), -ENOENT);
	assert_int_equal(b.len, 0);
	/* and a link to /etc/shadow reads the image's own */
	assert_int_equal(lv_inroot_read(rootfd, "boot/vmlinuz-own", &b), 0);
	assert_memory_equal(b.p, "image shadow\n", 13);
	lv_buf_release(&b);
}

static void dot_dot_and_climbing_links_go_nowhere(void **s)
{
	(void)s;
	struct lv_buf b = { .max = 1 << 20 };
	assert_int_equal(lv_inroot_read(rootfd, "../host-secret", &b), -EINVAL);
	assert_int_equal(lv_inroot_read(rootfd, "boot/../../host-secret", &b), -EINVAL);
	/* a link that climbs stops at the root: a directory, not read */
	assert_int_equal(lv_inroot_read(rootfd, "boot/vmlinuz-rel", &b), -EINVAL);
	assert_int_equal(b.len, 0);
	lv_buf_release(&b);
}

static void a_fifo_is_never_read(void **s)
{
	(void)s;
	struct lv_buf b = { .max = 1 << 20 };
	/* opened without blocking, refused as not a regular file */
	assert_int_equal(lv_inroot_read(rootfd, "boot/vmlinuz-fifo", &b), -EINVAL);
	lv_buf_release(&b);
}

static void a_program_is_looked_for_inside_the_tree(void **s)
{
	(void)s;
	char p[4400];
	/* a directory link to the host, as a package could ship usr/local/bin */
	snprintf(p, sizeof(p), "%s/hostbin", root);
	assert_int_equal(symlink(dir, p), 0);
	assert_true(access(host, F_OK) == 0);
	assert_false(lv_inroot_exists(rootfd, "hostbin/host-secret"));
	assert_true(lv_inroot_exists(rootfd, "etc/shadow"));
	/* the last component is not followed: a dangling link is there */
	assert_true(lv_inroot_exists(rootfd, "boot/vmlinuz-abs"));
	assert_false(lv_inroot_exists(rootfd, "boot/none"));
	unlink(p);
}

static void a_file_over_the_limit_is_refused(void **s)
{
	(void)s;
	struct lv_buf b = { .max = 4 };
	assert_true(lv_inroot_read(rootfd, "etc/shadow", &b) < 0);
	lv_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_absolute_link_to_a_host_file_stays_in_the_tree),
		cmocka_unit_test(dot_dot_and_climbing_links_go_nowhere),
		cmocka_unit_test(a_fifo_is_never_read),
		cmocka_unit_test(a_program_is_looked_for_inside_the_tree),
		cmocka_unit_test(a_file_over_the_limit_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
