#define _GNU_SOURCE
/* Taking a medium apart (medium.c, facts.c): what is not an ISO, not a
 * livec medium, cut short or missing a layer is said so; the lock and the
 * SBOM a medium carries give its packages and their licenses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "build/tree.h"
#include "image/out_iso9660.h"
#include "inspect/facts.h"
#include "inspect/medium.h"

static char dir[] = "/tmp/livec-test-medium.XXXXXX";
static int serial;

struct mfile {
	const char *path, *text;
};

static const char lock[] = "format: 1\nmanifest: \"tiny\"\nsource-date-epoch: 1700000000\n"
			   "rootfs:\n  zsh:\n    version: \"5.9-8\"\n  bash:\n    version: \"5.2.37-2\"\n"
			   "boot:\n  isolinux:\n    version: \"3:6.04\"\n";
static const char sbom[] =
	"{\n  \"spdxVersion\": \"SPDX-2.3\",\n  \"packages\": [\n"
	"    {\"name\": \"zsh\", \"versionInfo\": \"5.9-8\", \"licenseDeclared\": \"MIT-Modern-Variant\"},\n"
	"    {\"name\": \"bash\", \"versionInfo\": \"5.2.37-2\", \"licenseDeclared\": \"GPL-3.0-or-later\"},\n"
	"    {\"name\": \"bash\", \"versionInfo\": \"5.2.37-2\", \"licenseDeclared\": \"GPL-3.0-or-later\"},\n"
	"    {\"name\": \"files: /usr/local/bin/demo\", \"licenseDeclared\": \"MIT\"}\n  ]\n}\n";

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

/* An ISO 9660 image (livec's writer, Rock Ridge) of the given files;
 * its path in out. */
static void make_iso(const struct mfile *f, size_t n, char *out, size_t size)
{
	char root[4300], p[4600];
	struct lv_tree t;
	struct lv_diags d = { 0 };
	struct lv_iso_opts o = { .volume_id = "TEST", .epoch = 1700000000 };
	snprintf(root, sizeof(root), "%s/root%d", dir, serial);
	snprintf(out, size, "%s/medium%d.iso", dir, serial++);
	assert_int_equal(lv_mkdir_p(root, 0755), 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", root, f[i].path);
		char *parent = lv_dirname(p);
		assert_int_equal(lv_mkdir_p(parent, 0755), 0);
		free(parent);
		assert_int_equal(lv_write_atomic(p, f[i].text, strlen(f[i].text)), 0);
	}
	assert_int_equal(lv_tree_read(root, LV_TREE_OWN_IDS, 1700000000, &t, &d), 0);
	assert_int_equal(lv_iso_write(&t, out, &o, &d), 0);
	lv_tree_release(&t);
	lv_diags_release(&d);
}

/* lv_medium_read's result, and its first diagnostic containing `says`. */
static int read_says(const char *iso, unsigned want, const char *says)
{
	struct lv_medium m;
	struct lv_diags d = { 0 };
	int r = lv_medium_read(iso, want, &m, &d), found = 0;
	for (size_t i = 0; i < d.n; i++)
		found |= strstr(d.v[i].msg, says) != NULL;
	if (!found)
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "diagnostic: %s\n", d.v[i].msg);
	assert_true(found);
	lv_medium_release(&m);
	lv_diags_release(&d);
	return r;
}

static void what_is_not_an_iso_is_said_so(void **s)
{
	(void)s;
	char p[4300];
	static char zeros[65536];
	snprintf(p, sizeof(p), "%s/zeros.bin", dir);
	assert_int_equal(lv_write_atomic(p, zeros, sizeof(zeros)), 0);
	assert_int_equal(read_says(p, LV_MEDIUM_LAYERS, "is not an ISO 9660 image"), -LVE_ARCHIVE);
}

static void an_iso_without_livec_id_is_not_a_livec_medium(void **s)
{
	(void)s;
	char iso[4300];
	const struct mfile f[] = { { "README", "just a CD\n" } };
	make_iso(f, 1, iso, sizeof(iso));
	assert_int_equal(read_says(iso, LV_MEDIUM_LOCK, "is not a livec medium"), -LVE_ARCHIVE);
}

static void a_cut_iso_is_truncated(void **s)
{
	(void)s;
	char iso[4300], cut[4300];
	struct lv_buf b = { .max = 1u << 30 };
	const struct mfile f[] = { { "LIVEC/ID", "0123456789abcdef\n" } };
	make_iso(f, 1, iso, sizeof(iso));
	assert_int_equal(lv_read_file(iso, &b), 0);
	snprintf(cut, sizeof(cut), "%s/cut.iso", dir);
	assert_int_equal(lv_write_atomic(cut, b.p, 36 * 1024), 0);  /* past the volume descriptor only */
	assert_int_equal(read_says(cut, LV_MEDIUM_LOCK, "is truncated"), -LVE_ARCHIVE);
	lv_buf_release(&b);
}

static void a_missing_layer_is_named(void **s)
{
	(void)s;
	char iso[4300];
	const struct mfile f[] = { { "LIVEC/ID", "0123456789abcdef\n" }, { "LIVEC/livec.lock", lock } };
	make_iso(f, 2, iso, sizeof(iso));
	assert_int_equal(read_says(iso, LV_MEDIUM_LAYERS, "has no /LIVEC/root_fs.tgz"), -LVE_ARCHIVE);
	assert_int_equal(read_says(iso, LV_MEDIUM_TREE, "has no /LIVEC/LIVEC"), -LVE_ARCHIVE);
}

static void the_lock_on_the_medium_gives_its_packages(void **s)
{
	(void)s;
	char iso[4300];
	struct lv_medium m;
	struct lv_diags d = { 0 };
	struct lv_pkgvers rootfs = { 0 }, boot = { 0 };
	const struct mfile f[] = { { "LIVEC/ID", "0123456789abcdef\n" }, { "LIVEC/livec.lock", lock } };
	make_iso(f, 2, iso, sizeof(iso));
	assert_int_equal(lv_medium_read(iso, LV_MEDIUM_LOCK, &m, &d), 0);
	assert_string_equal(m.id, "0123456789abcdef");
	assert_int_equal(lv_facts_packages(&m, &rootfs, &boot, &d), 0);
	assert_int_equal(rootfs.n, 2);
	assert_string_equal(rootfs.v[0].name, "bash");  /* sorted */
	assert_string_equal(rootfs.v[0].version, "5.2.37-2");
	assert_string_equal(rootfs.v[1].name, "zsh");
	assert_int_equal(boot.n, 1);
	assert_string_equal(boot.v[0].version, "3:6.04");
	lv_pkgvers_release(&rootfs);
	lv_pkgvers_release(&boot);
	lv_medium_release(&m);
	lv_diags_release(&d);
}

static void the_sbom_on_the_medium_gives_the_licenses(void **s)
{
	(void)s;
	char iso[4300];
	struct lv_medium m;
	struct lv_diags d = { 0 };
	struct lv_pkgvers l = { 0 };
	const struct mfile f[] = { { "LIVEC/ID", "0123456789abcdef\n" },
				   { "LIVEC/licenses/sbom.spdx.json", sbom } };
	make_iso(f, 2, iso, sizeof(iso));
	assert_int_equal(lv_medium_read(iso, LV_MEDIUM_SBOM, &m, &d), 0);
	assert_int_equal(lv_facts_licenses(&m, &l, &d), 0);
	assert_int_equal(l.n, 3);  /* bash twice (both sets) is one line */
	assert_string_equal(l.v[0].name, "bash");
	assert_string_equal(l.v[0].license, "GPL-3.0-or-later");
	assert_string_equal(l.v[1].name, "files:/usr/local/bin/demo");
	assert_string_equal(l.v[1].version, "-");
	assert_string_equal(l.v[2].license, "MIT-Modern-Variant");
	lv_pkgvers_release(&l);
	lv_medium_release(&m);
	lv_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(what_is_not_an_iso_is_said_so),
		cmocka_unit_test(an_iso_without_livec_id_is_not_a_livec_medium),
		cmocka_unit_test(a_cut_iso_is_truncated),
		cmocka_unit_test(a_missing_layer_is_named),
		cmocka_unit_test(the_lock_on_the_medium_gives_its_packages),
		cmocka_unit_test(the_sbom_on_the_medium_gives_the_licenses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
