/* Debian version ordering (Policy §5.6.12), including the cases dpkg's own
 * test suite is careful about: '~', epochs, revisions, leading zeros. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "debver.h"

#define LT(a, b) assert_true(lv_debver_cmp(a, b) < 0 && lv_debver_cmp(b, a) > 0)
#define EQ(a, b) assert_int_equal(lv_debver_cmp(a, b), 0)

static void tilde_sorts_before_everything(void **s)
{
	(void)s;
	LT("1.0~rc1", "1.0");
	LT("1.0~~", "1.0~");
	LT("1.0~rc1-1", "1.0-1");
	LT("2.30~rc2-1", "2.30-1");
}

static void epoch_wins_over_upstream(void **s)
{
	(void)s;
	LT("9.9", "1:0.1");
	LT("1:1.0", "2:0.5");
	EQ("0:1.0", "1.0");
}

static void digits_compare_as_numbers(void **s)
{
	(void)s;
	LT("1.9", "1.10");
	EQ("1.010", "1.10");
	LT("1.2.3", "1.2.10");
	LT("5.2.15-2", "5.2.15-2+b2");
}

static void letters_sort_before_other_characters(void **s)
{
	(void)s;
	LT("1.0a", "1.0+");
	LT("1.0a", "1.0b");
	LT("1.0", "1.0a");
	LT("1.0-1", "1.0-1.1");
}

static void revisions_compare_after_upstream(void **s)
{
	(void)s;
	LT("1.0-1", "1.0-2");
	LT("1.0-9", "1.0-10");
	LT("1.0", "1.0-1");
	LT("6.1.0-1+deb12u1", "6.1.0-1+deb12u2");
	LT("252.36-1~deb12u1", "252.39-1~deb12u2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tilde_sorts_before_everything),
		cmocka_unit_test(epoch_wins_over_upstream),
		cmocka_unit_test(digits_compare_as_numbers),
		cmocka_unit_test(letters_sort_before_other_characters),
		cmocka_unit_test(revisions_compare_after_upstream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
