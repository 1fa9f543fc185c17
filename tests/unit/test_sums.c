/* SHA256SUMS files: reading (and refusing malformed lines), updating one
 * output's entries while keeping the others, and checking a build against
 * published sums. */
#define _GNU_SOURCE
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
#include "image/sums.h"

static char dir[] = "/tmp/livec-test-sums-XXXXXX";
static const char *const h1 = "1111111111111111111111111111111111111111111111111111111111111111";
static const char *const h2 = "2222222222222222222222222222222222222222222222222222222222222222";
static const char *const h3 = "3333333333333333333333333333333333333333333333333333333333333333";

static char *path(const char *name)
{
	return scratch_path(dir, name);
}

static void belongs_means_the_output_or_its_layers(void **s)
{
	(void)s;
	assert_true(lv_sums_belongs("a.iso", "a.iso"));
	assert_true(lv_sums_belongs("a.iso:LIVEC/LIVEC:inner", "a.iso"));
	assert_false(lv_sums_belongs("a.iso.bak", "a.iso"));
	assert_false(lv_sums_belongs("b.iso", "a.iso"));
}

static void update_replaces_one_output_and_keeps_the_others(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	struct lv_sums first = { 0 }, second = { 0 }, back = { 0 };
	struct lv_buf text = { 0 };
	lv_sums_add(&first, "a.iso", h1);
	lv_sums_add(&first, "a.iso:boot/initrd.gz", h2);
	assert_int_equal(lv_sums_update(path("SHA256SUMS"), "a.iso", &first, &d), 0);
	lv_sums_add(&second, "b.tar", h3);
	assert_int_equal(lv_sums_update(path("SHA256SUMS"), "b.tar", &second, &d), 0);
	/* a.iso again, now without its layer: the stale layer entry goes */
	lv_sums_release(&first);
	lv_sums_add(&first, "a.iso", h2);
	assert_int_equal(lv_sums_update(path("SHA256SUMS"), "a.iso", &first, &d), 0);
	assert_int_equal(lv_read_file(path("SHA256SUMS"), &text), 0);
	char want[300];
	snprintf(want, sizeof(want), "%s  a.iso\n%s  b.tar\n", h2, h3);
	assert_string_equal(text.p, want);
	assert_int_equal(lv_sums_read(path("SHA256SUMS"), &back, &d), 0);
	assert_int_equal(back.n, 2);
	assert_string_equal(lv_sums_find(&back, "b.tar")->hex, h3);
	assert_null(lv_sums_find(&back, "a.iso:boot/initrd.gz"));
	assert_int_equal(d.errors, 0);
	lv_buf_release(&text);
	lv_sums_release(&first);
	lv_sums_release(&second);
	lv_sums_release(&back);
}

static void malformed_lines_are_errors_at_their_line(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	struct lv_sums got = { 0 };
	char text[400];
	snprintf(text, sizeof(text), "%s  ok.iso\n%s *binary.iso\nshort  x\n%.64s\n", h1, h2, h3);
	assert_int_equal(lv_write_atomic(path("bad"), text, strlen(text)), 0);
	assert_int_equal(lv_sums_read(path("bad"), &got, &d), -LVE_PARSE);
	assert_int_equal(d.errors, 2);
	assert_non_null(strstr(d.v[0].msg, "bad:3: not a SHA-256 checksum line"));
	assert_non_null(strstr(d.v[1].msg, "bad:4:"));
	assert_int_equal(got.n, 2); /* the good lines, text and binary mode */
	assert_string_equal(lv_sums_find(&got, "binary.iso")->hex, h2);
	lv_diags_release(&d);
	lv_sums_release(&got);
}

static void check_names_every_differing_missing_or_extra_artifact(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	struct lv_sums pub = { 0 }, built = { 0 };
	lv_sums_add(&pub, "a.iso", h1);
	lv_sums_add(&pub, "a.iso:LIVEC/root_fs.tgz", h2);
	lv_sums_add(&pub, "a.iso:boot/initrd.gz", h3);
	lv_sums_add(&pub, "other.tar", h3);
	lv_sums_add(&built, "a.iso", h1);
	lv_sums_add(&built, "a.iso:LIVEC/root_fs.tgz", h2);
	lv_sums_add(&built, "a.iso:boot/initrd.gz", h3);
	assert_int_equal(lv_sums_check(&pub, &built, "a.iso", &d), 0);
	assert_int_equal(d.errors, 0);

	snprintf(built.v[1].hex, sizeof(built.v[1].hex), "%s", h3); /* root_fs.tgz differs */
	lv_sums_add(&built, "a.iso:new-layer", h1);                    /* unpublished */
	assert_int_equal(lv_sums_check(&pub, &built, "a.iso", &d), -LVE_DIFFERS);
	assert_int_equal(d.errors, 2);
	assert_non_null(strstr(d.v[0].msg, "a.iso:LIVEC/root_fs.tgz differs: expected 2222"));
	assert_non_null(strstr(d.v[1].msg, "a.iso:new-layer: built, but has no published checksum"));
	lv_diags_release(&d);

	assert_int_equal(lv_sums_check(&pub, &built, "nothing.iso", &d), -LVE_DIFFERS);
	assert_non_null(strstr(d.v[0].msg, "no published checksum for 'nothing.iso'"));
	lv_diags_release(&d);
	lv_sums_release(&pub);
	lv_sums_release(&built);
}

static int setup(void **s)
{
	(void)s;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **s)
{
	(void)s;
	lv_remove_tree(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(belongs_means_the_output_or_its_layers),
		cmocka_unit_test(update_replaces_one_output_and_keeps_the_others),
		cmocka_unit_test(malformed_lines_are_errors_at_their_line),
		cmocka_unit_test(check_names_every_differing_missing_or_extra_artifact),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
