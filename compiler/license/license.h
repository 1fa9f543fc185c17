/* The license inventory: every locked package's declared license.
 *
 * Takes the locked sets and the cache (every .deb already fetched).  For
 * each package, streams usr/share/doc/<pkg>/copyright out of its .deb
 * (deb.c), analyses it (copyright.c) and caches the result by the .deb's
 * SHA256, so a warm lock reads no .deb again.  A doc directory that is a
 * symlink to another package's (dh_installdocs --link-doc) takes that
 * package's result; the target must be in the lock.  Runs on all cores. */
#ifndef LV_LICENSE_H
#define LV_LICENSE_H

#include "repo/cache.h"
#include "base/diag.h"
#include "lock/lockfile.h"

struct lv_license_stats {
	size_t by_method[4];   /* indexed by enum lv_license_method */
	size_t analysed, cached;
};

/* The packages whose license is not cached yet, and whose .debs must be in
 * the cache before lv_licenses_fill: `out` gets shallow copies (free only
 * out->v). */
void lv_licenses_missing(const struct lv_cache *c, struct lv_lockset *const *sets, size_t nsets,
			 struct lv_lockset *out);
int lv_licenses_fill(const struct lv_cache *c, struct lv_lockset *const *sets, size_t nsets,
		     unsigned threads, struct lv_license_stats *st, struct lv_diags *d);

#endif
