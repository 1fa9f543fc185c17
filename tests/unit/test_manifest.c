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
#include <unistd.h>
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

static void files_are_checked_before_any_work(void **state)
{
	(void)state;
	check_golden("files"); /* missing source, target out of the root, modes */
}

static void values_that_reach_a_shell_or_a_path_are_checked(void **state)
{
	(void)state;
	check_golden("values");
}

static void an_include_cycle_is_an_error_at_the_include_line(void **state)
{
	(void)state;
	check_golden("cycle");
}

static void a_missing_fragment_is_an_error_at_its_line(void **state)
{
	(void)state;
	check_golden("include-missing");
}

static void errors_in_a_fragment_point_into_the_fragment(void **state)
{
	(void)state;
	check_golden("include-bad");
}

static void fragments_must_agree_on_the_shape_of_a_key(void **state)
{
	(void)state;
	check_golden("include-shape");
}

static int has_pkg(const struct lv_mpkgs *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return 1;
	return 0;
}

static void fragments_merge_by_the_written_rules(void **state)
{
	(void)state;
	struct lv_manifest m;
	struct lv_diags d = { 0 };
	assert_int_equal(lv_manifest_load("manifests/include/merge.yaml", &m, &d), 0);
	/* every file read, in merge order */
	assert_int_equal(m.sources.n, 3);
	assert_string_equal(m.sources.v[1], "manifests/include/base.yaml");
	/* maps merge key by key; a later fragment's scalar wins over an
	 * earlier one's; the including file adds its own */
	assert_string_equal(m.name, "merged");
	assert_string_equal(m.dist.suite, "trixie");
	assert_string_equal(m.system.hostname, "extra");
	assert_string_equal(m.system.locale, "de_DE.UTF-8");
	assert_string_equal(m.system.timezone, "Europe/Berlin");
	/* an empty `licenses:` in a later fragment leaves the earlier policy */
	assert_int_equal(m.licenses.deny.n, 1);
	assert_int_equal(m.hooks.n, 0);
	/* lists append in order, repeats dropped */
	assert_int_equal(m.dist.components.n, 2);
	assert_string_equal(m.dist.components.v[1], "contrib");
	/* exclude (in the including file) wins over install (in a fragment) */
	assert_false(has_pkg(&m.pkgs.install, "vim"));
	const char *want[] = { "bash", "coreutils", "less", "emacs" };
	assert_int_equal(m.pkgs.install.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(m.pkgs.install.v[i].name, want[i]);
	/* positions are in the fragment that said it */
	assert_string_equal(m.pkgs.install.v[2].at.file, "manifests/include/extra.yaml");
	assert_int_equal(m.pkgs.install.v[2].at.line, 3);
	assert_string_equal(m.system.users.v[0].at.file, "manifests/include/base.yaml");
	lv_diags_release(&d);
	lv_manifest_release(&m);
}

static void a_fragment_has_no_name_and_is_a_file(void **state)
{
	(void)state;
	check_golden("include-named");
}

static void a_diamond_merges_the_shared_fragment_once(void **state)
{
	(void)state;
	struct lv_manifest m;
	struct lv_diags d = { 0 };
	assert_int_equal(lv_manifest_load("manifests/include-diamond.yaml", &m, &d), 0);
	assert_int_equal(m.sources.n, 4);
	/* d-x's hostname over base's, though d-y includes base again later */
	assert_string_equal(m.system.hostname, "x");
	/* the including file's pin wins over base's bash, in base's place */
	assert_string_equal(m.pkgs.install.v[0].name, "bash");
	assert_string_equal(m.pkgs.install.v[0].version, "5.2.37-2");
	assert_string_equal(m.pkgs.install.v[0].at.file, "manifests/include-diamond.yaml");
	assert_true(has_pkg(&m.pkgs.install, "less"));
	/* the same source text in two files: two directories, two entries */
	assert_int_equal(m.files.n, 2);
	assert_string_equal(m.files.v[0].from, "manifests/include/files-tree");
	assert_string_equal(m.files.v[1].from, "manifests/files-tree");
	assert_int_equal(d.n, 0);
	lv_diags_release(&d);
	lv_manifest_release(&m);
}

static void demo_x_on_fragments_reads_as_it_did_before(void **state)
{
	(void)state;
	struct lv_manifest a, b;
	struct lv_diags d = { 0 };
	struct lv_buf ca = { 0 }, cb = { 0 };
	static const char *const all_but_files[] = { "name", "distribution", "packages", "system", "hooks", "licenses",
						     "image", NULL };
	assert_int_equal(lv_manifest_load("manifests/include/demo-x-before.yaml", &a, &d), 0);
	assert_int_equal(lv_manifest_load("../../examples/demo-x/livec.yaml", &b, &d), 0);
	assert_int_equal(b.sources.n, 3);
	lv_manifest_canonical(&a, all_but_files, &ca);
	lv_manifest_canonical(&b, all_but_files, &cb);
	assert_string_equal(ca.p, cb.p);
	assert_int_equal(a.files.n, 1);
	assert_int_equal(b.files.n, 1);
	assert_string_equal(a.files.v[0].dest, b.files.v[0].dest);
	lv_buf_release(&ca);
	lv_buf_release(&cb);
	lv_diags_release(&d);
	lv_manifest_release(&a);
	lv_manifest_release(&b);
}

static void the_canonical_form_reads_back_the_same(void **state)
{
	(void)state;
	struct lv_manifest a, b;
	struct lv_diags d = { 0 };
	struct lv_buf ca = { 0 }, cb = { 0 };
	assert_int_equal(lv_manifest_load("manifests/include/merge.yaml", &a, &d), 0);
	lv_manifest_canonical(&a, NULL, &ca);
	assert_int_equal(lv_write_atomic("canonical.yaml", ca.p, ca.len), 0);
	assert_int_equal(lv_manifest_load("canonical.yaml", &b, &d), 0);
	lv_manifest_canonical(&b, NULL, &cb);
	assert_string_equal(ca.p, cb.p);
	unlink("canonical.yaml");
	lv_buf_release(&ca);
	lv_buf_release(&cb);
	lv_diags_release(&d);
	lv_manifest_release(&a);
	lv_manifest_release(&b);
}

static void in_doc(const char *path, const char *kind, const char *def, const char *words, int required, void *ud)
{
	char want[300];
	(void)kind, (void)def, (void)words, (void)required;
	snprintf(want, sizeof(want), "| `%s` |", path);
	if (!strstr(ud, want))
		fail_msg("docs/manifest.md does not document '%s'", path);
}

static void every_key_is_documented(void **state)
{
	(void)state;
	struct lv_buf doc = { 0 };
	assert_int_equal(lv_read_file("../../docs/manifest.md", &doc), 0);
	assert_int_equal(lv_buf_append(&doc, "", 1), 0);
	lv_manifest_schema(in_doc, doc.p);
	lv_buf_release(&doc);
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
		cmocka_unit_test(files_are_checked_before_any_work),
		cmocka_unit_test(values_that_reach_a_shell_or_a_path_are_checked),
		cmocka_unit_test(an_include_cycle_is_an_error_at_the_include_line),
		cmocka_unit_test(a_missing_fragment_is_an_error_at_its_line),
		cmocka_unit_test(errors_in_a_fragment_point_into_the_fragment),
		cmocka_unit_test(fragments_must_agree_on_the_shape_of_a_key),
		cmocka_unit_test(fragments_merge_by_the_written_rules),
		cmocka_unit_test(a_fragment_has_no_name_and_is_a_file),
		cmocka_unit_test(a_diamond_merges_the_shared_fragment_once),
		cmocka_unit_test(demo_x_on_fragments_reads_as_it_did_before),
		cmocka_unit_test(the_canonical_form_reads_back_the_same),
		cmocka_unit_test(every_key_is_documented),
		cmocka_unit_test(package_names_follow_policy),
		cmocka_unit_test(closest_word_is_suggested_only_when_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
