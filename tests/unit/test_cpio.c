/* The cpio (initramfs) writer: entries come back with inode numbers 1..n,
 * device 0, the IR's times and contents; two writes give the same bytes. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/sha256.h"

#include "files_equal.h"

#include "base/buf.h"
#include "base/fsutil.h"
#include "image/out_cpio.h"
#include "build/tree.h"

static char dir[] = "/tmp/livec-test-cpio-XXXXXX";
static char root[300], out1[300], out2[300];

static int setup(void **s)
{
	(void)s;
	char p[400];
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(out1, sizeof(out1), "%s/a.cpio.gz", dir);
	snprintf(out2, sizeof(out2), "%s/b.cpio.gz", dir);
	snprintf(p, sizeof(p), "%s/bin", root);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/bin/busybox", root);
	lv_write_atomic(p, "\177ELF fake", 9);
	chmod(p, 0755);
	snprintf(p, sizeof(p), "%s/bin/sh", root);
	symlink("busybox", p);
	snprintf(p, sizeof(p), "%s/init", root);
	lv_write_atomic(p, "#!/bin/sh\n", 10);
	return chmod(p, 0755);
}

static int teardown(void **s)
{
	(void)s;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void write_cpio(const char *out)
{
	struct lv_tree t;
	struct lv_diags d = { 0 };
	assert_int_equal(lv_tree_read(root, LV_TREE_OWN_IDS, 1700000000, &t, &d), 0);
	char sha[LV_SHA256_HEX], file[LV_SHA256_HEX];
	assert_int_equal(lv_cpio_write(&t, out, sha, &d), 0);
	/* the SHA-256 taken while writing is the file's */
	assert_int_equal(lv_sha256_file(out, file, NULL), 0);
	assert_string_equal(sha, file);
	lv_tree_release(&t);
}

static void entries_have_sequential_inodes_and_no_device(void **s)
{
	(void)s;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	const char *want[] = { "bin", "bin/busybox", "bin/sh", "init" };
	size_t n = 0;
	write_cpio(out1);
	archive_read_support_filter_gzip(a);
	archive_read_support_format_cpio(a);
	assert_int_equal(archive_read_open_filename(a, out1, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(n < 4);
		assert_string_equal(archive_entry_pathname(e), want[n]);
		assert_int_equal(archive_entry_ino(e), (la_int64_t)(n + 1));
		assert_int_equal(archive_entry_dev(e), 0);
		assert_int_equal(archive_entry_mtime(e), 1700000000);
		if (!strcmp(want[n], "bin/sh"))
			assert_string_equal(archive_entry_symlink(e), "busybox");
		if (!strcmp(want[n], "init")) {
			char buf[16] = { 0 };
			assert_int_equal(archive_read_data(a, buf, sizeof(buf)), 10);
			assert_string_equal(buf, "#!/bin/sh\n");
			assert_int_equal(archive_entry_perm(e), 0755);
		}
		n++;
	}
	assert_int_equal(n, 4);
	archive_read_free(a);
}

static void two_writes_are_identical(void **s)
{
	(void)s;
	write_cpio(out1);
	sleep(1);
	write_cpio(out2);
	assert_files_equal(out1, out2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entries_have_sequential_inodes_and_no_device),
		cmocka_unit_test(two_writes_are_identical),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
