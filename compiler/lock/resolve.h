/* Resolution with libsolv (resolve.c and explain.c are the only modules
 * that use libsolv; lock/solv.h is what they share).
 *
 * Takes verified Packages indexes (or their cached .solv form) and the
 * manifest's package request.  Gives the two locked package sets: `rootfs`
 * (Essential + the variant's priority set + packages.install - exclude, with
 * their dependencies) and `boot` (packages.boot with theirs).  Each package
 * says why it is there.
 *
 * libsolv does not model Essential or Priority, and does not prefer the
 * first alternative of "a | b" as apt does.  livec records Essential and
 * Priority next to libsolv's data (also in the .solv cache), and steers the
 * solver with SOLVER_FAVOR jobs until every or-group is satisfied by its
 * first installable alternative wherever apt would pick that one. */
#ifndef LV_RESOLVE_H
#define LV_RESOLVE_H

#include "repo/cache.h"
#include "base/buf.h"
#include "base/diag.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"

struct lv_resolver;

struct lv_resolver *lv_resolver_new(const char *arch);
void lv_resolver_free(struct lv_resolver *rs);

/* The cache key of an index's parsed form: index hash + libsolv version. */
char *lv_resolver_solv_key(const char *index_sha256);
/* Loads an index from the .solv cache: 1 loaded, 0 not cached. */
int lv_resolver_load_cached(struct lv_resolver *rs, const struct lv_cache *c, const char *repo_name,
			    const char *index_sha256);
/* apt's pin priority of every package of the repository `repo_name`
 * (apt_preferences(5)): a package's candidate is its version of highest
 * priority, then highest version. */
void lv_resolver_set_priority(struct lv_resolver *rs, const char *repo_name, long priority);
/* Parses an uncompressed Packages file, then stores the .solv in the cache. */
int lv_resolver_load_packages(struct lv_resolver *rs, const struct lv_cache *c, const char *repo_name,
			      const char *index_sha256, const char *packages_path, struct lv_diags *d);

/* Solves the manifest's request.  Unknown packages are reported at their
 * manifest position; an unsatisfiable request is explained in words. */
int lv_resolve(struct lv_resolver *rs, const struct lv_manifest *m, struct lv_lockset *rootfs,
	       struct lv_lockset *boot, struct lv_diags *d);

/* Why the package `name` is in the lock l, or why not (lock --explain),
 * in sentences appended to out; the indexes the lock was made from must be
 * loaded first.  0: in the lock; 1: not in it. */
int lv_resolver_explain(struct lv_resolver *rs, const struct lv_manifest *m, const struct lv_lock *l,
			const char *name, struct lv_buf *out);

/* Writes a libsolv testcase of the last solve into dir (for bug reports). */
int lv_resolver_dump(struct lv_resolver *rs, const char *dir);

#endif
