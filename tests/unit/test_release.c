/* Release and Packages parsing (release.c, deb822.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "repo/deb822.h"
#include "base/err.h"
#include "repo/release.h"

static const char release_text[] =
	"Origin: Debian\n"
	"Suite: oldstable\n"
	"Codename: bookworm\n"
	"Date: Sat, 10 May 2025 09:43:39 UTC\n"
	"Valid-Until: Sat, 17 May 2025 09:43:39 UTC\n"
	"Acquire-By-Hash: yes\n"
	"Architectures: all amd64\n"
	"Components: main\n"
	"Description: Debian 12\n"
	"MD5Sum:\n"
	" 0123 10 main/binary-amd64/Packages\n"
	"SHA256:\n"
	" 515e692f2c4121c6fcec444ef100cc18f79a991910615f3a88c8b7becfc94d2f 50060337 main/binary-amd64/Packages\n"
	" 1111111111111111111111111111111111111111111111111111111111111111     8736 main/binary-amd64/Packages.xz\n";

static void release_fields_and_hashes_are_read(void **s)
{
	(void)s;
	struct lv_release r;
	char why[128];
	assert_int_equal(lv_release_parse(release_text, strlen(release_text), &r, why, sizeof(why)), 0);
	assert_string_equal(r.suite, "oldstable");
	assert_string_equal(r.codename, "bookworm");
	assert_int_equal(r.date_epoch, 1746870219);
	assert_int_equal(r.valid_until_epoch, 1746870219 + 7 * 86400);
	assert_true(r.by_hash);
	assert_int_equal(r.nfiles, 2);
	const struct lv_relfile *f = lv_release_find(&r, "main/binary-amd64/Packages.xz");
	assert_non_null(f);
	assert_int_equal(f->size, 8736);
	assert_null(lv_release_find(&r, "contrib/binary-amd64/Packages"));
	lv_release_release(&r);
}

static void release_without_date_or_with_bad_hash_is_refused(void **s)
{
	(void)s;
	struct lv_release r;
	char why[128];
	const char *nodate = "Suite: x\nSHA256:\n 1111111111111111111111111111111111111111111111111111111111111111 1 a\n";
	assert_int_equal(lv_release_parse(nodate, strlen(nodate), &r, why, sizeof(why)), -LVE_PARSE);
	assert_non_null(strstr(why, "Date"));
	const char *badhash = "Date: Sat, 10 May 2025 09:43:39 UTC\nSHA256:\n xyz 1 a\n";
	assert_int_equal(lv_release_parse(badhash, strlen(badhash), &r, why, sizeof(why)), -LVE_PARSE);
	assert_non_null(strstr(why, "malformed"));
}

static const char packages_text[] =
	"Package: libc6\n"
	"Source: glibc\n"
	"Version: 2.36-9+deb12u10\n"
	"Priority: optional\n"
	"Architecture: amd64\n"
	"Multi-Arch: same\n"
	"Depends: libgcc-s1\n"
	"Description: GNU C Library: Shared libraries\n"
	" Contains the standard libraries.\n"
	" .\n"
	" More text.\n"
	"Filename: pool/main/g/glibc/libc6_2.36-9+deb12u10_amd64.deb\n"
	"Size: 2757936\n"
	"SHA256: 2222222222222222222222222222222222222222222222222222222222222222\n"
	"\n"
	"Package: bash\n"
	"Essential: yes\n"
	"Source: bash (5.2.15-2)\n"
	"Version: 5.2.15-2+b7\n"
	"Priority: required\n"
	"Architecture: amd64\n"
	"Filename: pool/main/b/bash/bash_5.2.15-2+b7_amd64.deb\n"
	"Size: 1491780\n"
	"SHA256: 3333333333333333333333333333333333333333333333333333333333333333\n"
	"\n\n"
	"Package: dash\n"
	"Version: 0.5.12-2\n"
	"Architecture: amd64\n"
	"Filename: pool/main/d/dash/dash_0.5.12-2_amd64.deb\n"
	"Size: 12x\n"
	"SHA256: 4444444444444444444444444444444444444444444444444444444444444444\n";

static void packages_paragraphs_give_livec_fields(void **s)
{
	(void)s;
	struct lv_deb822 r;
	struct lv_para p;
	struct lv_pkginfo i;

	lv_deb822_init(&r, packages_text, strlen(packages_text));
	assert_int_equal(lv_deb822_next(&r, &p), 1);
	size_t len;
	const char *desc = lv_para_get(&p, "description", &len);
	assert_non_null(desc);
	assert_non_null(memchr(desc, '\n', len)); /* continuation kept */
	assert_int_equal(lv_pkginfo_from(&p, &i), 0);
	assert_string_equal(i.name, "libc6");
	assert_string_equal(i.source, "glibc");
	assert_string_equal(i.source_version, "2.36-9+deb12u10"); /* = binary version */
	assert_false(i.essential);
	assert_int_equal(i.size, 2757936);
	lv_pkginfo_release(&i);

	assert_int_equal(lv_deb822_next(&r, &p), 1);
	assert_int_equal(p.line, 16);
	assert_int_equal(lv_pkginfo_from(&p, &i), 0);
	assert_true(i.essential);
	assert_string_equal(i.priority, "required");
	assert_string_equal(i.source, "bash");
	assert_string_equal(i.source_version, "5.2.15-2"); /* binNMU: differs */
	lv_pkginfo_release(&i);

	assert_int_equal(lv_deb822_next(&r, &p), 1);
	assert_int_equal(lv_pkginfo_from(&p, &i), -LVE_PARSE); /* Size: 12x */
	assert_int_equal(lv_deb822_next(&r, &p), 0);
}

static void continuation_without_field_is_malformed(void **s)
{
	(void)s;
	struct lv_deb822 r;
	struct lv_para p;
	const char *bad = " leading continuation\nPackage: x\n";
	lv_deb822_init(&r, bad, strlen(bad));
	assert_int_equal(lv_deb822_next(&r, &p), -LVE_PARSE);
	const char *nocolon = "Package x\n";
	lv_deb822_init(&r, nocolon, strlen(nocolon));
	assert_int_equal(lv_deb822_next(&r, &p), -LVE_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(release_fields_and_hashes_are_read),
		cmocka_unit_test(release_without_date_or_with_bad_hash_is_refused),
		cmocka_unit_test(packages_paragraphs_give_livec_fields),
		cmocka_unit_test(continuation_without_field_is_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
