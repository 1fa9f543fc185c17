#define _GNU_SOURCE
/* The FAT writer (out_fat.c): fsck.fat finds the image clean, mtools reads
 * every file back byte for byte under its name (lowercase kept), two writes
 * are identical, and a name that is not 8.3 is refused. */
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
#include "image/out_fat.h"
#include "files_equal.h"

static char dir[] = "/tmp/livec-test-fat.XXXXXX";
static char big[4096], small[4096], cfg[4096], img1[4096], img2[4096];

static int setup(void **s)
{
	(void)s;
	assert_non_null(mkdtemp(dir));
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(small, sizeof(small), "%s/small", dir);
	snprintf(cfg, sizeof(cfg), "%s/cfg", dir);
	snprintf(img1, sizeof(img1), "%s/a.img", dir);
	snprintf(img2, sizeof(img2), "%s/b.img", dir);
	/* 3 MiB that no two clusters share, so a misplaced cluster shows */
	size_t n = 3u << 20;
	unsigned char *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)((i * 2654435761u) >> 13);
	assert_int_equal(lv_write_atomic(big, b, n), 0);
	free(b);
	assert_int_equal(lv_write_atomic(small, "MZ shim", 7), 0);
	static const char text[] = "search --file --set=root /.disk/id/0123\n";
	assert_int_equal(lv_write_atomic(cfg, text, sizeof(text) - 1), 0);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static int write_esp(const char *out)
{
	struct lv_fat_file files[] = {
		{ "EFI/BOOT/grubx64.efi", big },
		{ "EFI/BOOT/BOOTX64.EFI", small },
		{ "boot/grub/grub.cfg", cfg },
	};
	struct lv_fat_opts o = { .label = "LIVEC_EFI", .serial = 0x12345678, .epoch = 1700000000 };
	struct lv_diags d = { 0 };
	int r = lv_fat_write(files, 3, out, &o, &d);
	lv_diags_release(&d);
	return r;
}

static void fsck_finds_it_clean(void **s)
{
	(void)s;
	char cmd[4200];
	assert_int_equal(write_esp(img1), 0);
	snprintf(cmd, sizeof(cmd), "fsck.fat -n %s >/dev/null 2>&1", img1);
	assert_int_equal(system(cmd), 0);
}

static void mtools_reads_every_file_back(void **s)
{
	(void)s;
	char cmd[16384], out[4200];
	const char *pairs[][2] = { { "::/EFI/BOOT/grubx64.efi", big }, { "::/EFI/BOOT/BOOTX64.EFI", small },
				   { "::/boot/grub/grub.cfg", cfg } };
	snprintf(out, sizeof(out), "%s/out", dir);
	for (size_t i = 0; i < 3; i++) {
		snprintf(cmd, sizeof(cmd), "MTOOLS_SKIP_CHECK=1 mtype -i %s %s >%s", img1, pairs[i][0], out);
		assert_int_equal(system(cmd), 0);
		assert_files_equal(out, pairs[i][1]);
	}
	/* the lowercase name lists as given; the label is set */
	snprintf(cmd, sizeof(cmd), "MTOOLS_SKIP_CHECK=1 mdir -i %s ::/EFI/BOOT | grep -q 'grubx64  *efi' && "
		 "MTOOLS_SKIP_CHECK=1 mlabel -s -i %s :: | grep -q LIVEC_EFI", img1, img1);
	assert_int_equal(system(cmd), 0);
}

static void two_writes_give_the_same_bytes(void **s)
{
	(void)s;
	assert_int_equal(write_esp(img1), 0);
	assert_int_equal(write_esp(img2), 0);
	assert_files_equal(img1, img2);
}

static void a_long_name_is_refused(void **s)
{
	(void)s;
	struct lv_fat_file f = { "EFI/BOOT/grubx64-long.efi", small };
	struct lv_fat_opts o = { .label = "X", .serial = 1, .epoch = 0 };
	struct lv_diags d = { 0 };
	char out[4200];
	snprintf(out, sizeof(out), "%s/bad.img", dir);
	assert_true(lv_fat_write(&f, 1, out, &o, &d) < 0);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.v[0].msg, "not an 8.3 name"));
	assert_int_equal(access(out, F_OK), -1); /* nothing written */
	lv_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fsck_finds_it_clean),
		cmocka_unit_test(mtools_reads_every_file_back),
		cmocka_unit_test(two_writes_give_the_same_bytes),
		cmocka_unit_test(a_long_name_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
