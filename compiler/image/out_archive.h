/* What the libarchive-based writers (out_tar.c, out_cpio.c) share. */
#ifndef LV_OUT_ARCHIVE_H
#define LV_OUT_ARCHIVE_H

#include <archive.h>

#include "base/diag.h"
#include "build/tree.h"

/* Opens a configured writer on a temporary name next to path (malloc'd
 * into *tmp); 0 or -LVE_ARCHIVE (diagnosed). */
int lv_archive_start(struct archive *a, const char *path, char **tmp, struct lv_diags *d);
/* Closes the writer and, when r is 0, renames tmp to path; on any error the
 * temporary file is removed.  Frees a and tmp.  Returns the final status. */
int lv_archive_finish(struct archive *a, char *tmp, const char *path, int r, struct lv_diags *d);

/* Streams the content of regular file node n (or of its hard-link group's
 * first member) into the current archive entry; exactly n->size bytes. */
int lv_archive_write_data(struct archive *a, const struct lv_tree *t, const struct lv_node *n,
			  struct lv_diags *d);

#endif
