/* The cloop writer and reader: round trips, the block size limits, output
 * independent of the thread count, and clear errors on damaged files. */
#define _GNU_SOURCE
#include <errno.h>
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
#include "image/cloop.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/sha256.h"

static char dir[] = "/tmp/livec-test-cloop-XXXXXX";

static char *path(const char *name)
{
	return scratch_path(dir, name);
}

static void make_input(const char *name, size_t size, int random)
{
	unsigned char *b = malloc(size ? size : 1);
	uint32_t x = 12345;
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245 + 12345;
		b[i] = random ? (unsigned char)(x >> 16) : (unsigned char)("livec"[i % 5]);
	}
	assert_int_equal(lv_write_atomic(path(name), b, size), 0);
	free(b);
}

/* text-like data: words picked at random, where xz beats zlib */
static void make_words(const char *name, size_t size)
{
	static const char *const words[] = { "cloop ", "block ", "livec ", "image ", "debian ", "tmpfs ",
					     "root\n", "initrd ", "isolinux ", "squash ", "reproducible " };
	struct lv_buf b = { 0 };
	uint32_t x = 777;
	while (b.len < size) {
		x = x * 1103515245 + 12345;
		lv_buf_printf(&b, "%s", words[(x >> 16) % 11]);
	}
	assert_int_equal(lv_write_atomic(path(name), b.p, size), 0);
	lv_buf_release(&b);
}

/* in -> cloop -> out: out is in, zero-padded to whole blocks */
/* random: 0 repetitive, 1 random bytes, 2 random words */
static void round_trip_with(int compressor, size_t size, uint32_t bs, int random, unsigned threads)
{
	struct lv_diags d = { 0 };
	struct lv_cloop_opts o = { .block_size = bs, .compressor = compressor, .level = 6, .threads = threads };
	struct lv_buf a = { 0 }, b = { 0 };
	struct lv_cloop_info info;

	if (random == 2)
		make_words("in", size);
	else
		make_input("in", size, random);
	assert_int_equal(lv_cloop_write(path("in"), path("c"), &o, &d), 0);
	assert_int_equal(lv_cloop_info(path("c"), &info, &d), 0);
	assert_int_equal(info.block_size, bs);
	assert_int_equal(info.num_blocks, (size + bs - 1) / bs);
	assert_int_equal(lv_cloop_extract(path("c"), path("out"), &d), 0);
	assert_int_equal(lv_read_file(path("in"), &a), 0);
	assert_int_equal(lv_read_file(path("out"), &b), 0);
	assert_int_equal(b.len, (size_t)info.num_blocks * bs);
	assert_memory_equal(a.p, b.p, size);
	for (size_t i = size; i < b.len; i++)
		assert_int_equal(b.p[i], 0);
	assert_int_equal(d.errors, 0);
	lv_buf_release(&a);
	lv_buf_release(&b);
}

static void round_trip(size_t size, uint32_t bs, int random, unsigned threads)
{
	round_trip_with(LV_CLOOP_ZLIB, size, bs, random, threads);
}

static void random_data_round_trips(void **s)
{
	(void)s;
	round_trip(3 * 65536 + 1000, 65536, 1, 2);
}

static void compressible_data_round_trips_and_shrinks(void **s)
{
	(void)s;
	struct lv_cloop_info info;
	struct lv_diags d = { 0 };
	round_trip(2u << 20, 131072, 0, 2);
	assert_int_equal(lv_cloop_info(path("c"), &info, &d), 0);
	assert_true(info.compressed_size < (2u << 20) / 20);
}

static void smallest_and_largest_block_sizes(void **s)
{
	(void)s;
	round_trip(10 * 512 + 3, 512, 1, 1);
	round_trip((1u << 20) * 2 + 17, 1u << 20, 0, 2);
}

static void empty_input_gives_an_empty_image(void **s)
{
	(void)s;
	round_trip(0, 4096, 0, 1);
}

static void bytes_do_not_depend_on_threads(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	make_input("in", 700 * 1024 + 5, 1);
	struct lv_cloop_opts one = { .block_size = 16384, .level = 9, .threads = 1 };
	struct lv_cloop_opts four = { .block_size = 16384, .level = 9, .threads = 4 };
	assert_int_equal(lv_cloop_write(path("in"), path("c1"), &one, &d), 0);
	assert_int_equal(lv_cloop_write(path("in"), path("c4"), &four, &d), 0);
	assert_files_equal(path("c1"), path("c4"));
}

/* The image's SHA-256 taken while writing (its blocks held back until the
 * index is known) is the file's; held back with no room, it is not taken,
 * and the bytes are the same either way. */
static void sha256_while_writing_is_the_files(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	char held[LV_SHA256_HEX] = "x", streamed[LV_SHA256_HEX] = "x", file[LV_SHA256_HEX];
	make_input("in", 900 * 1024 + 7, 1);
	struct lv_cloop_opts o = { .block_size = 16384, .level = 6, .threads = 2, .sha256 = held };
	assert_int_equal(lv_cloop_write(path("in"), path("c1"), &o, &d), 0);
	assert_int_equal(lv_sha256_file(path("c1"), file, NULL), 0);
	assert_string_equal(held, file);
	/* room for a few blocks only: written as they come, not hashed */
	o.sha256 = streamed;
	o.hold = 3 * 16384;
	assert_int_equal(lv_cloop_write(path("in"), path("c2"), &o, &d), 0);
	assert_string_equal(streamed, "");
	assert_files_equal(path("c1"), path("c2"));
	/* more blocks than a batch (256), and xz (V4: the kind in the index) */
	make_input("in", 300 * 4096 + 11, 0);
	struct lv_cloop_opts x = { .block_size = 4096, .compressor = LV_CLOOP_XZ, .level = 1, .threads = 2,
				   .sha256 = held };
	assert_int_equal(lv_cloop_write(path("in"), path("c3"), &x, &d), 0);
	assert_int_equal(lv_sha256_file(path("c3"), file, NULL), 0);
	assert_string_equal(held, file);
}

static void bad_block_sizes_are_refused(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	make_input("in", 1000, 1);
	struct lv_cloop_opts o = { .block_size = 1000, .level = 9 };
	assert_int_equal(lv_cloop_write(path("in"), path("c"), &o, &d), -EINVAL);
	o.block_size = 2u << 20;
	assert_int_equal(lv_cloop_write(path("in"), path("c"), &o, &d), -EINVAL);
	assert_int_equal(d.errors, 2);
	lv_diags_release(&d);
}

static void truncated_and_corrupted_images_fail_cleanly(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	struct lv_buf c = { 0 };
	round_trip(5 * 4096, 4096, 1, 1);
	assert_int_equal(lv_read_file(path("c"), &c), 0);
	/* truncated in the last block */
	assert_int_equal(lv_write_atomic(path("t"), c.p, c.len - 100), 0);
	assert_true(lv_cloop_extract(path("t"), path("o"), &d) < 0);
	assert_false(lv_exists(path("o")));
	/* truncated inside the index */
	assert_int_equal(lv_write_atomic(path("t"), c.p, 140), 0);
	assert_true(lv_cloop_info(path("t"), &(struct lv_cloop_info){ 0 }, &d) < 0);
	/* a flipped byte inside a block */
	c.p[c.len - 50] ^= 0x55;
	assert_int_equal(lv_write_atomic(path("t"), c.p, c.len), 0);
	assert_true(lv_cloop_extract(path("t"), path("o"), &d) < 0);
	/* not a cloop file at all */
	assert_int_equal(lv_write_atomic(path("t"), "hello", 5), 0);
	assert_true(lv_cloop_info(path("t"), &(struct lv_cloop_info){ 0 }, &d) < 0);
	assert_true(d.errors >= 4);
	lv_diags_release(&d);
	lv_buf_release(&c);
}

static void xz_is_v4_and_smaller_than_zlib(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	struct lv_cloop_info zi, xi;
	round_trip_with(LV_CLOOP_ZLIB, 2u << 20, 65536, 2, 2);
	assert_int_equal(lv_cloop_info(path("c"), &zi, &d), 0);
	round_trip_with(LV_CLOOP_XZ, 2u << 20, 65536, 2, 2);
	assert_int_equal(lv_cloop_info(path("c"), &xi, &d), 0);
	assert_string_equal(zi.version, "2.0");
	assert_string_equal(xi.version, "4.0");
	assert_int_equal(xi.blocks_by_kind[LV_CLOOP_XZ], xi.num_blocks);
	assert_true(xi.compressed_size < zi.compressed_size);
	round_trip_with(LV_CLOOP_XZ, 1u << 20, 1u << 20, 0, 1); /* the largest block */
}

static void xz_stores_what_does_not_shrink(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	struct lv_cloop_info info;
	round_trip_with(LV_CLOOP_XZ, 5 * 4096, 4096, 1, 2);
	assert_int_equal(lv_cloop_info(path("c"), &info, &d), 0);
	assert_int_equal(info.blocks_by_kind[LV_CLOOP_NONE], info.num_blocks);
}

static void xz_bytes_do_not_depend_on_threads(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	make_input("in", 300 * 1024 + 5, 0);
	struct lv_cloop_opts one = { .block_size = 16384, .compressor = LV_CLOOP_XZ, .level = 6, .threads = 1 };
	struct lv_cloop_opts three = one;
	three.threads = 3;
	assert_int_equal(lv_cloop_write(path("in"), path("c1"), &one, &d), 0);
	assert_int_equal(lv_cloop_write(path("in"), path("c3"), &three, &d), 0);
	assert_files_equal(path("c1"), path("c3"));
}

static void corrupted_xz_block_fails_cleanly(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	struct lv_buf c = { 0 };
	round_trip_with(LV_CLOOP_XZ, 4 * 4096, 4096, 0, 1);
	assert_int_equal(lv_read_file(path("c"), &c), 0);
	c.p[c.len - 20] ^= 0x55; /* inside the last block's xz stream */
	assert_int_equal(lv_write_atomic(path("t"), c.p, c.len), 0);
	assert_true(lv_cloop_extract(path("t"), path("o"), &d) < 0);
	assert_false(lv_exists(path("o")));
	assert_int_equal(d.errors, 1);
	lv_diags_release(&d);
	lv_buf_release(&c);
}

static void levels_out_of_range_are_refused(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	make_input("in", 1000, 1);
	struct lv_cloop_opts o = { .block_size = 4096, .level = 13 };
	assert_int_equal(lv_cloop_write(path("in"), path("c"), &o, &d), -EINVAL);
	o.level = 12;
	assert_int_equal(lv_cloop_write(path("in"), path("c"), &o, &d), 0);
	o.compressor = LV_CLOOP_XZ;
	o.level = 10;
	assert_int_equal(lv_cloop_write(path("in"), path("c"), &o, &d), -EINVAL);
	assert_int_equal(d.errors, 2);
	lv_diags_release(&d);
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
		cmocka_unit_test(random_data_round_trips),
		cmocka_unit_test(compressible_data_round_trips_and_shrinks),
		cmocka_unit_test(smallest_and_largest_block_sizes),
		cmocka_unit_test(empty_input_gives_an_empty_image),
		cmocka_unit_test(bytes_do_not_depend_on_threads),
		cmocka_unit_test(sha256_while_writing_is_the_files),
		cmocka_unit_test(bad_block_sizes_are_refused),
		cmocka_unit_test(truncated_and_corrupted_images_fail_cleanly),
		cmocka_unit_test(xz_is_v4_and_smaller_than_zlib),
		cmocka_unit_test(xz_stores_what_does_not_shrink),
		cmocka_unit_test(xz_bytes_do_not_depend_on_threads),
		cmocka_unit_test(corrupted_xz_block_fails_cleanly),
		cmocka_unit_test(levels_out_of_range_are_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
