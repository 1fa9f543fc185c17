/* The boot loaders (loaders.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "image/loaders.h"
#include "image/out_fat.h"
#include "image/stage.h"

int lv_loaders_bios(const struct lv_image *im, const struct lv_bootmenu *menu, const char *iso_dir,
		    const char *mbr, struct lv_diags *d)
{
	char q[4096];
	struct lv_buf cfg = { 0 };
	int r;
	snprintf(q, sizeof(q), "%s/boot/isolinux/isolinux.bin", iso_dir);
	if ((r = lv_stage_from_boot_pkg(im, "isolinux", "usr/lib/ISOLINUX/isolinux.bin", q, d)) < 0)
		return r;
	snprintf(q, sizeof(q), "%s/boot/isolinux/ldlinux.c32", iso_dir);
	if ((r = lv_stage_from_boot_pkg(im, "syslinux-common", "usr/lib/syslinux/modules/bios/ldlinux.c32", q, d)) < 0 ||
	    (r = lv_stage_from_boot_pkg(im, "isolinux", "usr/lib/ISOLINUX/isohdpfx.bin", mbr, d)) < 0)
		return r;
	lv_bootmenu_isolinux(menu, &cfg);
	r = lv_stage_text(iso_dir, "boot/isolinux/isolinux.cfg", cfg.p);
	lv_buf_release(&cfg);
	return r;
}

/* The UEFI boot path: the EFI system partition image (shim as the
 * removable-media loader BOOTX64.EFI, Debian's signed CD GRUB as the
 * grubx64.efi shim chains to, MokManager when the boot set has it, and a
 * grub.cfg that finds this build's medium by its ID file), the full GRUB
 * menu on the ISO, and /.disk: info (the signed GRUB's own fallback
 * search) and livec-ID (this build's ID file). */
int lv_loaders_efi(const struct lv_image *im, const struct lv_bootmenu *menu, const char *id, const char *iso_dir,
		   const char *esp, struct lv_diags *d)
{
	_cleanup_free_ char *dir = lv_path_join(im->work, "esp");
	char shim[4096], grub[4096], mm[4096], espcfg[4096], idfile[64], text[512];
	struct lv_buf cfg = { 0 };
	int r;

	snprintf(shim, sizeof(shim), "%s/shimx64.efi", dir);
	snprintf(grub, sizeof(grub), "%s/grubx64.efi", dir);
	snprintf(mm, sizeof(mm), "%s/mmx64.efi", dir);
	snprintf(espcfg, sizeof(espcfg), "%s/grub.cfg", dir);
	snprintf(idfile, sizeof(idfile), "/.disk/livec-%s", id);
	lv_mkdir_p(dir, 0755);
	if ((r = lv_stage_from_boot_pkg(im, "shim-signed", "usr/lib/shim/shimx64.efi.signed", shim, d)) < 0 ||
	    (r = lv_stage_from_boot_pkg(im, "grub-efi-amd64-signed", "usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed", grub,
			       d)) < 0)
		return r;
	struct lv_fat_file files[4] = { { "EFI/BOOT/BOOTX64.EFI", shim }, { "EFI/BOOT/grubx64.efi", grub },
					{ "boot/grub/grub.cfg", espcfg } };
	size_t nfiles = 3;
	if (lv_stage_has_boot_pkg(im, "shim-helpers-amd64-signed")) {
		if ((r = lv_stage_from_boot_pkg(im, "shim-helpers-amd64-signed", "usr/lib/shim/mmx64.efi.signed", mm, d)) < 0)
			return r;
		files[nfiles++] = (struct lv_fat_file){ "EFI/BOOT/mmx64.efi", mm };
	}
	lv_bootmenu_grub_esp(idfile, &cfg);
	r = lv_write_atomic(espcfg, cfg.p, cfg.len);
	lv_buf_release(&cfg);
	if (r < 0)
		lv_error(d, "cannot write '%s': %s", espcfg, lv_strerror(r));
	/* the volume serial: the build id's first 32 bits */
	char serial[9];
	snprintf(serial, sizeof(serial), "%.8s", id);
	struct lv_fat_opts fo = { .label = "LIVEC_EFI", .serial = (uint32_t)strtoul(serial, NULL, 16),
				  .epoch = im->epoch };
	if (r == 0)
		r = lv_fat_write(files, nfiles, esp, &fo, d);
	if (r < 0)
		return r;
	if ((r = lv_image_layer_sum(im, "efi.img", esp, NULL, d)) < 0)
		return r;

	lv_bootmenu_grub(menu, &cfg);
	r = lv_stage_text(iso_dir, "boot/grub/grub.cfg", cfg.p);
	lv_buf_release(&cfg);
	snprintf(text, sizeof(text), "livec %s %s\n", im->m->name, id);
	if (r == 0)
		r = lv_stage_text(iso_dir, ".disk/info", text);
	if (r == 0)
		r = lv_stage_text(iso_dir, idfile + 1, "");
	if (r < 0)
		lv_error(d, "cannot write the UEFI boot files: %s", lv_strerror(r));
	return r;
}

