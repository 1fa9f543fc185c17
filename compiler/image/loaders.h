/* The boot loaders on the medium, from the lock's boot set and one menu
 * (bootmenu.h): ISOLINUX for BIOS; for UEFI an EFI system partition with
 * shim as the removable-media loader, Debian's signed CD GRUB and a
 * grub.cfg that finds this build's medium by its ID file (docs/live.md). */
#ifndef LV_LOADERS_H
#define LV_LOADERS_H

#include "base/diag.h"
#include "image/bootmenu.h"
#include "image/image.h"

/* isolinux.bin, ldlinux.c32 and isolinux.cfg under iso_dir/boot/isolinux;
 * the isohybrid MBR code to `mbr`. */
int lv_loaders_bios(const struct lv_image *im, const struct lv_bootmenu *menu, const char *iso_dir,
		    const char *mbr, struct lv_diags *d);
/* The ESP image to `esp` (its checksum as the layer efi.img), the full GRUB
 * menu and /.disk/{info,livec-ID} under iso_dir. */
int lv_loaders_efi(const struct lv_image *im, const struct lv_bootmenu *menu, const char *id, const char *iso_dir,
		   const char *esp, struct lv_diags *d);

#endif
