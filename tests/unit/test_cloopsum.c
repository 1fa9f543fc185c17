/* The cloop image's hash list (image/cloopsum.h): written beside the
 * image without changing it, the same bytes whatever the thread count,
 * read back only when it is well-formed and (when asked) the expected one;
 * a damaged block, header or offset table is found and named. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "files_equal.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/sha256.h"
#include "image/cloop.h"
#include "image/cloopsum.h"

static char dir[] = "/tmp/livec-test-cloopsum-XXXXXX";

static char *path(const char *name)
{
	return scratch_path(dir, name);
}

/* half random, half repetitive: blocks of different compressed sizes */
static void make_input(const char *name, size_t size)
{
	unsigned char *b = malloc(size);
	uint32_t x = 4242;
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245 + 12345;
		b[i] = i < size / 2 ? (unsigned char)(x >> 16) : (unsigned char)("cloop"[i % 5]);
	}
	assert_int_equal(lv_write_atomic(path(name), b, size), 0);
	free(b);
}

/* in -> c (+ c.sha256 when `hashes`), 8 KiB blocks */
static void write_image(const char *in, const char *out, const char *hashes, unsigned threads)
{
	struct lv_diags d = { 0 };
	struct lv_cloop_opts o = { .block_size = 8192, .level = 6, .threads = threads, .hashes = hashes };
	assert_int_equal(lv_cloop_write(path(in), path(out), &o, &d), 0);
	assert_int_equal(d.errors, 0);
}

static void open_image(const char *name, int *fd, struct lv_cloop_index *ix)
{
	const char *why = NULL;
	uint64_t bad = 0;
	*fd = open(path(name), O_RDONLY | O_CLOEXEC);
	assert_true(*fd >= 0);
	assert_int_equal(lv_cloop_index_read(*fd, (uint64_t)lseek(*fd, 0, SEEK_END), ix, &why, &bad), 0);
}

static void noted(void *arg, uint64_t block)
{
	struct lv_buf *b = arg;
	lv_buf_printf(b, "%llu ", (unsigned long long)block);
}

static void list_is_written_beside_an_unchanged_image(void **s)
{
	(void)s;
	make_input("in", 100 * 1024 + 7);
	write_image("in", "plain", NULL, 2);
	write_image("in", "c", path("c.sha256"), 2);
	assert_files_equal(path("plain"), path("c")); /* still the cloop format, byte for byte */
	assert_false(lv_exists(path("plain.sha256")));
	struct lv_buf t = { 0 };
	assert_int_equal(lv_read_file(path("c.sha256"), &t), 0);
	assert_true(!strncmp(t.p, "livec-cloop-sha256 1\nblock-size 8192\nblocks 13\nindex ", 53));
	assert_int_equal(t.len, 53 + 65 * 14);
	lv_buf_release(&t);
}

static void list_bytes_do_not_depend_on_threads(void **s)
{
	(void)s;
	make_input("in", 200 * 1024);
	write_image("in", "c1", path("c1.sha256"), 1);
	write_image("in", "c3", path("c3.sha256"), 3);
	assert_files_equal(path("c1.sha256"), path("c3.sha256"));
}

static void list_reads_back_and_formats_the_same(void **s)
{
	(void)s;
	struct lv_cloopsum sum;
	struct lv_buf t = { 0 };
	const char *why = NULL;
	char want[LV_SHA256_HEX];
	size_t len;
	make_input("in", 50 * 1024);
	write_image("in", "c", path("c.sha256"), 2);
	assert_int_equal(lv_read_file(path("c.sha256"), &t), 0);
	lv_sha256_buf(t.p, t.len, want);
	assert_int_equal(lv_cloopsum_load(path("c.sha256"), want, &sum, &why), 0);
	assert_int_equal(sum.block_size, 8192);
	assert_int_equal(sum.num_blocks, 7);
	char *again = lv_cloopsum_format(&sum, &len);
	assert_int_equal(len, t.len);
	assert_memory_equal(again, t.p, len);
	free(again);
	lv_cloopsum_free(&sum);
	lv_buf_release(&t);
}

static void an_intact_image_checks(void **s)
{
	(void)s;
	struct lv_cloopsum sum;
	struct lv_cloop_index ix;
	struct lv_buf bad = { 0 };
	struct lv_diags d = { 0 };
	const char *why = NULL;
	int fd;
	make_input("in", 64 * 1024 + 100);
	write_image("in", "c", path("c.sha256"), 2);
	open_image("c", &fd, &ix);
	assert_int_equal(lv_cloopsum_load(path("c.sha256"), NULL, &sum, &why), 0);
	assert_int_equal(lv_cloopsum_check_index(&sum, fd, &ix, &why), 0);
	assert_int_equal(lv_cloopsum_check_all(&sum, fd, &ix, noted, &bad), 0);
	assert_int_equal(bad.len, 0);
	assert_int_equal(lv_cloop_check(path("c"), path("c.sha256"), &d), 0);
	assert_int_equal(d.errors, 0);
	close(fd);
	lv_cloop_index_free(&ix);
	lv_cloopsum_free(&sum);
}

static void the_block_check_takes_only_the_block_as_stored(void **s)
{
	(void)s;
	struct lv_cloopsum sum;
	struct lv_cloop_index ix;
	const char *why = NULL;
	int fd;
	make_input("in", 40 * 1024);
	write_image("in", "c", path("c.sha256"), 1);
	open_image("c", &fd, &ix);
	assert_int_equal(lv_cloopsum_load(path("c.sha256"), NULL, &sum, &why), 0);
	size_t len = (size_t)(ix.off[3] - ix.off[2]);
	unsigned char *b = malloc(len + 1);
	assert_int_equal(pread(fd, b, len + 1, (off_t)ix.off[2]), (ssize_t)len + 1);
	assert_int_equal(lv_cloopsum_check_block(&sum, 2, b, len), 0);
	assert_int_equal(lv_cloopsum_check_block(&sum, 2, b, len - 1), -1); /* shorter */
	assert_int_equal(lv_cloopsum_check_block(&sum, 2, b, len + 1), -1); /* longer */
	assert_int_equal(lv_cloopsum_check_block(&sum, 3, b, len), -1);     /* another block's hash */
	assert_int_equal(lv_cloopsum_check_block(&sum, sum.num_blocks, b, len), -1); /* past the end */
	b[len / 2] ^= 1;
	assert_int_equal(lv_cloopsum_check_block(&sum, 2, b, len), -1);
	free(b);
	close(fd);
	lv_cloop_index_free(&ix);
	lv_cloopsum_free(&sum);
}

static void a_damaged_block_is_named(void **s)
{
	(void)s;
	struct lv_cloopsum sum;
	struct lv_cloop_index ix;
	struct lv_buf c = { 0 }, bad = { 0 };
	struct lv_diags d = { 0 };
	const char *why = NULL;
	int fd;
	make_input("in", 80 * 1024);
	write_image("in", "c", path("c.sha256"), 2);
	open_image("c", &fd, &ix);
	uint64_t at = ix.off[6] + 3; /* inside block 6 */
	close(fd);
	lv_cloop_index_free(&ix);
	assert_int_equal(lv_read_file(path("c"), &c), 0);
	c.p[at] ^= 0x20;
	assert_int_equal(lv_write_atomic(path("bad"), c.p, c.len), 0);
	open_image("bad", &fd, &ix);
	assert_int_equal(lv_cloopsum_load(path("c.sha256"), NULL, &sum, &why), 0);
	assert_int_equal(lv_cloopsum_check_index(&sum, fd, &ix, &why), 0); /* the index is intact */
	assert_int_equal(lv_cloopsum_check_all(&sum, fd, &ix, noted, &bad), 1);
	assert_string_equal(bad.p, "6 ");
	assert_int_equal(lv_cloop_check(path("bad"), path("c.sha256"), &d), -LVE_HASH);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.v[0].msg, "block 6 is damaged"));
	close(fd);
	lv_diags_release(&d);
	lv_cloop_index_free(&ix);
	lv_cloopsum_free(&sum);
	lv_buf_release(&c);
	lv_buf_release(&bad);
}

static void a_damaged_header_or_offset_is_found(void **s)
{
	(void)s;
	struct lv_cloopsum sum;
	struct lv_cloop_index ix;
	struct lv_buf c = { 0 };
	const char *why = NULL;
	int fd;
	make_input("in", 30 * 1024);
	write_image("in", "c", path("c.sha256"), 1);
	assert_int_equal(lv_read_file(path("c"), &c), 0);
	assert_int_equal(lv_cloopsum_load(path("c.sha256"), NULL, &sum, &why), 0);
	/* the preamble (a shell script: the cloop readers ignore it) */
	c.p[40] ^= 1;
	assert_int_equal(lv_write_atomic(path("bad"), c.p, c.len), 0);
	open_image("bad", &fd, &ix);
	assert_int_equal(lv_cloopsum_check_index(&sum, fd, &ix, &why), -1);
	assert_non_null(strstr(why, "header or offsets are damaged"));
	close(fd);
	lv_cloop_index_free(&ix);
	/* block 2 one byte earlier (block 1 shorter, 2 longer): a plausible index */
	c.p[40] ^= 1;
	unsigned char *off2 = (unsigned char *)c.p + LV_CLOOP_HEADER + 8 * 2;
	for (int i = 7; i >= 0 && off2[i]-- == 0; i--)
		; /* a big-endian decrement */
	assert_int_equal(lv_write_atomic(path("bad"), c.p, c.len), 0);
	open_image("bad", &fd, &ix);
	assert_int_equal(lv_cloopsum_check_index(&sum, fd, &ix, &why), -1);
	close(fd);
	lv_cloop_index_free(&ix);
	lv_cloopsum_free(&sum);
	lv_buf_release(&c);
}

static void the_list_of_another_build_is_refused(void **s)
{
	(void)s;
	struct lv_cloopsum sum;
	const char *why = NULL;
	make_input("in", 20 * 1024);
	write_image("in", "c", path("c.sha256"), 1);
	assert_int_equal(lv_cloopsum_load(path("c.sha256"), "0000000000000000000000000000000000000000000000000000000000000000",
					  &sum, &why), -1);
	assert_non_null(strstr(why, "SHA-256"));
	assert_int_equal(lv_cloopsum_load(path("c.sha256"), "", &sum, &why), -1);
	assert_int_equal(lv_cloopsum_load(path("none"), NULL, &sum, &why), -1);
}

static void malformed_lists_are_refused(void **s)
{
	(void)s;
	static const char h[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
	struct lv_cloopsum sum;
	const char *why = NULL;
	struct lv_buf t = { 0 };
	/* the well-formed one first */
	lv_buf_printf(&t, "livec-cloop-sha256 1\nblock-size 512\nblocks 2\nindex %s%s%s", h, h, h);
	assert_int_equal(lv_cloopsum_parse(t.p, t.len, &sum, &why), 0);
	assert_int_equal(sum.num_blocks, 2);
	lv_cloopsum_free(&sum);
	const char *bad[] = {
		"livec-cloop-sha256 2\nblock-size 512\nblocks 2\nindex %s%s%s",  /* another version */
		"livec-cloop-sha256 1\nblock-size 512\nblocks 3\nindex %s%s%s",  /* a block missing */
		"livec-cloop-sha256 1\nblock-size 512\nblocks 1\nindex %s%s%s",  /* one too many */
		"livec-cloop-sha256 1\nblock-size 512\nblocks 02\nindex %s%s%s", /* a leading zero */
		"livec-cloop-sha256 1\nblock-size 512\nblocks -2\nindex %s%s%s",
		"livec-cloop-sha256 1\nblock-size 512\nblocks 4294967297\nindex %s%s%s",
		"livec-cloop-sha256 1\nblocks 2\nblock-size 512\nindex %s%s%s",  /* out of order */
		"livec-cloop-sha256 1\nblock-size 512\nblocks 2\n%s%s%s",        /* no index line */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.len = 0;
		lv_buf_printf(&t, bad[i], h, h, h);
		assert_int_equal(lv_cloopsum_parse(t.p, t.len, &sum, &why), -1);
		assert_null(sum.block);
	}
	/* an upper-case digit, a short line, a missing last newline */
	t.len = 0;
	lv_buf_printf(&t, "livec-cloop-sha256 1\nblock-size 512\nblocks 2\nindex %s%s%s", h, h, h);
	t.p[t.len - 3] = 'E';
	assert_int_equal(lv_cloopsum_parse(t.p, t.len, &sum, &why), -1);
	assert_int_equal(lv_cloopsum_parse(t.p, t.len - 1, &sum, &why), -1);
	t.p[t.len - 3] = 'e';
	t.p[t.len - 1] = ' ';
	assert_int_equal(lv_cloopsum_parse(t.p, t.len, &sum, &why), -1);
	lv_buf_release(&t);
}

static int setup(void **s)
{
	(void)s;
	return scratch_make(dir);
}

static int teardown(void **s)
{
	(void)s;
	return scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_is_written_beside_an_unchanged_image),
		cmocka_unit_test(list_bytes_do_not_depend_on_threads),
		cmocka_unit_test(list_reads_back_and_formats_the_same),
		cmocka_unit_test(an_intact_image_checks),
		cmocka_unit_test(the_block_check_takes_only_the_block_as_stored),
		cmocka_unit_test(a_damaged_block_is_named),
		cmocka_unit_test(a_damaged_header_or_offset_is_found),
		cmocka_unit_test(the_list_of_another_build_is_refused),
		cmocka_unit_test(malformed_lists_are_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
