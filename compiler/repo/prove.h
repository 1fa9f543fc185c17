/* Re-proving a lock's pins from signed metadata.
 *
 * A lock pins each package by SHA-256.  That says which file to use, not
 * that Debian's signed metadata ever vouched for it: a lock edited by hand
 * could pin any file of the mirror (an old vulnerable version, a package of
 * another suite).  lv_prove_lock walks the chain again for each package:
 *
 *   the InRelease the lock names (its SHA-256; `lock` keeps it in the cache)
 *   -> gpgv with the manifest's keys, and it is the suite the lock says
 *   -> its Release lists the index the lock names (path, size, SHA-256)
 *   -> that index, by hash, has the package's paragraph with the same
 *      Package, Version, Architecture, Filename, Size and SHA256.
 *
 * What is not in the cache is fetched from the mirror by hash.  When the
 * mirror has moved on (a newer InRelease; the lock's is gone), the
 * mirror's current signed metadata serves instead: a package it lists
 * unchanged is proved by it, one it lists differently is an error, and
 * one it no longer lists cannot be proved: an error (a lock whose
 * InRelease hash was edited lands here too), or with allow_unproved a
 * warning that names them. */
#ifndef LV_PROVE_H
#define LV_PROVE_H

#include "base/diag.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"
#include "repo/cache.h"
#include "repo/repo.h"

struct lv_proof {
	size_t proved;          /* by the lock's own metadata */
	size_t proved_newer;    /* by the mirror's newer metadata */
	size_t unproved;        /* listed by neither any more */
};

/* plan: the manifest's suites from lv_repos_plan (a suite whose mirror has
 * moved on is acquired into it).  0 when every pin is proved (or, with
 * allow_unproved, cannot be: counted in out, with a warning), -LVE_HASH
 * when one contradicts its signed metadata or cannot be proved (each such
 * package named in d); network and signature failures as
 * lv_repos_acquire. */
int lv_prove_lock(const struct lv_manifest *m, const struct lv_cache *c, struct lv_repos *plan,
		  const struct lv_lock *l, int allow_unproved, struct lv_proof *out, struct lv_diags *d);

/* The lock's signed metadata (each suite's InRelease and indexes) and a
 * directory DIR/SUITE/{InRelease,main/binary-amd64/Packages,...}: with
 * `out`, copied there from the cache (a warning for what is not there); without, what
 * the cache lacks is taken from there when its SHA-256 is the lock's. */
int lv_metadata_sync(const struct lv_cache *c, const struct lv_lock *l, const char *dir, int out,
		     struct lv_diags *d);

#endif
