/* The image's user and group ids, as the build host sees them.
 *
 * Image code (dpkg, maintainer scripts, hooks, livec shell) runs as root of
 * a user namespace whose ids 0..65535 are unprivileged ids outside it:
 * image id i is id base+i for livec, so the tree on disk belongs to
 * base..base+65535 and a program that gets out of the sandbox is nobody.
 *
 *   - livec run as root: base is LV_IDMAP_ROOT_BASE, a range above the
 *     ones systemd gives to containers and below 2^31, which no account uses.
 *   - livec run as a user (rootless): lv_idmap_setup() first moves livec
 *     into a user namespace of its own, where the user's id is 0 and the
 *     user's subordinate ids (/etc/subuid, /etc/subgid; written by the
 *     setuid newuidmap and newgidmap) are 1..65536; base is 1 there.  livec
 *     is root over its own files and the tree, and over nothing else.
 *
 * What livec itself creates in the tree belongs to the image's root
 * (lv_idmap_tree_owner); the tree reader turns the ids on disk back into
 * the image's (lv_idmap_image_id), so the outputs are the same bytes as
 * root and rootless. */
#ifndef LV_IDMAP_H
#define LV_IDMAP_H

#include <sys/types.h>

#include "base/diag.h"

#define LV_IDMAP_ROOT_BASE 0x70000000u
#define LV_IDMAP_COUNT 65536u

struct lv_idmap {
	unsigned uid, gid;           /* base: image id 0, as livec sees it */
	unsigned host_uid, host_gid; /* the same, as the host's first namespace sees it */
	int rootless;
	unsigned overflow;           /* rootless: the id unmapped ones read as */
};

/* Once per process, before any tree work, while livec has one thread.  As
 * a user without subordinate ids: an error saying how to add them. */
int lv_idmap_setup(struct lv_diags *d);
/* The map (valid after lv_idmap_setup). */
const struct lv_idmap *lv_idmap(void);
/* Writes the maps of a child just cloned into a new user namespace:
 * 0..65535 there are base..base+65535 here. */
int lv_idmap_child(pid_t pid);
/* on: files livec creates from now on belong to the image's root (the
 * file-system ids become base; the capabilities to write anywhere in the
 * tree stay); off: livec's own again.  Returns whether it was on before,
 * or a negative error. */
int lv_idmap_tree_owner(int on);
/* An id on disk as the image's id, or -ERANGE outside the image's range. */
int lv_idmap_image_id(unsigned disk, int group, unsigned *id);
/* security.capability as written in the sandbox (revision 3, naming the
 * namespace's root) as the image carries it (revision 2); others as they
 * are.  Returns the new length. */
size_t lv_idmap_file_caps(void *cap, size_t len);

#endif
