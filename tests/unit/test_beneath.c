#define _GNU_SOURCE
/* Writing a medium's tree beneath a directory (beneath.c, fed by
 * in_archive.c's tar reader): modes, links, times and read-only
 * directories come out as the archive says; and every hostile entry, a
 * "..", an absolute path, a path through a symlink, a hard link out of the
 * tree, is refused before anything lands outside the directory. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
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
#include "base/err.h"
#include "base/fsutil.h"
#include "inspect/beneath.h"
#include "inspect/in_archive.h"

static char dir[] = "/tmp/livec-test-beneath.XXXXXX";
static char outside[4200], tar[4200];
static int serial;

struct tent {
	const char *path;
	char type;          /* 'f' 'd' 'l' 'h' 'p' */
	const char *text;   /* content, symlink target or hard-link name */
	unsigned mode;
};

static int setup(void **s)
{
	(void)s;
	if (!mkdtemp(dir))
		return -1;
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	snprintf(tar, sizeof(tar), "%s/medium.tar", dir);
	return lv_mkdir_p(outside, 0755);
}

static int teardown(void **s)
{
	(void)s;
	lv_remove_tree(dir);
	return 0;
}

static void make_tar(const struct tent *v, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, tar), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(e);
		archive_entry_set_pathname(e, v[i].path);
		archive_entry_set_perm(e, v[i].mode);
		archive_entry_set_mtime(e, 1700000000 + (time_t)i, 0);
		archive_entry_set_filetype(e, v[i].type == 'd' ? AE_IFDIR : v[i].type == 'l' ? AE_IFLNK
					      : v[i].type == 'p' ? AE_IFIFO : AE_IFREG);
		if (v[i].type == 'l')
			archive_entry_set_symlink(e, v[i].text);
		if (v[i].type == 'h')
			archive_entry_set_hardlink(e, v[i].text);
		size_t len = v[i].type == 'f' ? strlen(v[i].text) : 0;
		archive_entry_set_size(e, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, v[i].text, len), (la_ssize_t)len);
	}
	archive_entry_free(e);
	archive_write_free(a);
}

static int put(const struct lv_xentry *e, struct lv_xdata *data, void *ud)
{
	return lv_beneath_put(ud, e, data);
}

/* Writes the tar into a new directory (its path in tree); returns what
 * the reader and writer return. */
static int extract(char *tree, size_t size)
{
	struct lv_beneath b;
	struct lv_diags d = { 0 };
	snprintf(tree, size, "%s/tree%d", dir, serial++);
	int r = lv_beneath_open(&b, tree, &d);
	assert_int_equal(r, 0);
	b.source = "medium.tar";
	r = lv_archive_each(tar, "medium.tar", LV_XFORMAT_TAR, put, &b, &d);
	if (r == 0)
		r = lv_beneath_finish(&b);
	lv_beneath_release(&b);
	lv_diags_release(&d);
	return r;
}

static void a_tree_comes_out_with_its_modes_links_and_times(void **s)
{
	(void)s;
	static const struct tent v[] = {
		{ "./", 'd', NULL, 0755 },         { "./ro/", 'd', NULL, 0555 },
		{ "./ro/file", 'f', "hello\n", 0444 }, { "./bin/", 'd', NULL, 0755 },
		{ "./bin/su", 'f', "#!su\n", 04755 }, { "./bin/link", 'l', "su", 0777 },
		{ "./bin/again", 'h', "./bin/su", 0 }, { "./fifo", 'p', NULL, 0620 },
	};
	char tree[4300], p[4400], link[64];
	struct stat st, st2;
	struct lv_buf b = { 0 };
	make_tar(v, sizeof(v) / sizeof(v[0]));
	assert_int_equal(extract(tree, sizeof(tree)), 0);
	snprintf(p, sizeof(p), "%s/ro", tree);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0555);
	assert_int_equal(st.st_mtime, 1700000001);  /* set after its file was made */
	snprintf(p, sizeof(p), "%s/ro/file", tree);
	assert_int_equal(lv_read_file(p, &b), 0);
	assert_string_equal(b.p, "hello\n");
	snprintf(p, sizeof(p), "%s/bin/su", tree);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	snprintf(p, sizeof(p), "%s/bin/again", tree);
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	snprintf(p, sizeof(p), "%s/bin/link", tree);
	assert_int_equal(readlink(p, link, sizeof(link)), 2);
	snprintf(p, sizeof(p), "%s/fifo", tree);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0620);
	lv_buf_release(&b);
}

static void assert_refused(const struct tent *v, size_t n, const char *must_not_exist)
{
	char tree[4300], p[4400];
	make_tar(v, n);
	assert_int_equal(extract(tree, sizeof(tree)), -LVE_ARCHIVE);
	snprintf(p, sizeof(p), "%s/%s", outside, must_not_exist);
	assert_false(lv_exists(p));
}

static void dot_dot_is_refused(void **s)
{
	(void)s;
	const struct tent v[] = { { "./", 'd', NULL, 0755 }, { "../outside/dotdot", 'f', "x", 0644 } };
	assert_refused(v, 2, "dotdot");
	const struct tent w[] = { { "a/../../outside/dotdot2", 'f', "x", 0644 } };
	assert_refused(w, 1, "dotdot2");
}

static void an_absolute_path_is_refused(void **s)
{
	(void)s;
	char abs[4400];
	snprintf(abs, sizeof(abs), "%s/absolute", outside);
	const struct tent v[] = { { abs, 'f', "x", 0644 } };
	assert_refused(v, 1, "absolute");
}

static void a_path_through_a_symlink_is_refused(void **s)
{
	(void)s;
	const struct tent v[] = { { "esc", 'l', outside, 0777 }, { "esc/through-abs", 'f', "x", 0644 } };
	assert_refused(v, 2, "through-abs");
	const struct tent w[] = { { "up", 'l', "../outside", 0777 }, { "up/through-rel", 'f', "x", 0644 } };
	assert_refused(w, 2, "through-rel");
	const struct tent x[] = { { "d", 'l', outside, 0777 }, { "d/made-dir", 'd', NULL, 0755 } };
	assert_refused(x, 2, "made-dir");
}

static void a_hard_link_out_of_the_tree_is_refused(void **s)
{
	(void)s;
	char secret[4400];
	struct stat st;
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	assert_int_equal(lv_write_atomic(secret, "secret\n", 7), 0);
	const struct tent v[] = { { "h", 'h', "../outside/secret", 0 } };
	const struct tent w[] = { { "h", 'h', secret, 0 } };
	const struct tent x[] = { { "esc", 'l', outside, 0777 }, { "h", 'h', "esc/secret", 0 } };
	assert_refused(v, 1, "h");
	assert_refused(w, 1, "h");
	assert_refused(x, 2, "h");
	/* no second name for the file outside was made anywhere */
	assert_int_equal(stat(secret, &st), 0);
	assert_int_equal(st.st_nlink, 1);
}

/* A file where the medium had a symlink replaces the link: it is never
 * written through it. */
static void a_file_replaces_a_symlink_and_does_not_follow_it(void **s)
{
	(void)s;
	char target[4400], tree[4300], p[4400];
	struct lv_buf b = { 0 };
	snprintf(target, sizeof(target), "%s/victim", outside);
	assert_int_equal(lv_write_atomic(target, "untouched\n", 10), 0);
	const struct tent v[] = { { "s", 'l', target, 0777 }, { "s", 'f', "new\n", 0644 } };
	make_tar(v, 2);
	assert_int_equal(extract(tree, sizeof(tree)), 0);
	assert_int_equal(lv_read_file(target, &b), 0);
	assert_string_equal(b.p, "untouched\n");
	snprintf(p, sizeof(p), "%s/s", tree);
	b.len = 0;
	assert_int_equal(lv_read_file(p, &b), 0);
	assert_string_equal(b.p, "new\n");
	lv_buf_release(&b);
}

static void a_file_over_a_directory_is_refused(void **s)
{
	(void)s;
	const struct tent v[] = { { "d", 'd', NULL, 0755 }, { "d", 'f', "x", 0644 } };
	char tree[4300];
	make_tar(v, 2);
	assert_int_equal(extract(tree, sizeof(tree)), -LVE_ARCHIVE);
}

static void the_target_must_be_new_or_empty(void **s)
{
	(void)s;
	struct lv_beneath b;
	struct lv_diags d = { 0 };
	char full[4300], p[4400];
	snprintf(full, sizeof(full), "%s/full", dir);
	snprintf(p, sizeof(p), "%s/file", full);
	assert_int_equal(lv_mkdir_p(full, 0755), 0);
	assert_int_equal(lv_write_atomic(p, "x", 1), 0);
	assert_int_equal(lv_beneath_open(&b, full, &d), -LVE_USAGE);
	assert_true(d.errors > 0);
	lv_beneath_release(&b);
	lv_diags_release(&d);
}

static void the_path_check(void **s)
{
	(void)s;
	assert_int_equal(lv_beneath_check(""), 0);
	assert_int_equal(lv_beneath_check("usr/bin/ls"), 0);
	assert_int_equal(lv_beneath_check("..."), 0);
	assert_int_equal(lv_beneath_check("/etc"), -EPERM);
	assert_int_equal(lv_beneath_check("a/../b"), -EPERM);
	assert_int_equal(lv_beneath_check("a//b"), -EPERM);
	assert_int_equal(lv_beneath_check("a/./b"), -EPERM);
	assert_int_equal(lv_beneath_check(".."), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_tree_comes_out_with_its_modes_links_and_times),
		cmocka_unit_test(dot_dot_is_refused),
		cmocka_unit_test(an_absolute_path_is_refused),
		cmocka_unit_test(a_path_through_a_symlink_is_refused),
		cmocka_unit_test(a_hard_link_out_of_the_tree_is_refused),
		cmocka_unit_test(a_file_replaces_a_symlink_and_does_not_follow_it),
		cmocka_unit_test(a_file_over_a_directory_is_refused),
		cmocka_unit_test(the_target_must_be_new_or_empty),
		cmocka_unit_test(the_path_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
