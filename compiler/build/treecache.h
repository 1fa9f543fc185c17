/* The assembled-tree cache.  An installed, normalised tree depends only on
 * the lockfile, the manifest's system/files/hooks sections (and the files
 * they copy), the epoch and livec's version; its digest names a directory
 * in <cache>/trees/.  A build whose digest is there skips straight to the
 * writers.  One tree is kept per manifest name; builds sharing a cache
 * lock the trees they read (flock), so none removes another's. */
#ifndef LV_TREECACHE_H
#define LV_TREECACHE_H

#include "repo/cache.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"

/* The build cache has two stages of trees (docs/build.md):
 *
 *   installed-KEY  the packages installed with dpkg: keyed by the lock's
 *                  rootfs pins, the debconf answers, the architecture, the
 *                  epoch and livec itself (lv_treecache_installed_key);
 *   KEY            the finished tree: that and the system, files and hooks
 *                  sections and what they copy (lv_treecache_key).
 *
 * A change to files: or hooks: starts from a copy of the installed tree
 * (clone.h) instead of running dpkg again.  The writers add a third:
 *
 *   cloop-KEY      the compressed read-only layer, keyed by the inner
 *                  image's SHA-256 and the cloop options.
 *
 * One of each is kept per manifest name ("NAME.installed", "NAME.current",
 * "NAME.cloop"). */
enum lv_treecache_stage {
	LV_TREECACHE_INSTALLED, /* installed-KEY */
	LV_TREECACHE_FINISHED,  /* KEY */
	LV_TREECACHE_CLOOP,     /* cloop-KEY: the cloop image and its hash list (image.c) */
};

/* The digest of what the installed tree depends on. */
int lv_treecache_installed_key(const struct lv_manifest *m, const struct lv_lock *l, long long epoch,
			       char key[65]);
/* The cache's name of a stage's entry (malloc'd): KEY, installed-KEY or
 * cloop-KEY. */
char *lv_treecache_name(enum lv_treecache_stage stage, const char *key);
/* The digest (64 hex digits) of everything the tree depends on. */
int lv_treecache_key(const struct lv_manifest *m, const char *lock_path, long long epoch,
		     char key[65]);
/* The cached tree named `key` (lv_treecache_name; malloc'd path), or NULL.  *lockfd holds a
 * shared lock on it: close it when done reading, until then no other
 * build removes the tree. */
char *lv_treecache_lookup(const struct lv_cache *c, const char *key, int *lockfd);
/* Moves a finished tree into the cache (rename) and makes it the
 * manifest's current one; returns the cached path (malloc'd, locked as
 * lookup's) or NULL when it could not (the tree stays where it was).
 * Trees no manifest names any more, and no build reads, are removed. */
char *lv_treecache_store(const struct lv_cache *c, const char *name, enum lv_treecache_stage stage,
			 const char *key, const char *tree, int *lockfd);
/* A fresh staging directory in the cache's trees/, ".build-PID.XXXXXX"
 * (mkdtemp), its path into `path`; returns a descriptor holding a shared
 * lock on it (or a negative errno): keep it while the build uses the
 * directory.  A sweep removes a staging directory only when the process
 * its name holds is gone and its lock is free, so a build in another pid
 * namespace that shares the cache keeps its own. */
int lv_treecache_staging(const struct lv_cache *c, char *path, size_t size);
/* Makes `key` the manifest's entry of the stage (a build that reused it
 * claims it, so that it stays while the manifest uses it). */
void lv_treecache_claim(const struct lv_cache *c, const char *name, enum lv_treecache_stage stage, const char *key);
/* A lock on the whole cache: builds hold it shared while they run (a
 * fetched package must stay until it is unpacked); `cache prune` takes it
 * exclusive, without waiting, before it removes packages.  The descriptor,
 * or -1. */
int lv_cache_hold(const struct lv_cache *c, int exclusive);
/* Removes the staging roots of builds that are gone (a build killed
 * before it could clean up) and unnamed trees no build reads. */
void lv_treecache_clean(const struct lv_cache *c);

/* What the cache holds, in bytes on disk. */
struct lv_cache_usage {
	unsigned long long blobs;      /* sha256/: .debs, indexes, InRelease files */
	unsigned long long derived;    /* solv/, license/, files/: parsed forms, rebuilt when gone */
	unsigned long long stage[3];   /* by enum lv_treecache_stage */
	unsigned long long staging;    /* builds under way (or killed) */
	unsigned long long total;
};
void lv_cache_usage(const struct lv_cache *c, struct lv_cache_usage *u);

/* Removes what no build needs (staging roots of builds that are gone,
 * entries no pointer names), then, while the cache is larger than max (0:
 * no limit), the least recently used stage entries and blobs, each only
 * when no build reads it.  Returns the bytes freed; *removed counts. */
unsigned long long lv_cache_prune(const struct lv_cache *c, unsigned long long max, size_t *removed);

#endif
