/* livec fetch: lockfile -> every locked .deb in the cache, size and SHA256
 * checked.  Blobs already cached (and still intact) are not downloaded. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "err.h"
#include "lockfile.h"
#include "net.h"
#include "repo.h"

static void help(void)
{
	printf("usage: livec fetch [-j N] MANIFEST\n"
	       "\n"
	       "Downloads every package of the lockfile (rootfs and boot sets) into the\n"
	       "content-addressed cache, checking each file's size and SHA256 against the\n"
	       "lock.  Several downloads run at once (-j, default 4); http_proxy is honoured.\n");
}

int lv_cmd_fetch(struct lv_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "jobs", required_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned jobs = 4;
	int c, r;
	char digest[72];

	while ((c = getopt_long(argc, argv, "hj:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': help(); return 0;
		default: return -LVE_USAGE;
		}
	}
	const struct lv_manifest *m = &ctx->m;
	_cleanup_free_ char *path = ctx->lockfile ? strdup(ctx->lockfile)
						  : lv_lock_default_path(m->path, m->name);
	struct lv_lock l;
	if ((r = lv_lock_read(path, &l, &ctx->d)) < 0)
		return r;
	lv_lock_inputs_digest(m, digest);
	if (strcmp(digest, l.inputs_digest)) {
		lv_error(&ctx->d, "lockfile '%s' is stale: run 'livec lock %s' first", path, m->path);
		lv_lock_release(&l);
		return -LVE_STALE;
	}
	struct lv_repos repos = { 0 };
	if ((r = lv_repos_plan(m, &repos, &ctx->d)) < 0) {
		lv_lock_release(&l);
		return r;
	}

	const struct lv_lockset *sets[] = { &l.rootfs, &l.boot };
	size_t total = l.rootfs.n + l.boot.n, n = 0, cached = 0;
	struct lv_dl *dl = calloc(total + 1, sizeof(*dl));
	const struct lv_lockpkg **who = calloc(total + 1, sizeof(*who));
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s]->n; i++) {
			const struct lv_lockpkg *p = &sets[s]->v[i];
			if (lv_cache_has(&ctx->cache, p->sha256, p->size)) {
				cached++;
				continue;
			}
			const struct lv_repo *rp = NULL;
			for (size_t k = 0; k < repos.n; k++)
				if (!strcmp(repos.v[k].name, p->repo))
					rp = &repos.v[k];
			if (!rp) {
				lv_error(&ctx->d, "package '%s' comes from suite '%s', which the manifest "
						  "no longer uses: run 'livec lock --update'", p->name, p->repo);
				r = -LVE_STALE;
				continue;
			}
			who[n] = p;
			dl[n] = (struct lv_dl){ .url = lv_repo_url(rp, p->filename),
						.dest = lv_cache_blob(&ctx->cache, p->sha256),
						.sha256 = p->sha256,
						.size = p->size };
			n++;
		}
	if (r == 0 && n) {
		lv_say(ctx, "fetching %zu packages (%zu already cached)", n, cached);
		lv_net_fetch(dl, n, jobs, "fetch");
		for (size_t i = 0; i < n; i++) {
			if (!dl[i].status)
				continue;
			if (dl[i].status == -LVE_MISSING)
				lv_error(&ctx->d, "package '%s' version '%s' is no longer on the mirror (%s): "
						  "run 'livec lock --update' to move to the current version, or "
						  "set distribution.mirror to a snapshot mirror that still has it",
					 who[i]->name, who[i]->version, who[i]->filename);
			else
				lv_error(&ctx->d, "package '%s' version '%s': %s", who[i]->name,
					 who[i]->version, dl[i].error);
			if (!r)
				r = dl[i].status;
		}
	}
	if (r == 0)
		lv_say(ctx, "all %zu packages are in the cache", total);
	for (size_t i = 0; i < n; i++) {
		free((char *)dl[i].url);
		free((char *)dl[i].dest);
	}
	free(dl);
	free(who);
	lv_repos_release(&repos);
	lv_lock_release(&l);
	return r;
}
