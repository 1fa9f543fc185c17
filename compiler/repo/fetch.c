/* Package downloads into the cache (fetch.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "repo/fetch.h"
#include "repo/net.h"

int lv_fetch_packages(const struct lv_cache *c, const struct lv_repos *repos,
		      const struct lv_lockset *const *sets, size_t nsets, unsigned jobs,
		      struct lv_fetch_stats *st, struct lv_diags *d)
{
	size_t total = 0, n = 0;
	int r = 0;

	memset(st, 0, sizeof(*st));
	for (size_t s = 0; s < nsets; s++)
		total += sets[s]->n;
	struct lv_dl *dl = calloc(total + 1, sizeof(*dl));
	const struct lv_lockpkg **who = calloc(total + 1, sizeof(*who));
	st->total = total;
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s]->n; i++) {
			const struct lv_lockpkg *p = &sets[s]->v[i];
			int dup = 0;
			for (size_t k = 0; k < n; k++)
				dup |= !strcmp(who[k]->sha256, p->sha256);
			if (dup)
				continue;
			if (lv_cache_has(c, p->sha256, p->size)) {
				st->cached++;
				continue;
			}
			const struct lv_repo *rp = NULL;
			for (size_t k = 0; k < repos->n; k++)
				if (!strcmp(repos->v[k].name, p->repo))
					rp = &repos->v[k];
			if (!rp) {
				lv_error(d, "package '%s' comes from suite '%s', which the manifest no "
					    "longer uses: run 'livec lock --update'", p->name, p->repo);
				r = -LVE_STALE;
				continue;
			}
			who[n] = p;
			dl[n] = (struct lv_dl){ .url = lv_repo_url(rp, p->filename),
						.dest = lv_cache_blob(c, p->sha256),
						.sha256 = p->sha256,
						.size = p->size };
			n++;
		}
	if (r == 0 && n) {
		lv_net_fetch(dl, n, jobs, "fetch");
		for (size_t i = 0; i < n; i++) {
			if (!dl[i].status) {
				st->downloaded++;
				st->bytes += dl[i].size;
				continue;
			}
			if (dl[i].status == -LVE_MISSING)
				lv_error(d, "package '%s' version '%s' is no longer on the mirror (%s): run "
					    "'livec lock --update' to move to the current version, or set "
					    "distribution.mirror to a snapshot mirror that still has it",
					 who[i]->name, who[i]->version, who[i]->filename);
			else
				lv_error(d, "package '%s' version '%s': %s", who[i]->name, who[i]->version,
					 dl[i].error);
			if (!r)
				r = dl[i].status;
		}
	}
	for (size_t i = 0; i < n; i++) {
		free((char *)dl[i].url);
		free((char *)dl[i].dest);
	}
	free(dl);
	free(who);
	return r;
}
