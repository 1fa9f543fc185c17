/* The ISO 9660 writer (the only module that uses libisofs): a tree (IR) as
 * a deterministic ISO image with Rock Ridge, optionally bootable by
 * ISOLINUX (El Torito no-emulation, boot info table) and isohybrid (an MBR
 * from isohdpfx.bin, so the same file boots from a USB stick), and by UEFI
 * (an EFI system partition appended to the image, which is both the El
 * Torito EFI entry and a partition of the stick).
 *
 * Deterministic: the "now" of libisofs fixed to
 * the epoch before the image exists, every node's mode/uid/gid/times set
 * explicitly, RRIP 1.10 (no inode numbers from the host), no hard links,
 * volume times and uuid from the epoch, GPT GUID derived from the uuid. */
#ifndef LV_OUT_ISO9660_H
#define LV_OUT_ISO9660_H

#include "base/diag.h"
#include "build/tree.h"

struct lv_iso_opts {
	const char *volume_id;      /* label, e.g. "LIVEC" */
	long long epoch;
	const char *boot_image;     /* "boot/isolinux/isolinux.bin" inside the tree, or NULL */
	const char *boot_catalog;   /* "boot/isolinux/boot.cat" */
	const char *isohybrid_mbr;  /* host path of isohdpfx.bin, or NULL */
	const char *efi_image;      /* host path of the ESP (FAT) image, or NULL: appended as
				       GPT partition 2 and the El Torito EFI entry */
	char *sha256;               /* if set (65 bytes), gets the image's SHA-256, hashed while
				       it is written */
	int scratch;                /* a file the build deletes soon: no fsync */
};

int lv_iso_write(const struct lv_tree *t, const char *path, const struct lv_iso_opts *o, struct lv_diags *d);

#endif
