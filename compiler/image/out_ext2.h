/* The ext2 writer: a tree (IR) as an ext2 file system image, made by
 * genext2fs from a sorted tarball, so the inode order is the IR's, not the
 * host's; every time from the epoch (SOURCE_DATE_EPOCH for genext2fs),
 * no UUID, no reserved blocks. */
#ifndef LV_OUT_EXT2_H
#define LV_OUT_EXT2_H

#include "base/diag.h"
#include "build/tree.h"

struct lv_ext2_opts {
	const char *label;   /* the volume label */
	long long epoch;
	unsigned long long size; /* bytes; 0: what the tree needs (never less) */
};

int lv_ext2_write(const struct lv_tree *t, const char *path, const struct lv_ext2_opts *o, struct lv_diags *d);

#endif
