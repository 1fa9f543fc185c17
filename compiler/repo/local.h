/* packages.local: a directory of .deb files as a repository livec indexes
 * itself.
 *
 * There is no signature to check: each file is pinned by its SHA-256 in
 * the lock, and the lock's inputs digest covers the directory's files
 * (name, size, SHA-256), so changing one makes `lock --check` fail.  The
 * index is a Packages file made from each .deb's control paragraph with
 * livec's own Filename, Size and SHA256 (what a .deb says of those is
 * dropped), in file name order, kept in the cache by its hash. */
#ifndef LV_LOCAL_H
#define LV_LOCAL_H

#include <stdint.h>

#include "base/buf.h"
#include "base/diag.h"
#include "repo/cache.h"
#include "repo/repo.h"

struct lv_localdeb {
	char *file;            /* a plain name in the directory */
	char sha256[65];
	uint64_t size;
};

/* The .deb files of dir, sorted by name, hashed.  Other entries are left
 * out; a .deb that is not a regular file, or whose name is not a plain
 * one, is an error. */
int lv_local_scan(const char *dir, struct lv_localdeb **v, size_t *n, struct lv_diags *d);
void lv_local_free(struct lv_localdeb *v, size_t n);

/* The directory of a local repository (its base URL as a path; malloc'd). */
char *lv_local_dir(const struct lv_repo *rp);

/* rp->idx[0]: the directory's index, made and kept in the cache. */
int lv_local_index(const struct lv_cache *c, struct lv_repo *rp, struct lv_diags *d);

/* What the inputs digest says of the directory: a line per file. */
void lv_local_digest(const char *dir, struct lv_buf *b);

#endif
