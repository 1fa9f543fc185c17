/* Copyright file analysis and SPDX expressions: golden copyright files in
 * copyright/NAME.copyright must give copyright/NAME.expect (the expression
 * on line 1, the method on line 2). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "license/copyright.h"
#include "base/fsutil.h"
#include "license/spdx.h"

static void golden(const char *name)
{
	char in[256], exp[256], want_expr[2048], want_method[64];
	struct lv_buf text = { 0 };
	struct lv_spdx *e = NULL;

	snprintf(in, sizeof(in), "copyright/%s.copyright", name);
	snprintf(exp, sizeof(exp), "copyright/%s.expect", name);
	assert_int_equal(lv_read_file(in, &text), 0);
	FILE *f = fopen(exp, "r");
	assert_non_null(f);
	assert_non_null(fgets(want_expr, sizeof(want_expr), f));
	assert_non_null(fgets(want_method, sizeof(want_method), f));
	fclose(f);
	want_expr[strcspn(want_expr, "\n")] = '\0';
	want_method[strcspn(want_method, "\n")] = '\0';
	enum lv_license_method m = lv_copyright_analyse(text.p, text.len, &e);
	char *got = lv_spdx_str(e);
	assert_string_equal(got, want_expr);
	assert_string_equal(lv_license_method_name(m), want_method);
	free(got);
	lv_spdx_free(e);
	lv_buf_release(&text);
}

static void comma_lowers_precedence_and_globs_span_lines(void **s) { (void)s; golden("comma"); }
static void exceptions_map_to_with_or_to_a_ref(void **s) { (void)s; golden("exception"); }
static void perl_means_gpl_or_artistic(void **s) { (void)s; golden("perl"); }
static void common_licenses_reference_with_or_later(void **s) { (void)s; golden("common"); }
static void well_known_text_is_recognised(void **s) { (void)s; golden("mit"); }
static void nothing_recognisable_is_noassertion(void **s) { (void)s; golden("nothing"); }
static void header_license_when_no_files_paragraph(void **s) { (void)s; golden("header-only"); }

static void debian_short_names_map_to_spdx(void **s)
{
	(void)s;
	static const char *const cases[][2] = {
		{ "GPL-2", "GPL-2.0-only" },        { "GPL-2+", "GPL-2.0-or-later" },
		{ "GPL-3.0+", "GPL-3.0-or-later" }, { "LGPL-2.1", "LGPL-2.1-only" },
		{ "LGPL-2+", "LGPL-2.0-or-later" }, { "AGPL-3+", "AGPL-3.0-or-later" },
		{ "Expat", "MIT" },                 { "BSD-3-clause", "BSD-3-Clause" },
		{ "zlib", "Zlib" },                 { "Apache-2.0", "Apache-2.0" },
		{ "public-domain", "LicenseRef-Debian-public-domain" },
		{ "Perl", "GPL-1.0-or-later OR Artistic-1.0-Perl" },
		{ "BSD-2-clause-NetBSD", "LicenseRef-Debian-BSD-2-clause-NetBSD" },
		{ "ISC+IBM", "LicenseRef-Debian-ISC-IBM" },
		{ "Custom+", "LicenseRef-Debian-Custom-or-later" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lv_spdx *e = lv_debian_license(cases[i][0], NULL);
		char *got = lv_spdx_str(e);
		assert_string_equal(got, cases[i][1]);
		free(got);
		lv_spdx_free(e);
	}
}

static void spdx_expressions_round_trip(void **s)
{
	(void)s;
	static const char *const ok[][2] = {
		{ "MIT", "MIT" },
		{ "(MIT OR Zlib) AND GPL-2.0-only", "(MIT OR Zlib) AND GPL-2.0-only" },
		{ "MIT OR Zlib AND GPL-2.0-only", "MIT OR Zlib AND GPL-2.0-only" },
		{ "((MIT))", "MIT" },
		{ "GPL-2.0-or-later WITH Linux-syscall-note OR MIT", "GPL-2.0-or-later WITH Linux-syscall-note OR MIT" },
		{ "a and b or c", "a AND b OR c" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct lv_spdx *e = lv_spdx_parse(ok[i][0]);
		assert_non_null(e);
		char *t = lv_spdx_str(e);
		assert_string_equal(t, ok[i][1]);
		free(t);
		lv_spdx_free(e);
	}
	static const char *const bad[] = { "", "MIT AND", "(MIT", "MIT)", "AND MIT", "MIT WITH", "a b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(lv_spdx_parse(bad[i]));
}

static enum lv_verdict deny_gpl3(const char *id, const char *with, void *ud)
{
	(void)with;
	(void)ud;
	return !strcmp(id, "GPL-3.0-or-later") ? LV_DENY : !strcmp(id, "AGPL-3.0-only") ? LV_REVIEW : LV_OK;
}

static void policy_and_takes_worst_or_takes_best(void **s)
{
	(void)s;
	struct lv_spdx *a = lv_spdx_parse("MIT AND GPL-3.0-or-later");
	struct lv_spdx *b = lv_spdx_parse("MIT OR GPL-3.0-or-later");
	struct lv_spdx *c = lv_spdx_parse("AGPL-3.0-only OR GPL-3.0-or-later");
	assert_int_equal(lv_spdx_eval(a, deny_gpl3, NULL), LV_DENY);
	assert_int_equal(lv_spdx_eval(b, deny_gpl3, NULL), LV_OK);
	assert_int_equal(lv_spdx_eval(c, deny_gpl3, NULL), LV_REVIEW);
	lv_spdx_free(a);
	lv_spdx_free(b);
	lv_spdx_free(c);
}

static void and_unique_drops_repeats(void **s)
{
	(void)s;
	struct lv_spdx *e = lv_spdx_and_unique(lv_spdx_parse("MIT AND Zlib"), lv_spdx_parse("Zlib AND ISC"));
	char *t = lv_spdx_str(e);
	assert_string_equal(t, "MIT AND Zlib AND ISC");
	free(t);
	lv_spdx_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(comma_lowers_precedence_and_globs_span_lines),
		cmocka_unit_test(exceptions_map_to_with_or_to_a_ref),
		cmocka_unit_test(perl_means_gpl_or_artistic),
		cmocka_unit_test(common_licenses_reference_with_or_later),
		cmocka_unit_test(well_known_text_is_recognised),
		cmocka_unit_test(nothing_recognisable_is_noassertion),
		cmocka_unit_test(header_license_when_no_files_paragraph),
		cmocka_unit_test(debian_short_names_map_to_spdx),
		cmocka_unit_test(spdx_expressions_round_trip),
		cmocka_unit_test(policy_and_takes_worst_or_takes_best),
		cmocka_unit_test(and_unique_drops_repeats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
