/* The ext2 writer: e2fsck finds the image clean, debugfs reads back names,
 * modes, owners, links, hard links and content, and two writes at
 * different times give the same bytes. */
#define _GNU_SOURCE
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

#include "base/buf.h"
#include "base/fsutil.h"
#include "image/out_ext2.h"
#include "build/tree.h"

static char dir[] = "/tmp/livec-test-ext2-XXXXXX";
static char root[300], img1[300], img2[300];

static void put(const char *rel, const char *text, unsigned mode)
{
	char p[400];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(lv_write_atomic(p, text, strlen(text)), 0);
	chmod(p, mode);
}

static int setup(void **s)
{
	(void)s;
	char p[400], q[400];
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(img1, sizeof(img1), "%s/a.img", dir);
	snprintf(img2, sizeof(img2), "%s/b.img", dir);
	snprintf(p, sizeof(p), "%s/usr/share/doc/pkg", root);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/bin", root);
	lv_mkdir_p(p, 0755);
	put("usr/share/doc/pkg/copyright", "hello ext2\n", 0640);
	put("usr/bin/tool", "#!/bin/sh\n", 0755);
	snprintf(p, sizeof(p), "%s/usr/bin/link", root);
	if (symlink("tool", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/usr/bin/tool", root);
	snprintf(q, sizeof(q), "%s/usr/bin/tool-again", root);
	if (link(p, q) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/usr/share/doc/pkg/copyright", root);
	return chown(p, 12, 34);
}

static int teardown(void **s)
{
	(void)s;
	lv_remove_tree(dir);
	return 0;
}

static void write_img(const char *out)
{
	struct lv_tree t;
	struct lv_diags d = { 0 };
	struct lv_ext2_opts o = { .label = "LIVECTEST", .epoch = 1700000000 };
	assert_int_equal(lv_tree_read(root, LV_TREE_OWN_IDS, 1700000000, &t, &d), 0);
	assert_int_equal(lv_ext2_write(&t, out, &o, &d), 0);
	assert_int_equal(d.errors, 0);
	lv_tree_release(&t);
}

/* debugfs's answer to one request */
static char *debugfs(const char *img, const char *req)
{
	char cmd[800];
	struct lv_buf b = { 0 };
	snprintf(cmd, sizeof(cmd), "debugfs -R '%s' %s 2>/dev/null", req, img);
	FILE *f = popen(cmd, "r");
	char buf[4096];
	size_t n;
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		lv_buf_append(&b, buf, n);
	if (f)
		pclose(f);
	return b.p ? b.p : strdup("");
}

static void e2fsck_finds_it_clean(void **s)
{
	(void)s;
	char cmd[400];
	write_img(img1);
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s >/dev/null 2>&1", img1);
	assert_int_equal(system(cmd), 0);
}

static void names_modes_owners_links_and_content_come_back(void **s)
{
	(void)s;
	char *cat = debugfs(img1, "cat /usr/share/doc/pkg/copyright");
	assert_string_equal(cat, "hello ext2\n");
	free(cat);
	char *st = debugfs(img1, "stat /usr/share/doc/pkg/copyright");
	assert_non_null(strstr(st, "Mode:  0640"));
	assert_non_null(strstr(st, "User:    12"));
	assert_non_null(strstr(st, "Group:    34"));
	free(st);
	char *ln = debugfs(img1, "stat /usr/bin/link");
	assert_non_null(strstr(ln, "Type: symlink"));
	assert_non_null(strstr(ln, "Fast link dest: \"tool\""));
	free(ln);
	/* a hard link: the same inode under both names, link count 2 */
	char *a = debugfs(img1, "stat /usr/bin/tool"), *b = debugfs(img1, "stat /usr/bin/tool-again");
	assert_non_null(strstr(a, "Links: 2"));
	assert_string_equal(strstr(a, "Inode:"), strstr(b, "Inode:"));
	free(a);
	free(b);
	char *label = debugfs(img1, "stats");
	assert_non_null(strstr(label, "Filesystem volume name:   LIVECTEST"));
	assert_non_null(strstr(label, "Filesystem UUID:          <none>"));
	free(label);
}

static void two_writes_give_the_same_bytes(void **s)
{
	(void)s;
	sleep(1); /* a second later: nothing may depend on the clock */
	write_img(img2);
	assert_files_equal(img1, img2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(e2fsck_finds_it_clean),
		cmocka_unit_test(names_modes_owners_links_and_content_come_back),
		cmocka_unit_test(two_writes_give_the_same_bytes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
