#define _POSIX_C_SOURCE 200809L
/* Mirror discovery from APT sources (sources.c), on the fixture in apt/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "repo/sources.h"

static void deb822_sources_give_mirror_and_security(void **s)
{
	(void)s;
	char *m = NULL, *sec = NULL, *via = NULL;
	lv_sources_host("apt", "bookworm", &m, &sec, &via);
	/* a third party's "bookworm" skipped, the disabled entry skipped, the slash trimmed */
	assert_string_equal(m, "http://mirror.invalid/debian");
	assert_string_equal(sec, "http://security.invalid/debian-security");
	assert_null(via);
	free(m);
	free(sec);
}

static void one_line_sources_with_options_are_read(void **s)
{
	(void)s;
	char *m = NULL, *sec = NULL, *via = NULL;
	lv_sources_host("apt", "trixie", &m, &sec, &via);
	assert_string_equal(m, "http://oneline.invalid/debian");
	assert_string_equal(sec, "http://oneline.invalid/debian-security");
	assert_null(via);
	free(m);
	free(sec);
}

static void another_debian_suite_lends_its_mirror(void **s)
{
	(void)s;
	char *m = NULL, *sec = NULL, *via = NULL;
	/* forky is named nowhere (sid only in a file APT would ignore): the
	 * first Debian source (sources.list comes first, as in APT) lends its
	 * URI, the first security source its own */
	lv_sources_host("apt", "forky", &m, &sec, &via);
	assert_string_equal(m, "http://oneline.invalid/debian");
	assert_string_equal(sec, "http://oneline.invalid/debian-security");
	assert_string_equal(via, "trixie");
	free(m);
	free(sec);
	free(via);
}

static void a_source_of_another_distribution_lends_nothing(void **s)
{
	(void)s;
	char *m = NULL, *sec = NULL, *via = NULL;
	lv_sources_host("apt-other", "trixie", &m, &sec, &via);
	assert_null(m);
	assert_null(sec);
	assert_null(via);
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
	assert_int_equal(lv_sources_pick(NULL, NULL, "sid", &m, &sec, &d), 0);
	assert_string_equal(m, "http://oneline.invalid/debian");
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.n, 1); /* one line says whose mirror it borrowed */
	assert_non_null(strstr(d.v[0].msg, "'trixie'"));
	free(m);
	free(sec);
	setenv("LIVEC_APT_ETC", "apt-other", 1);
	assert_int_equal(lv_sources_pick(NULL, NULL, "trixie", &m, &sec, &d), -LVE_NOMIRROR);
	assert_int_equal(d.errors, 1);
	lv_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deb822_sources_give_mirror_and_security),
		cmocka_unit_test(one_line_sources_with_options_are_read),
		cmocka_unit_test(another_debian_suite_lends_its_mirror),
		cmocka_unit_test(a_source_of_another_distribution_lends_nothing),
		cmocka_unit_test(manifest_then_environment_then_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
