/* livec fetch: lockfile -> every locked .deb in the cache, size and SHA256
 * checked.  Blobs already cached (and still intact) are not downloaded. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/options.h"
#include "base/err.h"
#include "lock/lockfile.h"
#include "repo/fetch.h"
#include "repo/prove.h"
#include "repo/repo.h"

static const struct lv_opt fetch_opts[] = {
	{ 'j', "jobs", LV_OPT_SHORT, "N", "downloads at once (default 4)", NULL },
	{ 'U', "allow-unproved", 0, NULL, "go on when the signed metadata the lock was made from is gone and "
	  "the mirror's newer metadata no longer lists some pins (a warning names them; default: an error)", NULL },
	{ 'M', "metadata", 0, "DIR", "keep the lock's signed metadata in DIR too (InRelease and indexes, by "
				  "suite): taken from there when the cache lacks it, written there after the "
				  "proof, so the lock can be re-proved elsewhere", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_fetch = {
	.name = "fetch",
	.run = lv_cmd_fetch,
	.needs = LV_NEEDS_MANIFEST | LV_NEEDS_CACHE | LV_NEEDS_LOCK,
	.synopsis = "fetch [-j N] [--metadata DIR] MANIFEST",
	.summary = "download every locked .deb into the cache, verified",
	.description =
		"Downloads every package of the lockfile (rootfs and boot sets) into the\n"
		"content-addressed cache, checking each file's size and SHA256 against the\n"
		"lock.  First each pin is re-proved from the signed metadata the lock was\n"
		"made from: InRelease (by the lock's hash) -> signature -> index -> the\n"
		"package's entry; a lock changed by hand fails, naming the package.\n"
		"Several downloads run at once (-j, default 4); http_proxy is honoured.",
	.opts = fetch_opts,
	.epilogue = NULL,
};

int lv_prove_pins(struct lv_ctx *ctx, struct lv_repos *plan)
{
	struct lv_proof pf;
	int r = lv_prove_lock(&ctx->m, &ctx->cache, plan, &ctx->lock, ctx->allow_unproved, &pf, &ctx->d);
	if (r == 0)
		lv_debug(ctx, "re-proved %zu pins from the lock's signed metadata, %zu from the mirror's newer "
			      "metadata; %zu could not be", pf.proved, pf.proved_newer, pf.unproved);
	return r;
}

int lv_cmd_fetch(struct lv_ctx *ctx, int argc, char **argv)
{
	unsigned jobs = 4;
	const char *metadata = NULL;
	int c, r;

	while ((c = lv_opt_next(&lv_verb_fetch, argc, argv)) != -1) {
		switch (c) {
		case 'j': jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'M': metadata = optarg; break;
		case 'U': ctx->allow_unproved = 1; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	const struct lv_manifest *m = &ctx->m;
	struct lv_lock *l = &ctx->lock;
	struct lv_repos repos = { 0 };
	if ((r = lv_repos_plan(m, &repos, &ctx->d)) < 0)
		return r;

	const struct lv_lockset *const sets[] = { &l->rootfs, &l->boot };
	struct lv_fetch_stats st;
	r = metadata ? lv_metadata_sync(&ctx->cache, l, metadata, 0, &ctx->d) : 0;
	if (r == 0 && (r = lv_prove_pins(ctx, &repos)) == 0 && metadata)
		r = lv_metadata_sync(&ctx->cache, l, metadata, 1, &ctx->d);
	if (r == 0)
		r = lv_fetch_packages(&ctx->cache, &repos, sets, 2, jobs, &st, &ctx->d);
	if (r == 0)
		lv_say(ctx, "all %zu packages are in the cache (%zu downloaded, %.1f MiB)", st.total,
		       st.downloaded, st.bytes / 1048576.0);
	lv_repos_release(&repos);
	return r;
}
