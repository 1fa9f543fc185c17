/* The kernel that boots, and the modules and firmware its initramfs needs.
 *
 *   lv_kernel_pick:    which of the tree's kernels boots: image.kernel (a
 *                      version or a linux-image-* package), else the one
 *                      the installed linux-image-* metapackage depends on;
 *                      a tree with several kernels and no way to choose is
 *                      an error, never "the highest directory name"
 *   lv_kernel_modules: the modules a live medium needs to be found on real
 *                      hardware, derived from the kernel's own modules.alias
 *                      (device classes: SATA/AHCI, NVMe, USB host
 *                      controllers, USB storage, SD/MMC, virtio, keyboards)
 *                      and names (isofs, nbd, overlay, ext4, vfat, ...),
 *                      closed over modules.dep and modules.softdep, in load
 *                      order, each with the reason it is there; and the
 *                      firmware files they declare (.modinfo) that the
 *                      image ships
 *
 * Every path comes from the image and is read inside its root (inroot.c). */
#ifndef LV_KERNEL_H
#define LV_KERNEL_H

#include <stddef.h>

#include "base/diag.h"

struct lv_manifest;

/* Returns the version (malloc'd) of the kernel that boots, or NULL with an
 * error recorded. */
char *lv_kernel_pick(int rootfd, const struct lv_manifest *m, struct lv_diags *d);

struct lv_kmod {
	char *path;   /* relative to usr/lib/modules/VERSION, e.g. kernel/drivers/nvme/host/nvme.ko.xz */
	char *name;   /* the module's name, e.g. nvme */
	char *why;    /* e.g. "NVMe controllers (PCI class 01.08)" or "needed by nvme" */
};

struct lv_kmods {
	struct lv_kmod *v;   /* load order: what a module needs comes before it */
	size_t n;
	char **firmware;     /* relative to usr/lib/firmware, sorted, as the image ships them */
	size_t nfirmware;
};

int lv_kernel_modules(int rootfd, const char *version, struct lv_kmods *out, struct lv_diags *d);
void lv_kmods_release(struct lv_kmods *k);

#endif
