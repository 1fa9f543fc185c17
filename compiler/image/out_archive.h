/* What the libarchive-based writers (out_tar.c, out_cpio.c) share. */
#ifndef LV_OUT_ARCHIVE_H
#define LV_OUT_ARCHIVE_H

#include <archive.h>

#include "base/diag.h"
#include "base/sha256.h"
#include "build/tree.h"

/* Where a writer's bytes go: a temporary file next to the output, hashed
 * as they are written (the file is never read back to hash it). */
struct lv_archive_out {
	char *tmp;
	int fd;
	struct lv_sha256 sha;
};

/* Opens a configured writer on a temporary name next to path; 0 or
 * -LVE_ARCHIVE (diagnosed). */
int lv_archive_start(struct archive *a, const char *path, struct lv_archive_out *o, struct lv_diags *d);
/* Closes the writer and, when r is 0, renames the temporary file to path
 * and gives its SHA-256 in sha256 (unless NULL); on any error the
 * temporary file is removed.  Frees a.  Returns the final status. */
int lv_archive_finish(struct archive *a, struct lv_archive_out *o, const char *path, int r,
		      char sha256[LV_SHA256_HEX], struct lv_diags *d);

/* Streams the content of regular file node n (or of its hard-link group's
 * first member) into the current archive entry; exactly n->size bytes. */
int lv_archive_write_data(struct archive *a, const struct lv_tree *t, const struct lv_node *n,
			  struct lv_diags *d);

#endif
