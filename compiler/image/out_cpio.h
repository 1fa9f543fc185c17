/* The cpio writer: a tree (IR) as a gzip'd newc archive, the format the
 * kernel unpacks as an initramfs.  Deterministic: IR order (parents before
 * children), inode numbers 1..n, device 0, numeric owners, one link per
 * entry, mtimes from the IR, gzip without a header timestamp. */
#ifndef LV_OUT_CPIO_H
#define LV_OUT_CPIO_H

#include "base/diag.h"
#include "build/tree.h"

int lv_cpio_write(const struct lv_tree *t, const char *path, struct lv_diags *d);

#endif
