/* livec fetch: lockfile -> every locked .deb in the cache, size and SHA256
 * checked.  Blobs already cached (and still intact) are not downloaded. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "cmd/cli.h"
#include "base/err.h"
#include "lock/lockfile.h"
#include "repo/fetch.h"
#include "repo/repo.h"

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

	while ((c = getopt_long(argc, argv, "hj:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': help(); return 0;
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
	r = lv_fetch_packages(&ctx->cache, &repos, sets, 2, jobs, &st, &ctx->d);
	if (r == 0)
		lv_say(ctx, "all %zu packages are in the cache (%zu downloaded, %.1f MiB)", st.total,
		       st.downloaded, st.bytes / 1048576.0);
	lv_repos_release(&repos);
	return r;
}
