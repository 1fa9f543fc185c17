/* Lockfile: canonical bytes, write/read round trip, the inputs digest, and
 * refusal of malformed or unsafe lockfiles. */
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
#include "lock/lockfile.h"

#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static void pkg(struct lv_lockpkg *p, const char *name, const char *ver, const char *reason)
{
	p->name = strdup(name);
	p->version = strdup(ver);
	p->arch = strdup("amd64");
	p->repo = strdup("bookworm");
	if (asprintf(&p->filename, "pool/main/%c/%s/%s_%s_amd64.deb", name[0], name, name, ver) < 0)
		abort();
	p->size = 1234;
	p->sha256 = strdup(H64("a"));
	p->source = strdup(name);
	p->source_version = strdup(ver);
	p->reason = strdup(reason);
}

static void sample(struct lv_lock *l)
{
	memset(l, 0, sizeof(*l));
	l->format = LV_LOCK_FORMAT;
	l->livec_version = strdup("0.1.0");
	l->manifest = strdup("demo");
	l->inputs_digest = strdup("sha256:" H64("b"));
	l->source_date_epoch = 1746870219;
	l->nrepos = 1;
	l->repos = calloc(1, sizeof(*l->repos));
	l->repos[0] = (struct lv_lockrepo){ .name = strdup("bookworm"), .mirror = strdup("primary"),
					    .suite = strdup("oldstable"), .codename = strdup("bookworm"),
					    .date = strdup("Sat, 10 May 2025 09:43:39 UTC"),
					    .inrelease_sha256 = strdup(H64("c")),
					    .signed_by = strdup("B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8"),
					    .nidx = 1 };
	l->repos[0].idx = calloc(1, sizeof(*l->repos[0].idx));
	l->repos[0].idx[0] = (struct lv_lockindex){ .path = strdup("main/binary-amd64/Packages"),
						    .sha256 = strdup(H64("d")), .size = 50060337 };
	l->rootfs.v = calloc(3, sizeof(struct lv_lockpkg));
	pkg(&l->rootfs.v[0], "zlib1g", "1:1.2.13.dfsg-1", "dependency of \"quoted\" (libz \\ x)");
	pkg(&l->rootfs.v[1], "bash", "5.2.15-2+b7", "essential");
	l->rootfs.n = 2;
	lv_lockset_sort(&l->rootfs);
	l->boot.v = calloc(2, sizeof(struct lv_lockpkg));
	pkg(&l->boot.v[0], "isolinux", "3:6.04~git20190206.bf6db5b4+dfsg1-3", "boot media");
	l->boot.n = 1;
}

static void write_read_write_gives_the_same_bytes(void **s)
{
	(void)s;
	struct lv_lock a, b;
	struct lv_buf one = { 0 }, two = { 0 };
	struct lv_diags d = { 0 };
	char path[] = "/tmp/livec-test-lock-XXXXXX";
	int fd = mkstemp(path);
	close(fd);

	sample(&a);
	assert_int_equal(lv_lock_write(path, &a), 0);
	assert_int_equal(lv_lock_read(path, &b, &d), 0);
	assert_int_equal(b.rootfs.n, 2);
	assert_string_equal(b.rootfs.v[0].name, "bash"); /* sorted */
	assert_string_equal(b.rootfs.v[1].reason, "dependency of \"quoted\" (libz \\ x)");
	assert_string_equal(b.boot.v[0].version, "3:6.04~git20190206.bf6db5b4+dfsg1-3");
	assert_int_equal(b.repos[0].idx[0].size, 50060337);
	assert_int_equal(b.source_date_epoch, 1746870219);
	lv_lock_format(&a, &one);
	lv_lock_format(&b, &two);
	assert_string_equal(one.p, two.p);
	lv_buf_release(&one);
	lv_buf_release(&two);
	lv_lock_release(&a);
	lv_lock_release(&b);
	unlink(path);
}

static void keys_are_sorted_in_the_text(void **s)
{
	(void)s;
	struct lv_lock a;
	struct lv_buf t = { 0 };
	sample(&a);
	lv_lock_format(&a, &t);
	const char *order[] = { "\nboot:", "\nformat:", "\ninputs-digest:", "\nlivec-version:",
				"\nmanifest:", "\nrepositories:", "\nrootfs:", "\nsource-date-epoch:" };
	const char *prev = t.p;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *at = strstr(t.p, order[i]);
		assert_non_null(at);
		assert_true(at > prev);
		prev = at;
	}
	lv_buf_release(&t);
	lv_lock_release(&a);
}

static void unsafe_filenames_are_refused(void **s)
{
	(void)s;
	struct lv_lock a, b;
	struct lv_diags d = { 0 };
	char path[] = "/tmp/livec-test-lock-XXXXXX";
	close(mkstemp(path));
	sample(&a);
	free(a.rootfs.v[0].filename);
	a.rootfs.v[0].filename = strdup("pool/../../etc/passwd");
	assert_int_equal(lv_lock_write(path, &a), 0);
	assert_int_equal(lv_lock_read(path, &b, &d), -LVE_PARSE);
	assert_true(d.errors >= 1);
	assert_non_null(strstr(d.v[0].msg, "unsafe filename"));
	lv_diags_release(&d);
	lv_lock_release(&a);
	unlink(path);
}

static void package_names_that_are_paths_are_refused(void **s)
{
	(void)s;
	static const char *const bad[] = { "../../../tmp/x", "a/b", "Bash", "-x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lv_lock a, b;
		struct lv_diags d = { 0 };
		char path[] = "/tmp/livec-test-lock-XXXXXX";
		close(mkstemp(path));
		sample(&a);
		free(a.rootfs.v[0].name);
		a.rootfs.v[0].name = strdup(bad[i]);
		assert_int_equal(lv_lock_write(path, &a), 0);
		assert_int_equal(lv_lock_read(path, &b, &d), -LVE_PARSE);
		assert_non_null(strstr(d.v[0].msg, "is not a Debian package name"));
		lv_diags_release(&d);
		lv_lock_release(&a);
		unlink(path);
	}
}

static void truncated_lockfile_is_refused(void **s)
{
	(void)s;
	struct lv_lock a, b;
	struct lv_buf t = { 0 };
	struct lv_diags d = { 0 };
	char path[] = "/tmp/livec-test-lock-XXXXXX";
	close(mkstemp(path));
	sample(&a);
	lv_lock_format(&a, &t);
	lv_write_atomic(path, t.p, t.len / 2);
	assert_true(lv_lock_read(path, &b, &d) < 0);
	assert_true(d.errors >= 1);
	lv_diags_release(&d);
	lv_buf_release(&t);
	lv_lock_release(&a);
	unlink(path);
}

static void digest_follows_the_package_request_only(void **s)
{
	(void)s;
	struct lv_manifest m;
	struct lv_diags d = { 0 };
	char a[72], b[72], c[72];
	assert_int_equal(lv_manifest_load("manifests/good.yaml", &m, &d), 0);
	lv_lock_inputs_digest(&m, a);
	free(m.dist.mirror);
	m.dist.mirror = strdup("http://elsewhere.invalid/debian"); /* not an input */
	lv_lock_inputs_digest(&m, b);
	assert_string_equal(a, b);
	free(m.pkgs.install.v[0].name);
	m.pkgs.install.v[0].name = strdup("linux-image-cloud-amd64");
	lv_lock_inputs_digest(&m, c);
	assert_string_not_equal(a, c);
	assert_int_equal(strncmp(a, "sha256:", 7), 0);
	lv_manifest_release(&m);
	lv_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(write_read_write_gives_the_same_bytes),
		cmocka_unit_test(keys_are_sorted_in_the_text),
		cmocka_unit_test(unsafe_filenames_are_refused),
		cmocka_unit_test(package_names_that_are_paths_are_refused),
		cmocka_unit_test(truncated_lockfile_is_refused),
		cmocka_unit_test(digest_follows_the_package_request_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
