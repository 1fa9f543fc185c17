/* The live system's tree, out of a medium (`livec inspect --extract`).
 *
 * Composed the way runtime/init composes the live root, as the
 * initramfs's /etc/livec/root and /etc/livec/readonly tell it:
 *   tmpfs    root_fs.tgz unpacked, then each read-only directory bound from
 *            the cloop image's file system over its mount point: so the
 *            directory and everything below it come from the cloop image,
 *            and whatever root_fs.tgz had below it is hidden;
 *   overlay  the cloop image's file system is the whole tree (root_fs.tgz
 *            holds only "/" and init does not unpack it).
 * What init adds at boot (/ro, /cdrom, /run, the media files in /etc) is
 * not part of the image and not written.  Every entry goes through
 * beneath.c, so a hostile medium cannot write outside the directory. */
#ifndef LV_EXTRACT_H
#define LV_EXTRACT_H

#include <stddef.h>

#include "base/diag.h"
#include "inspect/medium.h"

struct lv_extract_stats {
	size_t entries;
	size_t skipped_devices, skipped_caps, skipped_sockets;  /* need root (sockets: never made) */
	int as_root;
	char root_mode[16];     /* "tmpfs" or "overlay" */
};

/* dir must not exist or be empty; the medium read with LV_MEDIUM_TREE. */
int lv_medium_extract(const struct lv_medium *m, const char *dir, struct lv_extract_stats *st,
		      struct lv_diags *d);

#endif
