/* SHA-256 against the FIPS 180-4 example vectors, and across update splits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/sha256.h"

static void known_vectors(void **s)
{
	(void)s;
	char h[LV_SHA256_HEX];
	lv_sha256_buf("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	lv_sha256_buf("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	lv_sha256_buf(two, strlen(two), h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void split_updates_give_the_same_hash(void **s)
{
	(void)s;
	char data[1000], one[LV_SHA256_HEX], many[LV_SHA256_HEX];
	struct lv_sha256 st;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	lv_sha256_buf(data, sizeof(data), one);
	lv_sha256_init(&st);
	for (size_t i = 0; i < sizeof(data); i += 13)
		lv_sha256_update(&st, data + i, sizeof(data) - i < 13 ? sizeof(data) - i : 13);
	lv_sha256_hex(&st, many);
	assert_string_equal(one, many);
	assert_true(lv_sha256_valid(one));
	assert_false(lv_sha256_valid("ABC"));
}

/* The CPU's rounds (SHA extensions where there are) and the portable ones
 * agree on every length around the block and padding edges, and on a
 * megabyte hashed in odd pieces. */
static void fast_and_portable_rounds_agree(void **s)
{
	(void)s;
	static unsigned char data[1 << 20];
	char fast[LV_SHA256_HEX], slow[LV_SHA256_HEX];
	uint32_t x = 1;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)((x = x * 1103515245u + 12345u) >> 24);
	size_t lengths[] = { 0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, sizeof(data) };
	for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++) {
		lv_sha256_use_generic(0);
		lv_sha256_buf(data, lengths[k], fast);
		lv_sha256_use_generic(1);
		lv_sha256_buf(data, lengths[k], slow);
		assert_string_equal(fast, slow);
	}
	struct lv_sha256 st;
	lv_sha256_use_generic(0);
	lv_sha256_init(&st);
	for (size_t i = 0; i < sizeof(data); i += 4093)
		lv_sha256_update(&st, data + i, sizeof(data) - i < 4093 ? sizeof(data) - i : 4093);
	lv_sha256_hex(&st, fast);
	assert_string_equal(fast, slow);
	lv_sha256_use_generic(0);
}

int main(void)
{
	/* the vectors on both code paths */
	int fast = lv_sha256_use_generic(0);
	print_message("sha256: the CPU's rounds are %s\n", fast ? "the SHA extensions" : "the portable ones");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_vectors),
		cmocka_unit_test(split_updates_give_the_same_hash),
		cmocka_unit_test(fast_and_portable_rounds_agree),
	};
	lv_sha256_use_generic(1);
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	lv_sha256_use_generic(0);
	return r | cmocka_run_group_tests(tests, NULL, NULL);
}
