/* What the libarchive-based writers (out_tar.c, out_cpio.c) share. */
#ifndef LV_OUT_ARCHIVE_H
#define LV_OUT_ARCHIVE_H

#include <archive.h>

#include "diag.h"
#include "tree.h"

/* Streams the content of regular file node n (or of its hard-link group's
 * first member) into the current archive entry; exactly n->size bytes. */
int lv_archive_write_data(struct archive *a, const struct lv_tree *t, const struct lv_node *n,
			  struct lv_diags *d);

#endif
