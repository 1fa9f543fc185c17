/* Files that come from no package: the seed's warning made a check.
 *
 * Takes an image tree, the lock and the manifest.  Gives the regular files
 * in the tree that no locked rootfs package ships and that the manifest's
 * `files:` did not add with a declared license.  Package file lists are read
 * from the cached .debs (streamed) and cached by the .deb's SHA256.  Paths
 * in packages are matched through the tree's merged-/usr symlinks
 * (bin -> usr/bin), as dpkg would resolve them.
 *
 * Installing makes files no package ships: dpkg's database, the packages'
 * maintainer scripts' output (ld.so.cache, /etc/passwd, modules.dep) and
 * livec's own system section (/etc/hostname, the users' homes).  livec
 * build records those, before the manifest's files: and hooks run, in the
 * tree's LV_GENERATED_LIST; a scan counts what is listed there as
 * generated, so what remains unowned is what files: and hooks added
 * without a license. */
#ifndef LV_UNOWNED_H
#define LV_UNOWNED_H

#include "repo/cache.h"
#include "base/diag.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"

#define LV_GENERATED_LIST "var/lib/livec/generated"

/* A files: entry with a declared license and how many of its files the
 * tree has. */
struct lv_declared {
	char *target;     /* "" for the root */
	char *license;
	size_t files;
};

struct lv_unowned {
	char **paths;   /* sorted, relative to the tree, e.g. "etc/stray.conf" */
	size_t n;
	struct lv_declared *declared; /* in manifest order */
	size_t ndeclared;
	size_t generated; /* files made while installing (LV_GENERATED_LIST) */
	int have_record;  /* the tree has LV_GENERATED_LIST */
};

/* Lists the entries of every package of the lock in the cache (made from
 * the fetched .debs once, then read back): done by a build right after
 * fetching, so what follows in the tree's own ids writes no cache file. */
int lv_unowned_lists(const struct lv_cache *c, const struct lv_lock *l, struct lv_diags *d);
/* Writes the tree's LV_GENERATED_LIST: every regular file that is in it now
 * and that no locked package ships. */
int lv_unowned_record(const struct lv_cache *c, const struct lv_lock *l, const struct lv_manifest *m,
		      const char *tree, struct lv_diags *d);

int lv_unowned_scan(const struct lv_cache *c, const struct lv_lock *l, const struct lv_manifest *m,
		    const char *tree, struct lv_unowned *out, struct lv_diags *d);
void lv_unowned_release(struct lv_unowned *u);

#endif
