/* The ISO 9660 writer: what goes in comes back out (read with libarchive's
 * ISO 9660 + Rock Ridge reader), and two writes give the same bytes. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "files_equal.h"

#include "base/buf.h"
#include "base/fsutil.h"
#include "image/out_fat.h"
#include "image/out_iso9660.h"
#include "build/tree.h"

static char dir[] = "/tmp/livec-test-iso-XXXXXX";
static char root[300], iso1[300], iso2[300];

static int setup(void **s)
{
	(void)s;
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(iso1, sizeof(iso1), "%s/a.iso", dir);
	snprintf(iso2, sizeof(iso2), "%s/b.iso", dir);
	char p[400];
	snprintf(p, sizeof(p), "%s/usr/share/doc/a-rather-long-directory-name-for-rock-ridge", root);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/share/doc/a-rather-long-directory-name-for-rock-ridge/File.TXT", root);
	lv_write_atomic(p, "hello iso\n", 10);
	chmod(p, 0640);
	snprintf(p, sizeof(p), "%s/usr/bin", root);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/bin/tool", root);
	lv_write_atomic(p, "#!/bin/sh\n", 10);
	chmod(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/bin/link", root);
	return symlink("tool", p);
}

static int teardown(void **s)
{
	(void)s;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void write_iso(const char *out)
{
	struct lv_tree t;
	struct lv_diags d = { 0 };
	struct lv_iso_opts o = { .volume_id = "LIVECTEST", .epoch = 1700000000 };
	assert_int_equal(lv_tree_read(root, LV_TREE_OWN_IDS, 1700000000, &t, &d), 0);
	assert_int_equal(lv_iso_write(&t, out, &o, &d), 0);
	assert_int_equal(d.errors, 0);
	lv_tree_release(&t);
}

static void rock_ridge_keeps_names_modes_links_and_content(void **s)
{
	(void)s;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int seen = 0;
	write_iso(iso1);
	archive_read_support_format_iso9660(a);
	assert_int_equal(archive_read_open_filename(a, iso1, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		if (strstr(p, "a-rather-long-directory-name-for-rock-ridge/File.TXT")) {
			char buf[32] = { 0 };
			assert_int_equal(archive_read_data(a, buf, sizeof(buf)), 10);
			assert_string_equal(buf, "hello iso\n");
			assert_int_equal(archive_entry_perm(e), 0640);
			assert_int_equal(archive_entry_mtime(e), 1700000000);
			seen |= 1;
		} else if (!strcmp(p, "usr/bin/link")) {
			assert_string_equal(archive_entry_symlink(e), "tool");
			seen |= 2;
		} else if (!strcmp(p, "usr/bin/tool")) {
			assert_int_equal(archive_entry_perm(e), 0755);
			seen |= 4;
		}
	}
	archive_read_free(a);
	assert_int_equal(seen, 7);
}

static uint32_t u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A BIOS + UEFI hybrid: ISOLINUX's El Torito entry and the EFI one, and
 * the ESP appended as GPT partition 2 behind a protective MBR that keeps
 * the isohybrid code and an active entry. */
static void a_hybrid_image_boots_bios_and_uefi_from_cd_and_stick(void **s)
{
	(void)s;
	char p[400], mbr[400], esp[400], hyb[400];
	/* a stand-in isolinux.bin: 4 sectors with ISOLINUX's isohybrid signature */
	unsigned char isolinux[2048] = { 0 };
	isolinux[0x40] = 0xfb, isolinux[0x41] = 0xa0, isolinux[0x42] = 0x78, isolinux[0x43] = 0x70;
	snprintf(p, sizeof(p), "%s/boot/isolinux", root);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/boot/isolinux/isolinux.bin", root);
	assert_int_equal(lv_write_atomic(p, isolinux, sizeof(isolinux)), 0);
	unsigned char code[432];
	memset(code, 0x90, sizeof(code));
	snprintf(mbr, sizeof(mbr), "%s/isohdpfx.bin", dir);
	assert_int_equal(lv_write_atomic(mbr, code, sizeof(code)), 0);
	snprintf(p, sizeof(p), "%s/shim", dir);
	assert_int_equal(lv_write_atomic(p, "MZ shim", 7), 0);
	snprintf(esp, sizeof(esp), "%s/efi.img", dir);
	struct lv_fat_file f = { "EFI/BOOT/BOOTX64.EFI", p };
	struct lv_fat_opts fo = { .label = "LIVEC_EFI", .serial = 1, .epoch = 1700000000 };
	struct lv_diags d = { 0 };
	assert_int_equal(lv_fat_write(&f, 1, esp, &fo, &d), 0);

	struct lv_tree t;
	struct lv_iso_opts o = { .volume_id = "LIVECTEST", .epoch = 1700000000,
				 .boot_image = "boot/isolinux/isolinux.bin", .boot_catalog = "boot/isolinux/boot.cat",
				 .isohybrid_mbr = mbr, .efi_image = esp };
	snprintf(hyb, sizeof(hyb), "%s/hybrid.iso", dir);
	assert_int_equal(lv_tree_read(root, LV_TREE_OWN_IDS, 1700000000, &t, &d), 0);
	assert_int_equal(lv_iso_write(&t, hyb, &o, &d), 0);
	lv_tree_release(&t);
	struct lv_buf img = { .max = 1u << 30 }, fat = { .max = 1u << 30 };
	assert_int_equal(lv_read_file(hyb, &img), 0);
	assert_int_equal(lv_read_file(esp, &fat), 0);
	const unsigned char *b = (const unsigned char *)img.p;

	/* El Torito: the boot record (sector 17) names the catalog */
	assert_memory_equal(b + 17 * 2048 + 1, "CD001", 5);
	assert_memory_equal(b + 17 * 2048 + 7, "EL TORITO SPECIFICATION", 23);
	const unsigned char *cat = b + (size_t)u32(b + 17 * 2048 + 0x47) * 2048;
	assert_int_equal(cat[0], 1);      /* validation entry, platform 0 (x86 BIOS) */
	assert_int_equal(cat[1], 0);
	assert_int_equal(cat[30], 0x55);
	assert_int_equal(cat[31], 0xaa);
	assert_int_equal(cat[32], 0x88);  /* default entry: bootable, no emulation */
	assert_int_equal(cat[33], 0);
	assert_int_equal(cat[38], 4);     /* loads 4 sectors of isolinux.bin */
	assert_int_equal(cat[64], 0x91);  /* the last section header: */
	assert_int_equal(cat[65], 0xef);  /* platform EFI, one entry */
	assert_int_equal(cat[66], 1);
	assert_int_equal(cat[96], 0x88);
	assert_int_equal(cat[97], 0);
	uint32_t esp_lba = u32(cat + 96 + 8), esp_sectors = cat[96 + 6] | cat[96 + 7] << 8;
	assert_int_equal(esp_sectors, (fat.len + 2047) / 2048 * 4); /* the partition, in whole ISO blocks */
	assert_true((size_t)esp_lba * 2048 + fat.len <= img.len);
	assert_memory_equal(b + (size_t)esp_lba * 2048, fat.p, fat.len); /* the ESP, once */

	/* the MBR: isohybrid code, GPT's protective entry, an active entry */
	assert_int_equal(b[0], 0x90);
	assert_int_equal(b[510], 0x55);
	assert_int_equal(b[511], 0xaa);
	int protective = 0, active = 0;
	for (int i = 0; i < 4; i++) {
		protective |= b[446 + 16 * i + 4] == 0xee;
		active |= b[446 + 16 * i] == 0x80;
	}
	assert_true(protective && active);

	/* the GPT: the header at LBA 1 and its backup at the last LBA; the ESP
	 * entry (type C12A7328-F81F-11D2-BA4B-00A0C93EC93B) where El Torito's
	 * EFI entry points */
	static const unsigned char esp_type[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
						    0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };
	assert_memory_equal(b + 512, "EFI PART", 8);
	assert_memory_equal(b + img.len - 512, "EFI PART", 8);
	uint32_t entries = u32(b + 512 + 72), count = u32(b + 512 + 80), size = u32(b + 512 + 84);
	int found = 0;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *e = b + (size_t)entries * 512 + (size_t)i * size;
		if (!memcmp(e, esp_type, 16)) {
			assert_int_equal((uint64_t)u32(e + 32) * 512, (uint64_t)esp_lba * 2048);
			found++;
		}
	}
	assert_int_equal(found, 1);
	lv_buf_release(&img);
	lv_buf_release(&fat);
	lv_diags_release(&d);
}

static void two_writes_are_identical(void **s)
{
	(void)s;
	write_iso(iso1);
	sleep(1); /* a different wall clock must not matter */
	write_iso(iso2);
	assert_files_equal(iso1, iso2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rock_ridge_keeps_names_modes_links_and_content),
		cmocka_unit_test(two_writes_are_identical),
		cmocka_unit_test(a_hybrid_image_boots_bios_and_uefi_from_cd_and_stick),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
