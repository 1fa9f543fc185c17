/* Fetch: every package of a lock's sets into the content-addressed cache,
 * verified by size and SHA256 (net.c does the transfer).  A version the
 * mirror no longer has is reported with the way out. */
#ifndef LV_FETCH_H
#define LV_FETCH_H

#include "repo/cache.h"
#include "base/diag.h"
#include "lock/lockfile.h"
#include "repo/repo.h"

struct lv_fetch_stats {
	size_t total, cached, downloaded;
	unsigned long long bytes;
};

int lv_fetch_packages(const struct lv_cache *c, const struct lv_repos *repos,
		      const struct lv_lockset *const *sets, size_t nsets, unsigned jobs,
		      struct lv_fetch_stats *st, struct lv_diags *d);

#endif
