/* The FAT writer: the EFI System Partition image (FAT12, or FAT16 when it
 * holds more than FAT12 can address), written by livec itself.
 *
 * Why not mtools or mkfs.fat: their output depends on the host's version
 * and its clock (mtools stamps directories it makes with the current time;
 * mkfs.fat --invariant fixes the serial and time but not what mcopy adds),
 * and a bookworm and a trixie host must give the same bytes.  A FAT image
 * of a few files is small enough to write by the specification (Microsoft
 * "FAT: General Overview of On-Disk Format", 1.03): every byte here comes
 * from the file list, the serial and the epoch.
 *
 * Names are 8.3 (EFI/BOOT/BOOTX64.EFI, EFI/BOOT/grubx64.efi): no long-name
 * entries; an all-lowercase base or extension is marked as such (the
 * NT case bits), so it lists as given.  Files go in sorted path order,
 * each contiguous; every time is the epoch (in UTC). */
#ifndef LV_OUT_FAT_H
#define LV_OUT_FAT_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

struct lv_fat_file {
	const char *path;   /* inside the image: "EFI/BOOT/BOOTX64.EFI" (8.3 components) */
	const char *from;   /* host path of its content */
};

struct lv_fat_opts {
	const char *label;  /* volume label, up to 11 characters: "LIVEC_EFI" */
	uint32_t serial;    /* volume serial number */
	long long epoch;    /* every timestamp */
};

/* Writes the image to `out` atomically.  0, or a negative error with a
 * diagnostic (a name that is not 8.3, a file that cannot be read). */
int lv_fat_write(const struct lv_fat_file *files, size_t n, const char *out, const struct lv_fat_opts *o,
		 struct lv_diags *d);

#endif
