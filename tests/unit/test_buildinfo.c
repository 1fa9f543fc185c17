#define _GNU_SOURCE
/* The buildinfo (buildinfo.c): what it names, and how two compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "image/buildinfo.h"

static void it_names_livec_the_libraries_and_the_boot_packages(void **s)
{
	(void)s;
	struct lv_lockpkg boot[] = { { .name = "busybox-static", .version = "1:1.37.0-6" },
				     { .name = "isolinux", .version = "3:6.04-1" } };
	struct lv_lock l = { .boot = { .v = boot, .n = 2 } };
	struct lv_buf b = { 0 };
	lv_buildinfo(&l, 0, &b);
	for (const char *const *k = (const char *const[]){ "livec: ", "libarchive: ", "libisofs: ", "libdeflate: ",
							  "liblzma: ", "zlib: ", NULL };
	     *k; k++)
		assert_non_null(strstr(b.p, *k));
	assert_non_null(strstr(b.p, "busybox-static: 1:1.37.0-6\n"));
	assert_non_null(strstr(b.p, "isolinux: 3:6.04-1\n"));
	assert_null(strstr(b.p, "genext2fs")); /* not used by an iso9660 inner image */
	assert_null(strstr(b.p, "syslinux-common")); /* not in this lock */
	lv_buf_release(&b);
}

static void a_comparison_names_what_changed_and_what_only_one_has(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	const char *ours = "livec: 0.1.0\nlibarchive: 3.6.2\nzlib: 1.2.13\n";
	const char *theirs = "livec: 0.1.0\nlibarchive: 3.7.4\nzlib: 1.2.13\ngenext2fs: 1.5.0-3\n";
	assert_int_equal(lv_buildinfo_compare(ours, theirs, &d), 2);
	assert_string_equal(d.v[0].msg, "libarchive differs: this build used 3.6.2, the other 3.7.4");
	assert_string_equal(d.v[1].msg, "genext2fs differs: this build used none, the other 1.5.0-3");
	lv_diags_release(&d);
	assert_int_equal(lv_buildinfo_compare(ours, ours, &d), 0);
	assert_int_equal(d.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(it_names_livec_the_libraries_and_the_boot_packages),
		cmocka_unit_test(a_comparison_names_what_changed_and_what_only_one_has),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
