/* The image's ids on the build host (build/idmap.h), as root: the fixed
 * range, ids outside it refused, the file-system ids livec creates tree
 * files with, and a file capability written inside the sandbox's user
 * namespace (revision 3) turned into what the image carries (revision 2). */
#define _GNU_SOURCE
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

#include "base/diag.h"
#include "build/idmap.h"

static int setup(void **state)
{
	struct lv_diags d = { 0 };
	(void)state;
	return geteuid() == 0 ? lv_idmap_setup(&d) : -1;
}

static void root_range(void **state)
{
	(void)state;
	const struct lv_idmap *m = lv_idmap();
	assert_int_equal(m->uid, LV_IDMAP_ROOT_BASE);
	assert_int_equal(m->gid, LV_IDMAP_ROOT_BASE);
	assert_int_equal(m->rootless, 0);
	unsigned id = 99;
	assert_int_equal(lv_idmap_image_id(LV_IDMAP_ROOT_BASE, 0, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(lv_idmap_image_id(LV_IDMAP_ROOT_BASE + 65535, 1, &id), 0);
	assert_int_equal(id, 65535);
	/* livec's own files, and ids past the range */
	assert_int_equal(lv_idmap_image_id(0, 0, &id), -ERANGE);
	assert_int_equal(lv_idmap_image_id(LV_IDMAP_ROOT_BASE - 1, 0, &id), -ERANGE);
	assert_int_equal(lv_idmap_image_id(LV_IDMAP_ROOT_BASE + 65536, 1, &id), -ERANGE);
}

static void tree_owner(void **state)
{
	(void)state;
	char dir[] = "/tmp/livec-test-idmap-XXXXXX", p[64];
	struct stat st;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/made", dir);
	assert_int_equal(lv_idmap_tree_owner(1), 0);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	/* still allowed to give a file any of the image's owners */
	int chowned = fd >= 0 ? fchown(fd, LV_IDMAP_ROOT_BASE + 5, LV_IDMAP_ROOT_BASE + 6) : -1;
	assert_int_equal(lv_idmap_tree_owner(0), 1);
	assert_true(fd >= 0);
	assert_int_equal(chowned, 0);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, LV_IDMAP_ROOT_BASE + 5);
	assert_int_equal(st.st_gid, LV_IDMAP_ROOT_BASE + 6);
	unlink(p);
	/* and what livec creates afterwards is its own again */
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, 0);
	rmdir(p);
	rmdir(dir);
}

static void file_caps(void **state)
{
	(void)state;
	/* cap_net_raw, permitted and effective, naming the sandbox's root */
	unsigned char v3[24] = { 1, 0, 0, 3, 0, 0x20, 0, 0 };
	unsigned base = LV_IDMAP_ROOT_BASE;
	memcpy(v3 + 20, (unsigned char[]){ base & 0xff, base >> 8 & 0xff, base >> 16 & 0xff, base >> 24 }, 4);
	unsigned char want[20] = { 1, 0, 0, 2, 0, 0x20, 0, 0 };
	unsigned char c[24];
	memcpy(c, v3, 24);
	assert_int_equal(lv_idmap_file_caps(c, 24), 20);
	assert_memory_equal(c, want, 20);
	/* another namespace's root: left as it is */
	memcpy(c, v3, 24);
	c[20] ^= 1;
	assert_int_equal(lv_idmap_file_caps(c, 24), 24);
	assert_int_equal(c[3], 3);
	/* revision 2 already */
	memcpy(c, want, 20);
	assert_int_equal(lv_idmap_file_caps(c, 20), 20);
	assert_memory_equal(c, want, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(root_range),
		cmocka_unit_test(tree_owner),
		cmocka_unit_test(file_caps),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
