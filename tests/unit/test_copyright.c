/* Copyright file analysis and SPDX expressions: golden copyright files in
 * copyright/NAME.copyright must give copyright/NAME.expect (the expression
 * on line 1, the method as the lockfile writes it on line 2). */
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
	int ambiguous;
	char got_method[LV_LICENSE_METHOD_MAX];
	enum lv_license_method m = lv_copyright_analyse(text.p, text.len, &e, &ambiguous);
	char *got = lv_spdx_str(e);
	lv_license_method_format(m, ambiguous, got_method, sizeof(got_method));
	assert_string_equal(got, want_expr);
	assert_string_equal(got_method, want_method);
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
static void unversioned_link_takes_the_version_stated_before_it(void **s) { (void)s; golden("unversioned-link"); }
static void several_licenses_in_prose_are_all_kept_and_marked(void **s) { (void)s; golden("ambiguous"); }
static void openssl_exception_in_prose_is_a_license_ref(void **s) { (void)s; golden("prose-exception"); }
static void bison_exception_in_prose_is_spdx_with(void **s) { (void)s; golden("bison-prose"); }

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

/* ---- the hand-checked sample (license-sample/sample.txt) ---- */

/* "a | b | c | d" -> its fields (in place); returns how many. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;
	for (char *p = line; n < max && p; n++) {
		f[n] = p;
		p = strstr(p, " | ");
		if (p) {
			*p = '\0';
			p += 3;
		}
	}
	return n;
}

/* Analyses one sample entry; 1 if livec's expression and marking are
 * exactly the hand-checked ones. */
static int sample_entry_exact(const char *pkg, const char *want_expr, const char *want_mark)
{
	char path[256];
	struct lv_buf text = { 0 };
	struct lv_spdx *e = NULL;
	int ambiguous;
	snprintf(path, sizeof(path), "license-sample/%s.copyright", pkg);
	assert_int_equal(lv_read_file(path, &text), 0);
	lv_copyright_analyse(text.p, text.len, &e, &ambiguous);
	struct lv_spdx *want = lv_spdx_parse(want_expr);
	assert_non_null(want); /* the data file must hold valid SPDX */
	char *got = lv_spdx_str(e), *canon = lv_spdx_str(want);
	int exact = !strcmp(got, canon) && ambiguous == !strcmp(want_mark, "ambiguous");
	if (!exact)
		printf("  miss: %s: got %s%s, expected %s%s\n", pkg, got, ambiguous ? " (ambiguous)" : "", canon,
		       !strcmp(want_mark, "ambiguous") ? " (ambiguous)" : "");
	free(got);
	free(canon);
	lv_spdx_free(e);
	lv_spdx_free(want);
	lv_buf_release(&text);
	return exact;
}

static void sample_of_real_files_is_at_least_95_percent_exact(void **s)
{
	(void)s;
	FILE *f = fopen("license-sample/sample.txt", "r");
	char line[4096];
	int n = 0, exact = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *fld[4];
		line[strcspn(line, "\n")] = '\0';
		if (!*line || *line == '#')
			continue;
		assert_int_equal(split_fields(line, fld, 4), 4);
		n++;
		exact += sample_entry_exact(fld[0], fld[1], fld[2]);
	}
	fclose(f);
	printf("license sample: %d of %d exact (%.1f%%)\n", exact, n, 100.0 * exact / (n ? n : 1));
	assert_true(n >= 40);
	assert_true(exact * 100 >= n * 95);
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
		cmocka_unit_test(unversioned_link_takes_the_version_stated_before_it),
		cmocka_unit_test(several_licenses_in_prose_are_all_kept_and_marked),
		cmocka_unit_test(openssl_exception_in_prose_is_a_license_ref),
		cmocka_unit_test(bison_exception_in_prose_is_spdx_with),
		cmocka_unit_test(debian_short_names_map_to_spdx),
		cmocka_unit_test(spdx_expressions_round_trip),
		cmocka_unit_test(policy_and_takes_worst_or_takes_best),
		cmocka_unit_test(and_unique_drops_repeats),
		cmocka_unit_test(sample_of_real_files_is_at_least_95_percent_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
