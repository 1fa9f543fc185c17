#define _GNU_SOURCE
/* Which kernel boots and which modules its initramfs gets (kernel.c), on
 * small trees made here: two installed kernels, a metapackage in the dpkg
 * status, modules.dep / modules.alias / modules.softdep, a module whose
 * .modinfo declares firmware, and hostile paths. */
#include <fcntl.h>
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

#include "base/cleanup.h"
#include "base/fsutil.h"
#include "image/kernel.h"
#include "manifest/manifest.h"

static char root[] = "/tmp/livec-test-kernel.XXXXXX";

static void put(const char *path, const char *text, size_t len)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", root, path);
	_cleanup_free_ char *dir = lv_dirname(p);
	assert_int_equal(lv_mkdir_p(dir, 0755), 0);
	assert_int_equal(lv_write_atomic(p, text, len ? len : strlen(text)), 0);
}

static void load_manifest(struct lv_manifest *m, const char *yaml)
{
	char p[4096];
	struct lv_diags d = { 0 };
	snprintf(p, sizeof(p), "%s/livec.yaml", root);
	assert_int_equal(lv_write_atomic(p, yaml, strlen(yaml)), 0);
	assert_int_equal(lv_manifest_load(p, m, &d), 0);
	lv_diags_release(&d);
}

/* A minimal ELF64 file whose only section besides the name table is
 * .modinfo with the given NUL-separated text. */
static size_t elf_with_modinfo(unsigned char *out, const char *info, size_t infolen)
{
	static const char names[] = "\0.shstrtab\0.modinfo\0";
	size_t off_names = 64, off_info = off_names + sizeof(names), off_sh = (off_info + infolen + 7) & ~7ul;
	memset(out, 0, off_sh + 3 * 64);
	memcpy(out, "\x7f" "ELF\x02\x01\x01", 7);
	out[0x3a] = 64; /* e_shentsize */
	out[0x3c] = 3;  /* e_shnum */
	out[0x3e] = 1;  /* e_shstrndx */
	for (int i = 0; i < 8; i++)
		out[0x28 + i] = (unsigned char)(off_sh >> (8 * i));
	memcpy(out + off_names, names, sizeof(names));
	memcpy(out + off_info, info, infolen);
	unsigned char *sh1 = out + off_sh + 64, *sh2 = out + off_sh + 128;
	sh1[0] = 1;  /* .shstrtab */
	sh1[24] = (unsigned char)off_names;
	sh1[32] = sizeof(names);
	sh2[0] = 11; /* .modinfo */
	sh2[24] = (unsigned char)off_info;
	sh2[32] = (unsigned char)infolen;
	return off_sh + 3 * 64;
}

static int setup(void **s)
{
	(void)s;
	assert_non_null(mkdtemp(root));
	/* two kernels; the metapackage depends on the one whose name sorts lower */
	put("usr/lib/modules/6.1.0-9-amd64/modules.dep", "kernel/fs/isofs/isofs.ko:\n", 0);
	put("usr/lib/modules/6.12.1-amd64/modules.dep",
	    "kernel/drivers/nvme/host/nvme-core.ko.xz:\n"
	    "kernel/drivers/nvme/host/nvme.ko.xz: kernel/drivers/nvme/host/nvme-core.ko.xz\n"
	    "kernel/drivers/usb/host/xhci-hcd.ko:\n"
	    "kernel/drivers/usb/host/xhci-pci.ko: kernel/drivers/usb/host/xhci-hcd.ko\n"
	    "kernel/drivers/usb/storage/uas.ko:\n"
	    "kernel/drivers/mmc/host/sdhci-pci.ko:\n"
	    "kernel/drivers/net/ethernet/realtek/r8169.ko:\n"
	    "kernel/drivers/ata/pata_vendor.ko:\n"
	    "kernel/lib/crc32c_generic.ko:\n"
	    "kernel/fs/ext4/ext4.ko:\n"
	    "kernel/fs/isofs/isofs.ko:\n"
	    "\n",
	    0);
	put("usr/lib/modules/6.12.1-amd64/modules.alias",
	    "# Aliases extracted from modules themselves.\n"
	    "alias pci:v*d*sv*sd*bc01sc08i02* nvme\n"
	    "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n"
	    "alias usb:v*p*d*dc*dsc*dp*ic08isc06ip62in* uas\n"
	    "alias pci:v*d*sv*sd*bc08sc05i* sdhci_pci\n"
	    "alias pci:v000010ECd00008168sv*sd*bc*sc*i* r8169\n"
	    "alias pci:v00001234d00005678sv*sd*bc01sc01i* pata_vendor\n"
	    "alias crc32c crc32c_generic\n",
	    0);
	put("usr/lib/modules/6.12.1-amd64/modules.softdep", "softdep ext4 pre: crc32c\n", 0);
	for (const char *const *p = (const char *const[]){ "kernel/drivers/nvme/host/nvme-core.ko.xz",
							  "kernel/drivers/usb/host/xhci-hcd.ko",
							  "kernel/drivers/usb/storage/uas.ko",
							  "kernel/drivers/mmc/host/sdhci-pci.ko",
							  "kernel/drivers/net/ethernet/realtek/r8169.ko",
							  "kernel/drivers/ata/pata_vendor.ko",
							  "kernel/lib/crc32c_generic.ko", "kernel/fs/ext4/ext4.ko",
							  "kernel/fs/isofs/isofs.ko", NULL };
	     *p; p++) {
		char path[512];
		snprintf(path, sizeof(path), "usr/lib/modules/6.12.1-amd64/%s", *p);
		put(path, "not a module", 0);
	}
	/* nvme (xz-compressed, as trixie ships them) and xhci-pci declare firmware */
	unsigned char elf[4096];
	static const char nvme_info[] = "license=GPL\0firmware=nvme/fw.bin\0firmware=nvme/absent.bin\0";
	static const char xhci_info[] = "firmware=renesas_usb_fw.mem\0firmware=../../../etc/shadow\0";
	size_t n = elf_with_modinfo(elf, nvme_info, sizeof(nvme_info));
	char raw[4096], cmd[8192];
	snprintf(raw, sizeof(raw), "%s/nvme.ko", root);
	assert_int_equal(lv_write_atomic(raw, elf, n), 0);
	snprintf(cmd, sizeof(cmd), "xz -c %s >%s/usr/lib/modules/6.12.1-amd64/kernel/drivers/nvme/host/nvme.ko.xz",
		 raw, root);
	assert_int_equal(system(cmd), 0);
	n = elf_with_modinfo(elf, xhci_info, sizeof(xhci_info));
	put("usr/lib/modules/6.12.1-amd64/kernel/drivers/usb/host/xhci-pci.ko", (const char *)elf, n);
	put("usr/lib/firmware/nvme/fw.bin", "fw", 0);
	put("usr/lib/firmware/renesas_usb_fw.mem.zst", "fw", 0);
	put("var/lib/dpkg/status",
	    "Package: linux-image-6.1.0-9-amd64\nStatus: install ok installed\nVersion: 6.1.1\n\n"
	    "Package: linux-image-6.12.1-amd64\nStatus: install ok installed\nVersion: 6.12.1-1\n\n"
	    "Package: linux-image-amd64\nStatus: install ok installed\nVersion: 6.12.1-1\n"
	    "Depends: linux-image-6.1.0-9-amd64 (= 6.1.1)\n",
	    0);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static int rootfd(void)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void the_metapackage_chooses_not_the_highest_name(void **s)
{
	(void)s;
	struct lv_manifest m;
	struct lv_diags d = { 0 };
	_cleanup_close_ int fd = rootfd();
	load_manifest(&m, "name: k\ndistribution: {suite: trixie}\n");
	/* the highest directory name would be 6.12.1-amd64 */
	_cleanup_free_ char *v = lv_kernel_pick(fd, &m, &d);
	assert_string_equal(v, "6.1.0-9-amd64");
	assert_int_equal(d.errors, 0);
	lv_manifest_release(&m);
}

static void image_kernel_names_a_version_or_a_package(void **s)
{
	(void)s;
	struct lv_manifest m;
	struct lv_diags d = { 0 };
	_cleanup_close_ int fd = rootfd();
	load_manifest(&m, "name: k\ndistribution: {suite: trixie}\nimage: {kernel: 6.12.1-amd64}\n");
	_cleanup_free_ char *a = lv_kernel_pick(fd, &m, &d);
	assert_string_equal(a, "6.12.1-amd64");
	lv_manifest_release(&m);
	load_manifest(&m, "name: k\ndistribution: {suite: trixie}\nimage: {kernel: linux-image-6.12.1-amd64}\n");
	_cleanup_free_ char *b = lv_kernel_pick(fd, &m, &d);
	assert_string_equal(b, "6.12.1-amd64");
	lv_manifest_release(&m);
	load_manifest(&m, "name: k\ndistribution: {suite: trixie}\nimage: {kernel: linux-image-amd64}\n");
	_cleanup_free_ char *c = lv_kernel_pick(fd, &m, &d);
	assert_string_equal(c, "6.1.0-9-amd64");
	lv_manifest_release(&m);
	assert_int_equal(d.errors, 0);
	load_manifest(&m, "name: k\ndistribution: {suite: trixie}\nimage: {kernel: 5.10.0-1-amd64}\n");
	assert_null(lv_kernel_pick(fd, &m, &d));
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.v[0].line, 3); /* at image.kernel, with the installed ones */
	assert_non_null(strstr(d.v[0].hint, "6.1.0-9-amd64, 6.12.1-amd64"));
	lv_manifest_release(&m);
	lv_diags_release(&d);
}

static void modules_come_by_device_class_with_their_needs_first(void **s)
{
	(void)s;
	struct lv_kmods k;
	struct lv_diags d = { 0 };
	_cleanup_close_ int fd = rootfd();
	assert_int_equal(lv_kernel_modules(fd, "6.12.1-amd64", &k, &d), 0);
	char names[1024] = "";
	for (size_t i = 0; i < k.n; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s ", k.v[i].name);
	/* nvme_core before nvme, xhci_hcd before xhci_pci, crc32c before ext4 */
	assert_string_equal(names, "nvme_core nvme xhci_hcd xhci_pci sdhci_pci uas isofs crc32c_generic ext4 ");
	/* a vendor's driver for one device is not pulled in by its class */
	assert_null(strstr(names, "pata_vendor"));
	assert_null(strstr(names, "r8169"));
	assert_string_equal(k.v[1].why, "NVMe controllers (PCI class 01.08)");
	assert_string_equal(k.v[0].why, "needed by nvme");
	assert_string_equal(k.v[7].why, "soft dependency of ext4");
	/* declared firmware the image ships, read from an xz module too; a
	 * name with ".." is never looked up */
	assert_int_equal(k.nfirmware, 2);
	assert_string_equal(k.firmware[0], "nvme/fw.bin");
	assert_string_equal(k.firmware[1], "renesas_usb_fw.mem.zst");
	lv_kmods_release(&k);
	lv_diags_release(&d);
}

static void a_module_path_out_of_the_tree_is_refused(void **s)
{
	(void)s;
	struct lv_kmods k;
	struct lv_diags d = { 0 };
	put("usr/lib/modules/6.6.6-evil/modules.dep", "kernel/../../../../../etc/passwd:\n", 0);
	_cleanup_close_ int fd = rootfd();
	assert_true(lv_kernel_modules(fd, "6.6.6-evil", &k, &d) < 0);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.v[0].msg, "unsafe path"));
	assert_int_equal(k.n, 0);
	lv_diags_release(&d);
	/* a kernel directory linked out of the tree resolves inside it */
	char link[4096];
	snprintf(link, sizeof(link), "%s/usr/lib/modules/6.6.7-link", root);
	assert_int_equal(symlink("/usr/lib/modules/6.12.1-amd64", link), 0);
	assert_int_equal(lv_kernel_modules(fd, "6.6.7-link", &k, &d), 0);
	assert_true(k.n > 0); /* the tree's own 6.12.1, not the host's */
	lv_kmods_release(&k);
	lv_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_metapackage_chooses_not_the_highest_name),
		cmocka_unit_test(image_kernel_names_a_version_or_a_package),
		cmocka_unit_test(modules_come_by_device_class_with_their_needs_first),
		cmocka_unit_test(a_module_path_out_of_the_tree_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
