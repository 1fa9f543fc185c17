/* The initramfs: busybox, livec's init and cloop server, the modules that
 * find the medium, and the files under /etc/livec, through which `livec build`
 * tells runtime/init what this image is.  That contract is documented in
 * docs/runtime-contract.md; runtime/init points there too.
 *
 *   /etc/livec/id        the build ID to find on a medium's /LIVEC/ID
 *   /etc/livec/inner     iso9660 | ext2 (image.inner; the mount type)
 *   /etc/livec/root      tmpfs | overlay (image.root)
 *   /etc/livec/readonly  the read-only directories, one a line
 *   /etc/livec/modules   the modules to load, in order
 *   /etc/livec/medium.sha256  SHA-256 of LIVEC/LIVEC.sha256 (the cloop
 *                        image's hash list) and LIVEC/root_fs.tgz
 *   /etc/livec/modules.why, /etc/livec/media/  (see the contract) */
#ifndef LV_INITRAMFS_H
#define LV_INITRAMFS_H

#include "base/diag.h"
#include "base/sha256.h"
#include "image/image.h"

/* Writes the initramfs of kernel `kver` (installed in the tree at rootfd)
 * to `out` as a gzip'd newc cpio.  `readonly`: the read-only directories,
 * one a line; `medium_sums`: /etc/livec/medium.sha256 (sha256sum lines).
 * Its SHA-256, taken as it is written, in sha256 (unless NULL). */
int lv_initramfs_write(const struct lv_image *im, int rootfd, const char *kver, const char *id,
		       const char *readonly, const char *medium_sums, const char *out, char sha256[LV_SHA256_HEX],
		       struct lv_diags *d);

#endif
