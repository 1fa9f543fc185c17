/* livec run --timings: the boot's phases from the serial console, fed in
 * pieces as QEMU writes them, with the host's clock. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "run/timings.h"

static void feed(struct lv_boot_timings *t, double now, const char *s)
{
	lv_timings_feed(t, now, s, strlen(s));
}

static void a_livec_boot_is_split_into_its_five_phases(void **s)
{
	(void)s;
	struct lv_boot_timings t;
	struct lv_buf out = { 0 };
	lv_timings_init(&t);
	feed(&t, 0.5, "\r\nISOLINUX 6.04 20250413  Copyright (C) 1994-2015 H. Peter Anvin et al\r\nboot: ");
	feed(&t, 9.0, "livec: init started, 3");          /* a line in two pieces */
	feed(&t, 9.1, ".10 s after the kernel\r\nlivec: loading modules\r\n");
	feed(&t, 17.1, "livec: starting /sbin/init\r\n");
	feed(&t, 30.0, "\r\nDebian GNU/Linux 13 livec ttyS0\r\n\r\nlivec login: ");
	feed(&t, 30.1, "live (automatic login)\r\n");
	assert_true(lv_timings_done(&t));
	lv_timings_report(&t, &out);
	assert_non_null(strstr(out.p, "  firmware                              0.5 s"));
	assert_non_null(strstr(out.p, "  loader                                5.5 s"));
	assert_non_null(strstr(out.p, "  kernel                                3.1 s"));
	assert_non_null(strstr(out.p, "  init                                  8.0 s"));
	assert_non_null(strstr(out.p, "  userspace                            12.9 s"));
	assert_non_null(strstr(out.p, "  total, to the login prompt           30.0 s"));
	lv_buf_release(&out);
}

static void an_image_without_livecs_init_gets_one_span_from_loader_to_prompt(void **s)
{
	(void)s;
	struct lv_boot_timings t;
	struct lv_buf out = { 0 };
	lv_timings_init(&t);
	feed(&t, 0.4, "ISOLINUX 6.04\r\n");
	feed(&t, 41.0, "debian login: root (automatic login)\r\n");
	lv_timings_report(&t, &out);
	assert_non_null(strstr(out.p, "  loader + kernel + init + userspace   40.6 s   (not told apart"));
	assert_non_null(strstr(out.p, "  total, to the login prompt           41.0 s"));
	lv_buf_release(&out);
}

static void no_prompt_is_said(void **s)
{
	(void)s;
	struct lv_boot_timings t;
	struct lv_buf out = { 0 };
	lv_timings_init(&t);
	feed(&t, 1.0, "livec: init started, 2.00 s after the kernel\n");
	assert_false(lv_timings_done(&t));
	lv_timings_report(&t, &out);
	assert_non_null(strstr(out.p, "  no login prompt seen: init + userspace not measured"));
	lv_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_livec_boot_is_split_into_its_five_phases),
		cmocka_unit_test(an_image_without_livecs_init_gets_one_span_from_loader_to_prompt),
		cmocka_unit_test(no_prompt_is_said),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
