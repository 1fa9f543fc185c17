/* livec lock: manifest -> verified metadata -> libsolv -> lockfile.
 *
 *   plan repositories -> acquire InRelease (verify) -> load indexes
 *   (.solv cache, else fetch Packages by hash) -> resolve -> write lock
 *
 * Without --update an existing lockfile whose inputs digest still matches the
 * manifest is kept as it is (its pins stay); --update re-resolves against the
 * mirror's current state; --check only compares digests, offline. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/options.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "lock/lockfile.h"
#include "repo/repo.h"
#include "lock/resolve.h"
#include "repo/fetch.h"
#include "license/license.h"
#include "license/copyright.h"
#include <unistd.h>

static const struct lv_opt lock_opts[] = {
	{ 'c', "check", 0, NULL, "exit 0 if the lockfile is still the resolution of the manifest, 3 if it is "
	  "stale (no network)", NULL },
	{ 'u', "update", 0, NULL, "re-resolve even if the lockfile is fresh (new versions)", NULL },
	{ 'O', "allow-older", 0, NULL, "accept metadata older than the lockfile's (a deliberate rollback; "
	  "refused otherwise, as a replayed mirror)", NULL },
	{ 'D', "dump-testcase", 0, "DIR", "write a libsolv testcase of the solve (for testsolv)", NULL },
	{ 'e', "explain", 0, "PACKAGE", "why PACKAGE is in the lock (the chain of dependencies from a "
	  "package that is there by itself), or why not (what names it and what met that instead); offline, "
	  "from the lock and the cached indexes it was made from", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_lock = {
	.name = "lock",
	.run = lv_cmd_lock,
	.needs = LV_NEEDS_MANIFEST | LV_NEEDS_CACHE,
	.synopsis = "lock [--check | --update [--allow-older] | --explain PACKAGE] [--dump-testcase DIR] MANIFEST",
	.summary = "resolve the manifest against the mirror into a pinned lockfile",
	.description =
		"Resolves MANIFEST against its Debian mirror and writes the lockfile: every\n"
		"package of the image (the 'rootfs' set) and of the boot media (the 'boot'\n"
		"set) with version, pool filename, size, SHA256, source, and why it is in.",
	.opts = lock_opts,
	.epilogue =
		"The package set is every Essential package, plus the variant's priorities\n"
		"(minbase: required; important; standard), plus packages.install, minus\n"
		"packages.exclude: the set `apt-get install` gives for that request on an\n"
		"empty system.  For 'a | b' the first installable alternative wins; with\n"
		"recommends: true, Recommends are followed as apt does (docs/resolve.md).\n"
		"InRelease must carry a valid signature from an allowed key, be the suite\n"
		"asked for (its Suite or Codename), not be past its Valid-Until (unless\n"
		"distribution.snapshot: true), and not be older than what the existing\n"
		"lockfile was made from (unless --allow-older, which the lock records).",
};

/* Copies resolver/repo facts into the lock's repository records. */
static void fill_repos(struct lv_lock *l, const struct lv_repos *repos, int snapshot)
{
	l->repos = calloc(repos->n + 1, sizeof(*l->repos));
	l->nrepos = repos->n;
	for (size_t i = 0; i < repos->n; i++) {
		const struct lv_repo *r = &repos->v[i];
		struct lv_lockrepo *o = &l->repos[i];
		o->name = strdup(r->name);
		o->mirror = strdup(lv_mirror_role_name(r->role));
		/* Debian's suites at apt's default say nothing, as before */
		o->priority = r->role == LV_MIRROR_EXTRA || r->priority != 500 ? r->priority : 0;
		o->suite = strdup(r->rel.suite ? r->rel.suite : r->suite);
		o->codename = strdup(r->rel.codename ? r->rel.codename : "");
		o->date = strdup(r->rel.date ? r->rel.date : "");
		o->inrelease_sha256 = strdup(r->inrelease_sha256);
		o->signed_by = strdup(r->signer);
		o->valid_until = r->rel.valid_until ? strdup(r->rel.valid_until) : NULL;
		o->rolled_back_from = r->rolled_back_from ? strdup(r->rolled_back_from) : NULL;
		o->snapshot = snapshot;
		o->idx = calloc(r->nidx + 1, sizeof(*o->idx));
		o->nidx = r->nidx;
		for (size_t k = 0; k < r->nidx; k++) {
			o->idx[k].path = strdup(r->idx[k].path);
			o->idx[k].sha256 = strdup(r->idx[k].sha256);
			o->idx[k].size = r->idx[k].size;
		}
		if (r->rel.date_epoch > l->source_date_epoch)
			l->source_date_epoch = r->rel.date_epoch;
	}
	/* sorted by name, like every other mapping in the lock */
	for (size_t i = 1; i < l->nrepos; i++)
		for (size_t j = i; j > 0 && strcmp(l->repos[j - 1].name, l->repos[j].name) > 0; j--) {
			struct lv_lockrepo t = l->repos[j];
			l->repos[j] = l->repos[j - 1];
			l->repos[j - 1] = t;
		}
}

static uint64_t total_size(const struct lv_lockset *s)
{
	uint64_t t = 0;
	for (size_t i = 0; i < s->n; i++)
		t += s->v[i].size;
	return t;
}

static int check(struct lv_ctx *ctx, const char *path, const char *digest)
{
	struct lv_lock l;
	int r = lv_lock_read(path, &l, &ctx->d);
	if (r == -LVE_NOLOCK)
		return -LVE_STALE;
	if (r < 0)
		return r;
	int fresh = !strcmp(l.inputs_digest, digest);
	lv_lock_release(&l);
	if (!fresh) {
		lv_error(&ctx->d, "lockfile '%s' is stale: the manifest's package request changed "
				  "since it was written; run 'livec lock %s'", path, ctx->manifest_path);
		return -LVE_STALE;
	}
	lv_say(ctx, "%s is up to date", path);
	return 0;
}

/* No going back: metadata older than what the current lock was made from
 * (a mirror replaying last month's signed, still valid InRelease, which
 * Debian's main suites let through: they carry no Valid-Until) is refused,
 * suite by suite, unless --allow-older says the rollback is meant; then
 * the lock records the Date it rolled back from. */
static int no_going_back(const char *path, struct lv_repos *repos, int allow_older, struct lv_diags *d)
{
	struct lv_lock old;
	struct lv_diags quiet = { 0 };
	int r = 0;
	if (!lv_exists(path) || lv_lock_read(path, &old, &quiet) < 0) {
		lv_diags_release(&quiet);
		return 0;
	}
	for (size_t i = 0; i < repos->n; i++)
		for (size_t k = 0; k < old.nrepos; k++) {
			struct lv_repo *rp = &repos->v[i];
			long long was = old.repos[k].date ? lv_parse_date(old.repos[k].date) : -1;
			if (strcmp(old.repos[k].name, rp->name) || was < 0 || rp->rel.date_epoch < 0 ||
			    rp->rel.date_epoch >= was)
				continue;
			if (allow_older) {
				free(rp->rolled_back_from);
				rp->rolled_back_from = strdup(old.repos[k].date);
				lv_note(d, "suite '%s': rolled back to metadata of %s from %s (--allow-older; the "
					   "lock records it)", rp->name, rp->rel.date, old.repos[k].date);
				continue;
			}
			lv_error(d, "suite '%s': the mirror's metadata (Date: %s) is older than the lock's (Date: "
				    "%s): refused; a mirror may be replaying old metadata (--allow-older if "
				    "this rollback is meant)", rp->name, rp->rel.date, old.repos[k].date);
			r = -LVE_SIGNATURE;
		}
	lv_lock_release(&old);
	lv_diags_release(&quiet);
	return r;
}

/* Without --update, a lockfile whose inputs still match the manifest is
 * kept as it is: 1 then (said so), else 0. */
static int still_fresh(struct lv_ctx *ctx, const char *path, const char *digest)
{
	struct lv_lock old;
	struct lv_diags quiet = { 0 };
	int fresh = 0;
	if (!lv_exists(path))
		return 0;
	if (lv_lock_read(path, &old, &quiet) == 0) {
		fresh = !strcmp(old.inputs_digest, digest);
		lv_lock_release(&old);
	}
	lv_diags_release(&quiet);
	if (fresh)
		lv_say(ctx, "%s is up to date (use --update to re-resolve)", path);
	return fresh;
}

/* Every suite's InRelease, verified (and not older than the lock's unless
 * allow_older), then its indexes into the resolver: parsed from the .solv
 * cache, else fetched by hash. */
static int load_indexes(struct lv_ctx *ctx, const char *path, int allow_older, struct lv_repos *repos,
			struct lv_resolver *rs)
{
	const struct lv_manifest *m = &ctx->m;
	int r;
	if ((r = lv_repos_plan(m, repos, &ctx->d)) < 0)
		return r;
	lv_say(ctx, "checking %zu suite%s of %s/%s", repos->n, repos->n == 1 ? "" : "s", m->dist.suite,
	       m->dist.architecture);
	for (size_t i = 0; i < repos->n; i++)
		lv_debug(ctx, "suite %s from %s", repos->v[i].name, repos->v[i].base);
	if ((r = lv_repos_acquire(m, &ctx->cache, repos, &ctx->d)) < 0 ||
	    (r = no_going_back(path, repos, allow_older, &ctx->d)) < 0)
		return r;
	for (size_t i = 0; i < repos->n && r == 0; i++)
		for (size_t k = 0; k < repos->v[i].nidx && r == 0; k++) {
			struct lv_index *ix = &repos->v[i].idx[k];
			if (lv_resolver_load_cached(rs, &ctx->cache, repos->v[i].name, ix->sha256)) {
				lv_debug(ctx, "%s %s: parsed index from cache", repos->v[i].name, ix->path);
				continue;
			}
			if (repos->v[i].role == LV_MIRROR_LOCAL)
				lv_say(ctx, "reading packages.local's index");
			else
				lv_say(ctx, "fetching %s %s", repos->v[i].name, ix->path);
			r = lv_index_fetch(&ctx->cache, &repos->v[i], ix, &ctx->d);
			if (r == 0)
				r = lv_resolver_load_packages(rs, &ctx->cache, repos->v[i].name, ix->sha256,
							      ix->local, &ctx->d);
		}
	for (size_t i = 0; i < repos->n && r == 0; i++)
		lv_resolver_set_priority(rs, repos->v[i].name, repos->v[i].priority);
	return r;
}

/* The solve into the lock's two sets; with --dump-testcase, the solve as a
 * libsolv testcase too (also when it failed: that is when it helps). */
static int resolve(struct lv_ctx *ctx, struct lv_resolver *rs, const char *dump, struct lv_lock *l)
{
	int r = lv_resolve(rs, &ctx->m, &l->rootfs, &l->boot, &ctx->d);
	if (dump) {
		int dr = lv_resolver_dump(rs, dump);
		if (dr < 0)
			lv_warn(&ctx->d, "cannot write testcase to '%s': %s", dump, lv_strerror(dr));
		else
			lv_say(ctx, "wrote libsolv testcase to %s (replay: testsolv %s/testcase.t)", dump, dump);
	}
	return r;
}

/* The license inventory reads each package's copyright file out of its
 * .deb; results are cached by the .deb's hash, so only new packages are
 * fetched here. */
static int fill_licenses(struct lv_ctx *ctx, const struct lv_repos *repos, struct lv_lock *l)
{
	struct lv_lockset *const lsets[] = { &l->rootfs, &l->boot };
	struct lv_lockset need = { 0 };
	struct lv_fetch_stats fst;
	struct lv_license_stats lst;
	int r;
	lv_licenses_missing(&ctx->cache, lsets, 2, &need);
	if (need.n)
		lv_say(ctx, "fetching %zu packages for the license inventory", need.n);
	const struct lv_lockset *const fsets[] = { &need };
	r = lv_fetch_packages(&ctx->cache, repos, fsets, 1, 4, &fst, &ctx->d);
	free(need.v);
	if (r < 0)
		return r;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if ((r = lv_licenses_fill(&ctx->cache, lsets, 2, ncpu > 0 ? (unsigned)ncpu : 1, &lst, &ctx->d)) < 0)
		return r;
	lv_say(ctx, "licenses: %zu dep5, %zu common-licenses-reference, %zu text-match, %zu none "
		    "(%zu read from .debs, %zu cached)",
	       lst.by_method[LV_LIC_DEP5], lst.by_method[LV_LIC_COMMON], lst.by_method[LV_LIC_TEXT],
	       lst.by_method[LV_LIC_NONE], lst.analysed, lst.cached);
	return 0;
}

/* The lock's header and repositories, then the file, atomically. */
static int write_lock(struct lv_ctx *ctx, const char *path, const char *digest, const struct lv_repos *repos,
		      struct lv_lock *l)
{
	int r;
	l->livec_version = strdup(LIVEC_VERSION);
	l->manifest = strdup(ctx->m.name);
	l->inputs_digest = strdup(digest);
	fill_repos(l, repos, ctx->m.dist.snapshot);
	char *dir = lv_dirname(path);
	lv_mkdir_p(dir, 0755);
	free(dir);
	if ((r = lv_lock_write(path, l)) < 0) {
		lv_error(&ctx->d, "cannot write lockfile '%s': %s", path, lv_strerror(r));
		return r;
	}
	lv_say(ctx, "locked %zu rootfs packages (%.1f MiB) and %zu boot packages into %s", l->rootfs.n,
	       total_size(&l->rootfs) / 1048576.0, l->boot.n, path);
	return 0;
}

/* The indexes a lock was made from, out of the .solv cache: 1 if all are
 * there. */
static int load_locked_indexes(struct lv_ctx *ctx, const struct lv_lock *l, struct lv_resolver *rs)
{
	for (size_t i = 0; i < l->nrepos; i++)
		for (size_t k = 0; k < l->repos[i].nidx; k++)
			if (!lv_resolver_load_cached(rs, &ctx->cache, l->repos[i].name, l->repos[i].idx[k].sha256))
				return 0;
	for (size_t i = 0; i < l->nrepos; i++)
		lv_resolver_set_priority(rs, l->repos[i].name, l->repos[i].priority ? l->repos[i].priority : 500);
	return 1;
}

/* Were these the indexes the lock names? */
static int same_indexes(const struct lv_lock *l, const struct lv_repos *repos)
{
	size_t n = 0, found = 0;
	for (size_t i = 0; i < l->nrepos; i++)
		for (size_t k = 0; k < l->repos[i].nidx; k++, n++)
			for (size_t a = 0; a < repos->n; a++)
				for (size_t b = 0; b < repos->v[a].nidx; b++)
					found += !strcmp(repos->v[a].idx[b].sha256, l->repos[i].idx[k].sha256);
	return n == found;
}

/* --explain: against the lock as it is and the indexes it was made from
 * (offline, from the cache); those not cached, from the mirror, which may
 * have newer ones by now (said so). */
static int explain(struct lv_ctx *ctx, const char *path, const char *name)
{
	struct lv_lock l;
	struct lv_repos repos = { 0 };
	int r = lv_lock_read(path, &l, &ctx->d);
	if (r < 0)
		return r;
	struct lv_resolver *rs = lv_resolver_new(ctx->m.dist.architecture);
	if (!load_locked_indexes(ctx, &l, rs)) {
		lv_resolver_free(rs);
		rs = lv_resolver_new(ctx->m.dist.architecture);
		lv_say(ctx, "the indexes of %s are not all cached: reading the mirror's", path);
		if ((r = load_indexes(ctx, path, 1, &repos, rs)) == 0 && !same_indexes(&l, &repos))
			lv_note(&ctx->d, "the mirror's indexes are newer than the lock's: the answer is about "
					 "today's packages");
	}
	if (r == 0) {
		struct lv_buf out = { 0 };
		lv_resolver_explain(rs, &ctx->m, &l, name, &out);
		fwrite(out.p ? out.p : "", 1, out.len, stdout);
		lv_buf_release(&out);
	}
	lv_repos_release(&repos);
	lv_resolver_free(rs);
	lv_lock_release(&l);
	return r;
}

int lv_cmd_lock(struct lv_ctx *ctx, int argc, char **argv)
{
	int do_check = 0, update = 0, allow_older = 0, c, r;
	const char *dump = NULL, *path = ctx->lock_path, *why = NULL;
	char digest[72];

	while ((c = lv_opt_next(&lv_verb_lock, argc, argv)) != -1) {
		switch (c) {
		case 'c': do_check = 1; break;
		case 'u': update = 1; break;
		case 'D': dump = optarg; break;
		case 'O': allow_older = 1; break;
		case 'e': why = optarg; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	if (why)
		return explain(ctx, path, why);
	lv_lock_inputs_digest(&ctx->m, digest);
	if (do_check)
		return check(ctx, path, digest);
	if (!update && still_fresh(ctx, path, digest))
		return 0;

	struct lv_repos repos = { 0 };
	struct lv_resolver *rs = lv_resolver_new(ctx->m.dist.architecture);
	struct lv_lock l = { .format = LV_LOCK_FORMAT };
	if ((r = load_indexes(ctx, path, allow_older, &repos, rs)) == 0 &&
	    (r = resolve(ctx, rs, dump, &l)) == 0 && (r = fill_licenses(ctx, &repos, &l)) == 0)
		r = write_lock(ctx, path, digest, &repos, &l);
	lv_lock_release(&l);
	lv_resolver_free(rs);
	lv_repos_release(&repos);
	return r;
}
