/* The manifest reader's diagnostics, checked against golden files: each
 * manifests/NAME.yaml must produce exactly manifests/NAME.err.  Set
 * LIVEC_UPDATE_GOLDEN=1 to rewrite the .err files after a deliberate change
 * (and review the diff). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "manifest/manifest.h"

static void check_golden(const char *name)
{
	char yaml[256], golden[256];
	struct lv_manifest m;
	struct lv_diags d = { 0 };
	char *out = NULL;
	size_t outlen = 0;

	snprintf(yaml, sizeof(yaml), "manifests/%s.yaml", name);
	snprintf(golden, sizeof(golden), "manifests/%s.err", name);
	int r = lv_manifest_load(yaml, &m, &d);
	assert_int_equal(r, -LVE_MANIFEST);
	FILE *f = open_memstream(&out, &outlen);
	lv_diags_print(f, &d, 0);
	fclose(f);
	if (getenv("LIVEC_UPDATE_GOLDEN"))
		lv_write_atomic(golden, out, outlen);
	struct lv_buf want = { 0 };
	assert_int_equal(lv_read_file(golden, &want), 0);
	assert_string_equal(out, want.p);
	lv_buf_release(&want);
	free(out);
	lv_diags_release(&d);
	lv_manifest_release(&m);
}

static void a_session_names_a_user_a_window_manager_and_packages(void **state)
{
	(void)state;
	check_golden("session");
}

static void components_are_archive_directory_names(void **state)
{
	(void)state;
	check_golden("components"); /* image.kernel is accepted: no error for it */
}

static void boot_settings_are_checked_where_they_reach_loaders(void **state)
{
	(void)state;
	check_golden("boot"); /* label, kernel options, firmware */
}

static void misspelt_keys_suggest_the_right_one(void **state)
{
	(void)state;
	check_golden("misspelt");
}

static void wrong_types_and_bad_values_are_all_reported(void **state)
{
	(void)state;
	check_golden("types");
}

static void duplicate_keys_are_errors(void **state)
{
	(void)state;
	check_golden("duplicate");
}

static void yaml_syntax_errors_point_at_the_problem(void **state)
{
	(void)state;
	check_golden("syntax");
}

static void missing_name_and_unknown_architecture(void **state)
{
	(void)state;
	check_golden("missing");
}

static void error_limit_stops_collecting(void **state)
{
	(void)state;
	struct lv_manifest m;
	struct lv_diags d = { .limit = 3 };
	assert_int_equal(lv_manifest_load("manifests/types.yaml", &m, &d), -LVE_MANIFEST);
	assert_int_equal(d.errors, 3);
	assert_true(d.dropped > 0);
	lv_diags_release(&d);
	lv_manifest_release(&m);
}

static void a_good_manifest_loads_with_defaults(void **state)
{
	(void)state;
	struct lv_manifest m;
	struct lv_diags d = { 0 };
	assert_int_equal(lv_manifest_load("manifests/good.yaml", &m, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_string_equal(m.name, "good");
	assert_string_equal(m.dist.suite, "bookworm");
	assert_string_equal(m.dist.architecture, "amd64");
	assert_int_equal(m.dist.components.n, 1);
	assert_string_equal(m.dist.components.v[0], "main");
	assert_int_equal(m.dist.updates, -1);
	assert_int_equal(m.dist.security, 0);
	assert_int_equal(m.pkgs.variant, LV_VARIANT_IMPORTANT);
	assert_int_equal(m.pkgs.install.n, 2);
	assert_string_equal(m.pkgs.install.v[1].name, "bash");
	assert_string_equal(m.pkgs.install.v[1].version, "5.2.15-2+b2");
	assert_int_equal(m.pkgs.install.v[1].at.line, 9);
	assert_string_equal(m.pkgs.install.v[1].at.file, "manifests/good.yaml");
	assert_null(m.pkgs.install.v[0].version);
	assert_int_equal(m.pkgs.recommends, 1);
	/* both firmwares, and the default boot set for them */
	assert_int_equal(m.image.bios, 1);
	assert_int_equal(m.image.uefi, 1);
	assert_int_equal(m.pkgs.boot.n, 5);
	assert_string_equal(m.pkgs.boot.v[0].name, "busybox-static");
	assert_string_equal(m.pkgs.boot.v[1].name, "isolinux");
	assert_string_equal(m.pkgs.boot.v[3].name, "shim-signed");
	assert_string_equal(m.pkgs.boot.v[4].name, "grub-efi-amd64-signed");
	lv_diags_release(&d);
	lv_manifest_release(&m);
}

static void package_names_follow_policy(void **state)
{
	(void)state;
	assert_true(lv_valid_pkgname("libstdc++6"));
	assert_true(lv_valid_pkgname("g++"));
	assert_true(lv_valid_pkgname("0ad"));
	assert_false(lv_valid_pkgname("a"));
	assert_false(lv_valid_pkgname("Bash"));
	assert_false(lv_valid_pkgname("-bash"));
	assert_false(lv_valid_pkgname("ba_sh"));
}

static void closest_word_is_suggested_only_when_close(void **state)
{
	(void)state;
	const char *words[] = { "install", "exclude", "variant" };
	assert_string_equal(lv_closest("instal", words, 3), "install");
	assert_string_equal(lv_closest("varient", words, 3), "variant");
	assert_null(lv_closest("hostname", words, 3));
	assert_int_equal(lv_edit_distance("kitten", "sitting"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(misspelt_keys_suggest_the_right_one),
		cmocka_unit_test(components_are_archive_directory_names),
		cmocka_unit_test(boot_settings_are_checked_where_they_reach_loaders),
		cmocka_unit_test(a_session_names_a_user_a_window_manager_and_packages),
		cmocka_unit_test(wrong_types_and_bad_values_are_all_reported),
		cmocka_unit_test(duplicate_keys_are_errors),
		cmocka_unit_test(yaml_syntax_errors_point_at_the_problem),
		cmocka_unit_test(missing_name_and_unknown_architecture),
		cmocka_unit_test(error_limit_stops_collecting),
		cmocka_unit_test(a_good_manifest_loads_with_defaults),
		cmocka_unit_test(package_names_follow_policy),
		cmocka_unit_test(closest_word_is_suggested_only_when_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
