#define _GNU_SOURCE
/* Reading ext2 without mounting it (in_ext2.c): a tree written by livec's
 * ext2 writer (genext2fs) and read back through the confined writer is
 * the same tree, names, types, modes, owners, link targets (short and
 * long), hard links and contents (direct, indirect and double-indirect
 * blocks); and an image with a '/' in a name, a directory inside itself,
 * or cut short is refused. */
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

#include "files_equal.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "build/tree.h"
#include "image/out_ext2.h"
#include "inspect/beneath.h"
#include "inspect/in_ext2.h"

#define EPOCH 1700000000

static char dir[] = "/tmp/livec-test-in-ext2.XXXXXX";
static char root[4200], img[4200], out[4200];

static void put(const char *rel, const char *text, size_t len, unsigned mode)
{
	char p[4400];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(lv_write_atomic(p, text, len), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void big(const char *rel, size_t len)
{
	char *b = malloc(len);
	for (size_t i = 0; i < len; i++)
		b[i] = (char)(i * 7 % 251);
	put(rel, b, len, 0644);
	free(b);
}

static void make_tree(void)
{
	char p[4400], q[4400], longtarget[101];
	snprintf(p, sizeof(p), "%s/usr/bin", root);
	assert_int_equal(lv_mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/usr/ro/loopdir", root);
	assert_int_equal(lv_mkdir_p(p, 0755), 0);
	put("usr/bin/tool", "#!/bin/sh\n", 10, 0755);
	put("usr/bin/su", "su\n", 3, 04755);
	put("usr/ro/ABCD", "a name to break\n", 16, 0444);
	big("usr/bin/indirect", 300000);      /* 74 blocks of 4 KiB: one indirect block */
	big("usr/bin/double", 5u << 20);      /* past 12 + 1024 blocks: double indirect */
	snprintf(p, sizeof(p), "%s/usr/bin/tool", root);
	snprintf(q, sizeof(q), "%s/usr/bin/tool-again", root);
	assert_int_equal(link(p, q), 0);
	snprintf(p, sizeof(p), "%s/usr/bin/link", root);
	assert_int_equal(symlink("tool", p), 0);
	memset(longtarget, 'x', 100);
	longtarget[100] = '\0';
	snprintf(p, sizeof(p), "%s/usr/bin/longlink", root);
	assert_int_equal(symlink(longtarget, p), 0);   /* too long for i_block: a data block */
	snprintf(p, sizeof(p), "%s/usr/ro", root);
	assert_int_equal(chmod(p, 0555), 0);
	snprintf(p, sizeof(p), "%s/usr/bin/su", root);
	if (geteuid() == 0)
		assert_int_equal(chown(p, 12, 34), 0);
}

static int setup(void **s)
{
	(void)s;
	struct lv_tree t;
	struct lv_diags d = { 0 };
	struct lv_ext2_opts o = { .label = "LIVEC_RO", .epoch = EPOCH };
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(img, sizeof(img), "%s/inner.img", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	make_tree();
	if (lv_tree_read(root, LV_TREE_OWN_IDS, EPOCH, &t, &d) < 0 || lv_ext2_write(&t, img, &o, &d) < 0)
		return -1;
	lv_tree_release(&t);
	lv_diags_release(&d);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	char p[4400];
	snprintf(p, sizeof(p), "%s/usr/ro", out);
	chmod(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/ro", root);
	chmod(p, 0755);
	lv_remove_tree(dir);
	return 0;
}

static int to_beneath(const struct lv_xentry *e, struct lv_xdata *data, void *ud)
{
	return lv_beneath_put(ud, e, data);
}

static void the_same_tree_comes_back(void **s)
{
	(void)s;
	struct lv_beneath b;
	struct lv_diags d = { 0 };
	struct lv_tree want, got;
	assert_int_equal(lv_beneath_open(&b, out, &d), 0);
	assert_int_equal(lv_ext2_each(img, "inner.img", to_beneath, &b, &d), 0);
	assert_int_equal(lv_beneath_finish(&b), 0);
	lv_beneath_release(&b);
	assert_int_equal(lv_tree_read(root, LV_TREE_OWN_IDS, EPOCH, &want, &d), 0);
	assert_int_equal(lv_tree_read(out, LV_TREE_OWN_IDS, EPOCH, &got, &d), 0);
	/* genext2fs adds lost+found; the rest is the tree, node for node */
	size_t k = 0;
	for (size_t i = 0; i < got.n; i++) {
		if (!strncmp(got.v[i].path, "lost+found", 10))
			continue;
		assert_true(k < want.n);
		const struct lv_node *x = &want.v[k++], *y = &got.v[i];
		assert_string_equal(x->path, y->path);
		assert_int_equal(x->type, y->type);
		if (*x->path)
			assert_int_equal(x->mode, y->mode);
		assert_string_equal(x->hardlink < 0 ? "" : want.v[x->hardlink].path,
				    y->hardlink < 0 ? "" : got.v[y->hardlink].path);
		if (geteuid() == 0)
			assert_int_equal(x->uid * 1000 + x->gid, y->uid * 1000 + y->gid);
		if (x->type == 'l')
			assert_string_equal(x->link, y->link);
		if (x->type == 'f') {
			char *px = lv_tree_source(&want, x), *py = lv_tree_source(&got, y);
			assert_files_equal(px, py);
			free(px);
			free(py);
		}
	}
	assert_int_equal(k, want.n);
	lv_tree_release(&want);
	lv_tree_release(&got);
	lv_diags_release(&d);
}

static int count(const struct lv_xentry *e, struct lv_xdata *data, void *ud)
{
	(void)e;
	(void)data;
	(*(int *)ud)++;
	return 0;
}

/* A copy of the image with `name` (as it is in a directory record)
 * patched by fix(); returns what the reader says of it. */
static int read_patched(const char *name, void (*fix)(unsigned char *rec_name, const char *name))
{
	struct lv_buf b = { .max = 1u << 30 };
	struct lv_diags d = { 0 };
	char bad[4300];
	int n = 0;
	snprintf(bad, sizeof(bad), "%s/patched.img", dir);
	assert_int_equal(lv_read_file(img, &b), 0);
	unsigned char *at = memmem(b.p, b.len, name, strlen(name));
	assert_non_null(at);
	fix(at, name);
	assert_int_equal(lv_write_atomic(bad, b.p, b.len), 0);
	int r = lv_ext2_each(bad, "patched.img", count, &n, &d);
	if (r < 0)
		assert_true(d.errors > 0);
	lv_buf_release(&b);
	lv_diags_release(&d);
	return r;
}

static void slash(unsigned char *rec_name, const char *name)
{
	(void)name;
	rec_name[2] = '/';
}

static void to_root(unsigned char *rec_name, const char *name)
{
	(void)name;
	/* the record's inode number, 8 bytes before its name: the root's */
	memcpy(rec_name - 8, "\x02\x00\x00\x00", 4);
}

static void a_name_with_a_slash_is_refused(void **s)
{
	(void)s;
	assert_int_equal(read_patched("ABCD", slash), -LVE_ARCHIVE);
}

static void a_directory_inside_itself_is_refused(void **s)
{
	(void)s;
	assert_int_equal(read_patched("loopdir", to_root), -LVE_ARCHIVE);
}

static void a_truncated_image_is_refused(void **s)
{
	(void)s;
	struct lv_buf b = { .max = 1u << 30 };
	struct lv_diags d = { 0 };
	char cut[4300];
	int n = 0;
	snprintf(cut, sizeof(cut), "%s/cut.img", dir);
	assert_int_equal(lv_read_file(img, &b), 0);
	assert_int_equal(lv_write_atomic(cut, b.p, b.len / 2), 0);
	assert_int_equal(lv_ext2_each(cut, "cut.img", count, &n, &d), -LVE_ARCHIVE);
	assert_non_null(strstr(d.v[0].msg, "truncated"));
	lv_buf_release(&b);
	lv_diags_release(&d);
}

static void the_size_comes_from_the_superblock(void **s)
{
	(void)s;
	unsigned char sb[1024] = { 0 };
	struct stat st;
	int fd = open(img, O_RDONLY);
	assert_int_equal(pread(fd, sb, sizeof(sb), LV_EXT2_SB_OFFSET), 1024);
	close(fd);
	assert_int_equal(stat(img, &st), 0);
	assert_int_equal(lv_ext2_size(sb), st.st_size);
	memset(sb, 0, sizeof(sb));
	assert_int_equal(lv_ext2_size(sb), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_same_tree_comes_back),
		cmocka_unit_test(a_name_with_a_slash_is_refused),
		cmocka_unit_test(a_directory_inside_itself_is_refused),
		cmocka_unit_test(a_truncated_image_is_refused),
		cmocka_unit_test(the_size_comes_from_the_superblock),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
