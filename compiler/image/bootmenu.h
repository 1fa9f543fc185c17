/* The boot menu: one description, two loaders.  ISOLINUX (BIOS) and GRUB
 * (UEFI) offer the same entries (the live system, copied to RAM, text
 * mode, a debug shell) with the same kernel command line and timeout, and
 * boot the same kernel and initramfs. */
#ifndef LV_BOOTMENU_H
#define LV_BOOTMENU_H

#include "base/buf.h"

struct lv_bootmenu {
	const char *name;     /* the image's name: the entries' titles */
	const char *label;    /* the volume label */
	const char *cmdline;  /* image.boot.cmdline (checked by the manifest reader) */
	int timeout;          /* tenths of a second (ISOLINUX's unit) */
};

/* /boot/isolinux/isolinux.cfg */
void lv_bootmenu_isolinux(const struct lv_bootmenu *m, struct lv_buf *out);
/* /boot/grub/grub.cfg on the ISO: the full menu */
void lv_bootmenu_grub(const struct lv_bootmenu *m, struct lv_buf *out);
/* boot/grub/grub.cfg on the EFI system partition, which Debian's signed
 * CD GRUB (gcdx64) reads first: it finds the medium of this build by its
 * ID file and loads the full menu from there */
void lv_bootmenu_grub_esp(const char *id_file, struct lv_buf *out);

#endif
