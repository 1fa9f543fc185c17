/* A copy of a tree that keeps what the image needs of every entry: type,
 * mode (setuid included), owner, file capabilities and other extended
 * attributes, hard links, and times.  Data is shared where the file system
 * can (FICLONE: btrfs, XFS), else copied in the kernel (copy_file_range).
 * The layered build cache (treecache.h) clones its installed tree so that
 * a change to files: or hooks: starts from it without touching it. */
#ifndef LV_CLONE_H
#define LV_CLONE_H

#include <sys/types.h>

#include "base/diag.h"

struct lv_clone_stats {
	unsigned long long files, bytes, reflinked;
};

/* Copies the tree at src into dst, which must not exist.  0 or a negative
 * errno (reported in d, naming the entry). */
int lv_tree_clone(const char *src, const char *dst, struct lv_clone_stats *st, struct lv_diags *d);

/* One regular file copied to dst (atomically: a temporary name, then
 * rename), its data shared or copied as above. */
int lv_file_clone(const char *src, const char *dst, mode_t mode);

#endif
