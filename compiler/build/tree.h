/* The tree (IR): the staging root read back into one sorted model.
 *
 * Every writer (tar, cpio, ISO9660, ext2) consumes this, never the host
 * directory, so host readdir order, inode numbers, atime/ctime and user
 * names cannot leak.  Paths are sorted bytewise, parents before children;
 * owners are numeric; mtimes are clamped to the epoch; regular files with
 * several links form hardlink groups (the first path carries the data);
 * security.capability xattrs are kept. */
#ifndef LV_TREE_H
#define LV_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

struct lv_node {
	char *path;          /* relative, "" for the root itself */
	char type;           /* 'f' 'd' 'l' 'c' 'b' 'p' 's' */
	unsigned mode;       /* permission bits (07777) */
	unsigned uid, gid;
	long long mtime;     /* clamped to the epoch */
	uint64_t size;       /* regular files */
	char *link;          /* symlink target */
	unsigned rdev_major, rdev_minor;
	long hardlink;       /* index of the first node of the group, or -1 */
	void *cap;           /* security.capability value, or NULL */
	size_t cap_len;
};

struct lv_tree {
	char *root;          /* host path of the tree, to read file contents */
	struct lv_node *v;
	size_t n;
};

/* Which ids the files on disk have: an assembled image tree's (on disk at
 * the image's range, build/idmap.h), or livec's own (a staging directory
 * livec wrote itself, owners as they are). */
enum lv_tree_ids { LV_TREE_OWN_IDS, LV_TREE_IMAGE_IDS };
int lv_tree_read(const char *root, enum lv_tree_ids ids, long long epoch, struct lv_tree *t, struct lv_diags *d);
/* Gives the files on disk what their nodes say: owner (as read: the
 * image's ids), mode, file capabilities and time.  For a tree published
 * as a directory; an owner livec cannot give is an error (-ERANGE).
 * Rootless, root's setuid and setgid bits are left out (they would make
 * programs that run as the user): *stripped counts them. */
int lv_tree_apply(const struct lv_tree *t, size_t *stripped);
void lv_tree_release(struct lv_tree *t);
/* A new tree with the nodes of src for which keep() says 1 (the root is
 * always kept); hard-link groups are renumbered, the first kept member
 * carrying the data.  dst reads contents from the same host root. */
typedef int (*lv_tree_keep_fn)(const struct lv_node *n, void *ud);
void lv_tree_filter(const struct lv_tree *src, lv_tree_keep_fn keep, void *ud, struct lv_tree *dst);
/* Host path of a node's content (malloc'd). */
char *lv_tree_source(const struct lv_tree *t, const struct lv_node *n);

#endif
