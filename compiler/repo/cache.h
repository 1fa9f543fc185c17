/* The content-addressed cache shared by all builds.
 *
 *   <root>/sha256/ab/abcdef...   blobs named by their SHA256 (.debs, indexes)
 *   <root>/solv/<key>.solv       libsolv's parsed repositories (derived data)
 *   <root>/tmp/                  scratch on the same file system
 *
 * <root> is --cache DIR, else $XDG_CACHE_HOME/livec, else ~/.cache/livec.
 * Blobs are written under a temporary name and renamed into place, so two
 * livec processes can share a cache: both may download the same blob, and
 * whichever renames last wins with identical bytes.  Every use re-checks the
 * blob's size and hash; a damaged blob is deleted and fetched again. */
#ifndef LV_CACHE_H
#define LV_CACHE_H

#include <stdint.h>

struct lv_cache {
	char *root;
};

int lv_cache_open(struct lv_cache *c, const char *dir);
void lv_cache_release(struct lv_cache *c);
/* Path of the blob for sha256 (malloc'd); creates its fan-out directory. */
char *lv_cache_blob(const struct lv_cache *c, const char *sha256);
/* 1 if the blob is present with this size (0 = any) and hash; a damaged
 * blob is removed and 0 returned. */
int lv_cache_has(const struct lv_cache *c, const char *sha256, uint64_t size);
/* Path for a derived file, e.g. lv_cache_path(c, "solv", "<key>.solv"). */
char *lv_cache_path(const struct lv_cache *c, const char *sub, const char *name);

#endif
