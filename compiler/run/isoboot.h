/* Direct boot from a livec ISO (livec run --append): the image's own
 * kernel, initramfs and the first command line of its boot menu. */
#ifndef LV_ISOBOOT_H
#define LV_ISOBOOT_H

#include "base/buf.h"
#include "base/diag.h"

struct lv_isoboot {
	/* boot/vmlinuz and boot/initrd.gz, each in a memfd that a child
	 * (QEMU) inherits and opens as this path: "/proc/self/fd/N" */
	char kernel[64], initrd[64];
	struct lv_buf append;   /* the boot menu's first APPEND line, without its initrd= */
};

/* Reads them from the ISO iso.  0, or an error (diagnosed): not an ISO
 * image, or not a livec image. */
int lv_isoboot_read(const char *iso, struct lv_isoboot *b, struct lv_diags *d);

/* Closes the memfds and frees the command line. */
void lv_isoboot_release(struct lv_isoboot *b);

#endif
