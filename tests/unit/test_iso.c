/* The ISO 9660 writer: what goes in comes back out (read with libarchive's
 * ISO 9660 + Rock Ridge reader), and two writes give the same bytes. */
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

#include "files_equal.h"

#include "buf.h"
#include "fsutil.h"
#include "out_iso9660.h"
#include "tree.h"

static char dir[] = "/tmp/livec-test-iso-XXXXXX";
static char root[300], iso1[300], iso2[300];

static int setup(void **s)
{
	(void)s;
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(iso1, sizeof(iso1), "%s/a.iso", dir);
	snprintf(iso2, sizeof(iso2), "%s/b.iso", dir);
	char p[400];
	snprintf(p, sizeof(p), "%s/usr/share/doc/a-rather-long-directory-name-for-rock-ridge", root);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/share/doc/a-rather-long-directory-name-for-rock-ridge/File.TXT", root);
	lv_write_atomic(p, "hello iso\n", 10);
	chmod(p, 0640);
	snprintf(p, sizeof(p), "%s/usr/bin", root);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/bin/tool", root);
	lv_write_atomic(p, "#!/bin/sh\n", 10);
	chmod(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/bin/link", root);
	return symlink("tool", p);
}

static int teardown(void **s)
{
	(void)s;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void write_iso(const char *out)
{
	struct lv_tree t;
	struct lv_diags d = { 0 };
	struct lv_iso_opts o = { .volume_id = "LIVECTEST", .epoch = 1700000000 };
	assert_int_equal(lv_tree_read(root, 1700000000, &t, &d), 0);
	assert_int_equal(lv_iso_write(&t, out, &o, &d), 0);
	assert_int_equal(d.errors, 0);
	lv_tree_release(&t);
}

static void rock_ridge_keeps_names_modes_links_and_content(void **s)
{
	(void)s;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int seen = 0;
	write_iso(iso1);
	archive_read_support_format_iso9660(a);
	assert_int_equal(archive_read_open_filename(a, iso1, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		if (strstr(p, "a-rather-long-directory-name-for-rock-ridge/File.TXT")) {
			char buf[32] = { 0 };
			assert_int_equal(archive_read_data(a, buf, sizeof(buf)), 10);
			assert_string_equal(buf, "hello iso\n");
			assert_int_equal(archive_entry_perm(e), 0640);
			assert_int_equal(archive_entry_mtime(e), 1700000000);
			seen |= 1;
		} else if (!strcmp(p, "usr/bin/link")) {
			assert_string_equal(archive_entry_symlink(e), "tool");
			seen |= 2;
		} else if (!strcmp(p, "usr/bin/tool")) {
			assert_int_equal(archive_entry_perm(e), 0755);
			seen |= 4;
		}
	}
	archive_read_free(a);
	assert_int_equal(seen, 7);
}

static void two_writes_are_identical(void **s)
{
	(void)s;
	write_iso(iso1);
	sleep(1); /* a different wall clock must not matter */
	write_iso(iso2);
	assert_files_equal(iso1, iso2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rock_ridge_keeps_names_modes_links_and_content),
		cmocka_unit_test(two_writes_are_identical),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
