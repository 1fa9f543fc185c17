/* The assembled-tree cache.  An installed, normalised tree depends only on
 * the lockfile, the manifest's system/files/hooks sections (and the files
 * they copy), the epoch and livec's version; its digest names a directory
 * in <cache>/trees/.  A build whose digest is there skips straight to the
 * writers.  One tree is kept per manifest name. */
#ifndef LV_TREECACHE_H
#define LV_TREECACHE_H

#include "repo/cache.h"
#include "manifest/manifest.h"

/* The digest (64 hex digits) of everything the tree depends on. */
int lv_treecache_key(const struct lv_manifest *m, const char *lock_path, long long epoch,
		     char key[65]);
/* The cached tree for key (malloc'd path), or NULL. */
char *lv_treecache_lookup(const struct lv_cache *c, const char *key);
/* Moves a finished tree into the cache (rename); returns the cached path
 * (malloc'd) or NULL when it could not (the tree stays where it was). */
char *lv_treecache_store(const struct lv_cache *c, const char *name, const char *key, const char *tree);

#endif
