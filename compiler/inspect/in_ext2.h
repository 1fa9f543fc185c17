/* An ext2 file system read as entries (entry.h), without mounting it and
 * without a tool: the inner file system of `image.inner: ext2`, which
 * genext2fs writes (revision 1, no optional features).
 *
 * Why not debugfs's `rdump`: it builds host paths from the names in the
 * image, so a crafted name ("../x", or one with a '/') writes outside the
 * target, and it cannot hand entries to a writer that checks them.  This
 * reader is small because ext2 is: the superblock, the group descriptors,
 * 128-byte (or larger) inodes, direct and indirect block maps, linear
 * directories (Poirier, "The Second Extended File System", and
 * e2fsprogs' lib/ext2fs/ext2_fs.h).  ext4's extents, inline data and
 * 64-bit layouts are refused by their feature flags.
 *
 * Every number read is checked against the image: blocks and inodes
 * inside it, directory records inside their block, a name without '/' or
 * NUL, a directory met twice (a loop) refused; a truncated image is an
 * error that says so. */
#ifndef LV_IN_EXT2_H
#define LV_IN_EXT2_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "inspect/entry.h"

#define LV_EXT2_SB_OFFSET 1024

/* The file system's size in bytes from its superblock (the 1024 bytes at
 * LV_EXT2_SB_OFFSET), or 0 when it is not ext2. */
uint64_t lv_ext2_size(const unsigned char *sb);

/* Calls fn for the root ("") and then every entry below it, parents
 * before children; a regular file with several names is given once with
 * its bytes and then as hard links ('h') to the first name.  Returns 0,
 * fn's error, or -LVE_ARCHIVE (diagnosed, naming `name`). */
int lv_ext2_each(const char *path, const char *name, lv_xentry_fn fn, void *ud, struct lv_diags *d);

#endif
