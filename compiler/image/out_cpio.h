/* The cpio writer: a tree (IR) as a gzip'd newc archive, the format the
 * kernel unpacks as an initramfs.  Deterministic: IR order (parents before
 * children), inode numbers 1..n, device 0, numeric owners, one link per
 * entry, mtimes from the IR, gzip without a header timestamp. */
#ifndef LV_OUT_CPIO_H
#define LV_OUT_CPIO_H

#include "base/diag.h"
#include "base/sha256.h"
#include "build/tree.h"

/* Writes the archive to path atomically; its SHA-256, taken as it is
 * written, in sha256 (unless NULL). */
int lv_cpio_write(const struct lv_tree *t, const char *path, char sha256[LV_SHA256_HEX], struct lv_diags *d);

#endif
