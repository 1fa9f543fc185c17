/* The assembled-tree cache.  An installed, normalised tree depends only on
 * the lockfile, the manifest's system/files/hooks sections (and the files
 * they copy), the epoch and livec's version; its digest names a directory
 * in <cache>/trees/.  A build whose digest is there skips straight to the
 * writers.  One tree is kept per manifest name; builds sharing a cache
 * lock the trees they read (flock), so none removes another's. */
#ifndef LV_TREECACHE_H
#define LV_TREECACHE_H

#include "repo/cache.h"
#include "manifest/manifest.h"

/* The digest (64 hex digits) of everything the tree depends on. */
int lv_treecache_key(const struct lv_manifest *m, const char *lock_path, long long epoch,
		     char key[65]);
/* The cached tree for key (malloc'd path), or NULL.  *lockfd holds a
 * shared lock on it: close it when done reading, until then no other
 * build removes the tree. */
char *lv_treecache_lookup(const struct lv_cache *c, const char *key, int *lockfd);
/* Moves a finished tree into the cache (rename) and makes it the
 * manifest's current one; returns the cached path (malloc'd, locked as
 * lookup's) or NULL when it could not (the tree stays where it was).
 * Trees no manifest names any more, and no build reads, are removed. */
char *lv_treecache_store(const struct lv_cache *c, const char *name, const char *key, const char *tree,
			 int *lockfd);
/* Removes the staging roots of builds that are gone (a build killed
 * before it could clean up) and unnamed trees no build reads. */
void lv_treecache_clean(const struct lv_cache *c);

#endif
