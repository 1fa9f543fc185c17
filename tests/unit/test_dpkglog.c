#define _GNU_SOURCE
/* dpkg's output read back (dpkglog.c): the failed package, its script and
 * its output are named, not the batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "build/dpkglog.h"

static const char script_failure[] =
	"Preparing to unpack .../lvo-a.deb ...\n"
	"Unpacking lvo-a (1.0) ...\n"
	"Setting up lvo-b (1.0) ...\n"
	"Setting up lvo-a (1.0) ...\n"
	"lvo-a: line one\n"
	"lvo-a: cannot find /etc/lvo-b.conf\n"
	"dpkg: error processing package lvo-a (--configure):\n"
	" installed lvo-a package post-installation script subprocess returned error exit status 3\n"
	"dpkg: dependency problems prevent configuration of lvo-c:\n"
	" lvo-c depends on lvo-a; however:\n"
	"  Package lvo-a is not configured yet.\n"
	"\n"
	"dpkg: error processing package lvo-c (--configure):\n"
	" dependency problems - leaving unconfigured\n"
	"Errors were encountered while processing:\n"
	" lvo-a\n"
	" lvo-c\n";

static void a_failed_postinst_names_package_script_status_and_output(void **s)
{
	(void)s;
	struct lv_diags d = { 0 };
	assert_int_equal(lv_dpkg_explain(script_failure, strlen(script_failure), &d), 1);
	assert_int_equal(d.errors, 1);
	const char *m = d.v[0].msg;
	assert_non_null(strstr(m, "package 'lvo-a': its postinst failed with exit status 3"));
	assert_non_null(strstr(m, "    lvo-a: cannot find /etc/lvo-b.conf"));
	assert_non_null(strstr(m, "    lvo-a: line one\n"));
	assert_null(strstr(m, "Setting up")); /* only the script's own output */
	assert_null(strstr(m, "lvo-c"));      /* the victim is not the culprit */
	lv_diags_release(&d);
}

static void a_dependency_problem_names_the_first_package_and_why(void **s)
{
	(void)s;
	const char *dep = strstr(script_failure, "dpkg: dependency problems");
	struct lv_diags d = { 0 };
	assert_int_equal(lv_dpkg_explain(dep, strlen(dep), &d), 1);
	assert_non_null(strstr(d.v[0].msg, "package 'lvo-c' could not be configured:\n"));
	assert_non_null(strstr(d.v[0].msg, "lvo-c depends on lvo-a; however:"));
	assert_non_null(strstr(d.v[0].msg, "Package lvo-a is not configured yet."));
	lv_diags_release(&d);
}

static void a_preinst_failure_while_unpacking(void **s)
{
	(void)s;
	static const char text[] =
		"Preparing to unpack .../lvo-p.deb ...\n"
		"refusing: disk full\n"
		"dpkg: error processing archive /var/cache/livec/debs/lvo-p.deb (--unpack):\n"
		" new lvo-p package pre-installation script subprocess returned error exit status 1\n";
	struct lv_diags d = { 0 };
	/* dpkg names the archive there; the package is on the next line */
	assert_int_equal(lv_dpkg_explain(text, strlen(text), &d), 1);
	assert_non_null(strstr(d.v[0].msg, "package 'lvo-p': its preinst failed with exit status 1"));
	assert_non_null(strstr(d.v[0].msg, "    refusing: disk full"));
	lv_diags_release(&d);
}

static void output_without_a_failure_says_nothing(void **s)
{
	(void)s;
	static const char text[] = "Setting up lvo-a (1.0) ...\nProcessing triggers for libc-bin ...\n";
	struct lv_diags d = { 0 };
	assert_int_equal(lv_dpkg_explain(text, strlen(text), &d), 0);
	assert_int_equal(d.n, 0);
	lv_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_failed_postinst_names_package_script_status_and_output),
		cmocka_unit_test(a_dependency_problem_names_the_first_package_and_why),
		cmocka_unit_test(a_preinst_failure_while_unpacking),
		cmocka_unit_test(output_without_a_failure_says_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
