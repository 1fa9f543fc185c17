#define _POSIX_C_SOURCE 200809L
/* Mirror discovery from APT sources (sources.c), on the fixture in apt/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "sources.h"

static void deb822_sources_give_mirror_and_security(void **s)
{
	(void)s;
	char *m = NULL, *sec = NULL;
	lv_sources_host("apt", "bookworm", &m, &sec);
	assert_string_equal(m, "http://mirror.invalid/debian"); /* disabled entry skipped, slash trimmed */
	assert_string_equal(sec, "http://security.invalid/debian-security");
	free(m);
	free(sec);
}

static void one_line_sources_with_options_are_read(void **s)
{
	(void)s;
	char *m = NULL, *sec = NULL;
	lv_sources_host("apt", "trixie", &m, &sec);
	assert_string_equal(m, "http://oneline.invalid/debian");
	assert_string_equal(sec, "http://oneline.invalid/debian-security");
	free(m);
	free(sec);
	lv_sources_host("apt", "sid", &m, &sec); /* only in a file APT would ignore */
	assert_null(m);
	assert_null(sec);
}

static void manifest_then_environment_then_host(void **s)
{
	(void)s;
	char *m = NULL, *sec = NULL;
	struct lv_diags d = { 0 };
	setenv("LIVEC_APT_ETC", "apt", 1);
	unsetenv("LIVEC_SECURITY_MIRROR");
	setenv("LIVEC_MIRROR", "http://env.invalid/debian", 1);
	assert_int_equal(lv_sources_pick("http://manifest.invalid/debian/", NULL, "bookworm", &m, &sec, &d), 0);
	assert_string_equal(m, "http://manifest.invalid/debian");
	assert_string_equal(sec, "http://manifest.invalid/debian-security");
	free(m);
	free(sec);
	assert_int_equal(lv_sources_pick(NULL, NULL, "bookworm", &m, &sec, &d), 0);
	assert_string_equal(m, "http://env.invalid/debian");
	free(m);
	free(sec);
	unsetenv("LIVEC_MIRROR");
	assert_int_equal(lv_sources_pick(NULL, NULL, "bookworm", &m, &sec, &d), 0);
	assert_string_equal(m, "http://mirror.invalid/debian");
	assert_string_equal(sec, "http://security.invalid/debian-security");
	free(m);
	free(sec);
	assert_int_equal(lv_sources_pick(NULL, NULL, "sid", &m, &sec, &d), -LVE_NOMIRROR);
	assert_int_equal(d.errors, 1);
	lv_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deb822_sources_give_mirror_and_security),
		cmocka_unit_test(one_line_sources_with_options_are_read),
		cmocka_unit_test(manifest_then_environment_then_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
