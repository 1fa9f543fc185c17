/* livec cache: how big the build cache is, and making it smaller. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "build/idmap.h"
#include "build/treecache.h"
#include "cmd/cli.h"
#include "cmd/options.h"

static const struct lv_opt cache_opts[] = {
	{ 'm', "max-size", 0, "SIZE", "prune: then remove the least recently used stages and packages until "
	  "the cache is at most SIZE (e.g. 20G, 500M)", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_cache = {
	.name = "cache",
	.run = lv_cmd_cache,
	.needs = LV_NEEDS_CACHE,
	.synopsis = "cache du\ncache prune [--max-size SIZE]",
	.summary = "show the build cache's size, or make it smaller",
	.description =
		"The cache (--cache DIR, else $XDG_CACHE_HOME/livec, else ~/.cache/livec)\n"
		"holds the fetched packages and indexes by SHA-256 and each build stage by\n"
		"what it depends on: installed packages, finished trees, cloop images\n"
		"(docs/build.md).  du shows how much each takes.  prune removes what no\n"
		"build needs any more (stages no manifest's last build used, staging roots\n"
		"of builds that died); with --max-size, then whatever was used least\n"
		"recently, never what a running build reads.  Anything removed is fetched\n"
		"or rebuilt when needed: pruning costs time, never correctness.",
	.opts = cache_opts,
	.epilogue = NULL,
};

static void line(const char *what, unsigned long long bytes)
{
	printf("%-34s %10.1f MiB\n", what, bytes / 1048576.0);
}

static void show(const struct lv_cache *c)
{
	struct lv_cache_usage u;
	lv_cache_usage(c, &u);
	printf("%s\n", c->root);
	line("packages and indexes (sha256/)", u.blobs);
	line("parsed indexes, license data", u.derived);
	line("installed packages (stage 1)", u.stage[LV_TREECACHE_INSTALLED]);
	line("finished trees (stage 2)", u.stage[LV_TREECACHE_FINISHED]);
	line("cloop images (stage 3)", u.stage[LV_TREECACHE_CLOOP]);
	line("builds under way", u.staging);
	line("total", u.total);
}

int lv_cmd_cache(struct lv_ctx *ctx, int argc, char **argv)
{
	unsigned long long max = 0;
	const char *max_arg = NULL;
	int c;
	while ((c = lv_opt_next(&lv_verb_cache, argc, argv)) != -1) {
		switch (c) {
		case 'm': max_arg = optarg; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	const char *sub = optind < argc ? argv[optind] : "";
	if (optind + 1 != argc || (strcmp(sub, "du") && strcmp(sub, "prune")) || (max_arg && strcmp(sub, "prune"))) {
		lv_error(&ctx->d, "usage: livec cache du | livec cache prune [--max-size SIZE]");
		return -LVE_USAGE;
	}
	if (max_arg && !(max = lv_parse_size(max_arg))) {
		lv_error(&ctx->d, "--max-size: '%s' is not a size (e.g. 20G, 500M)", max_arg);
		return -LVE_USAGE;
	}
	/* the cache's trees belong to the image's ids: as a user, livec sees
	 * and removes them from its own user namespace, as builds do */
	int r = lv_idmap_setup(&ctx->d);
	if (r < 0)
		return r;
	if (!strcmp(sub, "du")) {
		show(&ctx->cache);
		return 0;
	}
	size_t removed;
	unsigned long long freed = lv_cache_prune(&ctx->cache, max, &removed);
	lv_say(ctx, "pruned %s: %.1f MiB freed (%zu entries by least recent use)", ctx->cache.root,
	       freed / 1048576.0, removed);
	show(&ctx->cache);
	return 0;
}
