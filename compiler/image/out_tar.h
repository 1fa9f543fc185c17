/* The tar writer: a tree (IR) as a deterministic tarball.
 * pax_restricted (ustar unless a field needs pax), numeric owners only,
 * names "./path" in IR order, mtimes whole seconds, no atime/ctime, hard
 * links as links to the group's first path, file capabilities as
 * SCHILY.xattr records; gzip without a header timestamp, zstd as is. */
#ifndef LV_OUT_TAR_H
#define LV_OUT_TAR_H

#include "base/diag.h"
#include "base/sha256.h"
#include "build/tree.h"

enum lv_compress { LV_COMPRESS_NONE, LV_COMPRESS_GZIP, LV_COMPRESS_ZSTD };

/* Writes the tar to path atomically; its SHA-256, taken as it is written,
 * in sha256 (unless NULL). */
int lv_tar_write(const struct lv_tree *t, const char *path, enum lv_compress c, char sha256[LV_SHA256_HEX],
		 struct lv_diags *d);

#endif
