/* Package resolution with libsolv (resolve.h).
 *
 * The pool holds one libsolv repository per (suite, component) index, named
 * after its suite.  Beside libsolv's own data each solvable carries livec
 * attributes that libsolv does not read from Packages: Essential, Priority,
 * the source package's name and version, the maintainer, and the
 * Depends/Recommends fields as written (libsolv sorts its own copy; apt's
 * marking needs the written order).  They are written to the .solv cache
 * with the rest, so a warm lock never parses Packages.
 *
 * Without Recommends libsolv resolves, nudged towards first alternatives;
 * with them marker.c marks as apt does and libsolv checks the set
 * (docs/resolve.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <solv/bitmap.h>
#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/problems.h>
#include <solv/repo.h>
#include <solv/repo_deb.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/selection.h>
#include <solv/solver.h>
#include <solv/solvversion.h>
#include <solv/testcase.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "repo/deb822.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "repo/release.h"
#include "lock/resolve.h"
#include "lock/solv.h"

/* Bump when the livec attributes stored in .solv files change. */
#define LV_SOLV_FORMAT 4
#define LV_FAVOR_ROUNDS 16


struct lv_resolver *lv_resolver_new(const char *arch)
{
	struct lv_resolver *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->pool = pool_create();
	pool_setdisttype(rs->pool, DISTTYPE_DEB);
	pool_setarch(rs->pool, arch);
	rs->k_essential = pool_str2id(rs->pool, "livec:essential", 1);
	rs->k_priority = pool_str2id(rs->pool, "livec:priority", 1);
	rs->k_srcname = pool_str2id(rs->pool, "livec:source", 1);
	rs->k_srcver = pool_str2id(rs->pool, "livec:source-version", 1);
	rs->k_maintainer = pool_str2id(rs->pool, "livec:maintainer", 1);
	rs->k_depends = pool_str2id(rs->pool, "livec:depends", 1);
	rs->k_recommends = pool_str2id(rs->pool, "livec:recommends", 1);
	rs->k_negative = pool_str2id(rs->pool, "livec:conflicts-breaks", 1);
	rs->k_weaker = pool_str2id(rs->pool, "livec:suggests-to-provides", 1);
	return rs;
}

void lv_resolver_free(struct lv_resolver *rs)
{
	if (!rs)
		return;
	if (rs->last)
		solver_free(rs->last);
	pool_free(rs->pool);
	free(rs);
}

char *lv_resolver_solv_key(const char *index_sha256)
{
	char *k;
	if (asprintf(&k, "%s-solv%s-lv%d.solv", index_sha256, solv_version, LV_SOLV_FORMAT) < 0)
		return NULL;
	return k;
}

int lv_resolver_load_cached(struct lv_resolver *rs, const struct lv_cache *c, const char *repo_name,
			    const char *index_sha256)
{
	_cleanup_free_ char *key = lv_resolver_solv_key(index_sha256);
	_cleanup_free_ char *path = lv_cache_path(c, "solv", key);
	_cleanup_fclose_ FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	Repo *repo = repo_create(rs->pool, repo_name);
	if (repo_add_solv(repo, f, 0) != 0) {
		/* damaged or from another libsolv: drop it, parse the index again */
		repo_free(repo, 1);
		unlink(path);
		return 0;
	}
	return 1;
}

void lv_resolver_set_priority(struct lv_resolver *rs, const char *repo_name, long priority)
{
	Pool *pool = rs->pool;
	Repo *repo;
	int i;
	FOR_REPOS(i, repo)
	if (!strcmp(repo->name, repo_name))
		repo->priority = (int)priority;
}

/* Stores the fields `names` (NULL-terminated) of a paragraph that it has,
 * in that order and joined by commas, as string attribute key. */
static void set_fields(Repodata *data, Id id, Id key, const struct lv_para *p, const char *const *names)
{
	struct lv_buf v = { .max = 1u << 20 };
	for (; *names; names++) {
		size_t len = 0;
		const char *f = lv_para_get(p, *names, &len);
		if (f)
			lv_buf_printf(&v, "%s%.*s", v.len ? ", " : "", (int)len, f);
	}
	if (v.len)
		repodata_set_str(data, id, key, v.p);
	lv_buf_release(&v);
}

/* Adds livec's attributes to the solvables libsolv just read, by walking the
 * same Packages file: repo_add_debpackages creates one solvable per
 * paragraph that has a Package field, in file order. */
static int add_extras(struct lv_resolver *rs, Repo *repo, Repodata *data, Id first,
		      const char *packages_path, struct lv_diags *d)
{
	struct lv_buf b = { .max = 1u << 30 };
	struct lv_deb822 r;
	struct lv_para p;
	Id id = first;
	int rc;

	if ((rc = lv_read_file(packages_path, &b)) < 0) {
		lv_error(d, "cannot read '%s': %s", packages_path, lv_strerror(rc));
		return rc;
	}
	lv_deb822_init(&r, b.p, b.len);
	while ((rc = lv_deb822_next(&r, &p)) == 1) {
		if (!lv_para_get(&p, "Package", NULL))
			continue;
		struct lv_pkginfo info;
		if (id >= repo->end || lv_pkginfo_from(&p, &info) < 0) {
			lv_error(d, "%s:%zu: malformed package paragraph", packages_path, p.line);
			lv_buf_release(&b);
			return -LVE_PARSE;
		}
		Solvable *s = rs->pool->solvables + id;
		if (strcmp(pool_id2str(rs->pool, s->name), info.name)) {
			lv_error(d, "%s:%zu: libsolv and livec disagree about package '%s'",
				 packages_path, p.line, info.name);
			lv_pkginfo_release(&info);
			lv_buf_release(&b);
			return -LVE_SOLV;
		}
		if (info.essential)
			repodata_set_void(data, id, rs->k_essential);
		if (info.priority)
			repodata_set_id(data, id, rs->k_priority, pool_str2id(rs->pool, info.priority, 1));
		repodata_set_str(data, id, rs->k_srcname, info.source);
		repodata_set_str(data, id, rs->k_srcver, info.source_version);
		if (info.maintainer)
			repodata_set_str(data, id, rs->k_maintainer, info.maintainer);
		/* the relations in their written order, which a .solv file does
		 * not keep (it sorts them): apt's marking depends on it */
		static const char *const hard[] = { "Pre-Depends", "Depends", NULL };
		static const char *const negative[] = { "Conflicts", "Breaks", NULL };
		static const char *const recommends[] = { "Recommends", NULL };
		static const char *const weaker[] = { "Suggests", "Replaces", "Enhances", "Provides", NULL };
		set_fields(data, id, rs->k_depends, &p, hard);
		set_fields(data, id, rs->k_negative, &p, negative);
		set_fields(data, id, rs->k_recommends, &p, recommends);
		set_fields(data, id, rs->k_weaker, &p, weaker);
		repodata_set_num(data, id, SOLVABLE_DOWNLOADSIZE, info.size);
		lv_pkginfo_release(&info);
		id++;
	}
	lv_buf_release(&b);
	if (rc < 0) {
		lv_error(d, "%s:%zu: malformed Packages index", packages_path, r.line);
		return -LVE_PARSE;
	}
	return 0;
}

int lv_resolver_load_packages(struct lv_resolver *rs, const struct lv_cache *c, const char *repo_name,
			      const char *index_sha256, const char *packages_path, struct lv_diags *d)
{
	_cleanup_fclose_ FILE *f = fopen(packages_path, "re");
	int r;

	if (!f) {
		lv_error(d, "cannot open '%s': %s", packages_path, strerror(errno));
		return -errno;
	}
	Repo *repo = repo_create(rs->pool, repo_name);
	Id first = repo->end;
	if (repo_add_debpackages(repo, f, REPO_NO_INTERNALIZE) != 0) {
		lv_error(d, "cannot parse '%s': %s", packages_path, pool_errstr(rs->pool));
		return -LVE_PARSE;
	}
	if (first == 0 || first < repo->start)
		first = repo->start;
	Repodata *data = repo_last_repodata(repo);
	if ((r = add_extras(rs, repo, data, first, packages_path, d)) < 0)
		return r;
	repo_internalize(repo);

	/* Store the parsed form for the next run, atomically. */
	_cleanup_free_ char *key = lv_resolver_solv_key(index_sha256);
	_cleanup_free_ char *path = lv_cache_path(c, "solv", key);
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -ENOMEM;
	FILE *out = fopen(tmp, "we");
	if (out) {
		int ok = repo_write(repo, out) == 0;
		ok &= fflush(out) == 0 && fsync(fileno(out)) == 0;
		ok &= fclose(out) == 0;
		if (!ok || rename(tmp, path) < 0)
			unlink(tmp);
	}
	return 0;
}

/* ---- helpers on solvables ---- */

const char *lv_solv_name(Pool *pool, Id p)
{
	return pool_id2str(pool, pool->solvables[p].name);
}

int lv_solv_essential(struct lv_resolver *rs, Id p)
{
	return solvable_lookup_void(rs->pool->solvables + p, rs->k_essential);
}

const char *lv_solv_priority(struct lv_resolver *rs, Id p)
{
	Id id = solvable_lookup_id(rs->pool->solvables + p, rs->k_priority);
	return id ? pool_id2str(rs->pool, id) : "";
}

/* Does the variant's priority set include priority `prio`? */
static int in_variant(enum lv_variant v, const char *prio)
{
	switch (v) {
	case LV_VARIANT_ESSENTIAL: return 0;
	case LV_VARIANT_MINBASE: return !strcmp(prio, "required");
	case LV_VARIANT_IMPORTANT: return !strcmp(prio, "required") || !strcmp(prio, "important");
	case LV_VARIANT_STANDARD:
		return !strcmp(prio, "required") || !strcmp(prio, "important") || !strcmp(prio, "standard");
	}
	return 0;
}

static int excluded(const struct lv_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->pkgs.exclude.n; i++)
		if (!strcmp(m->pkgs.exclude.v[i].name, name))
			return 1;
	return 0;
}

void lv_solv_alternatives(Pool *pool, Id dep, Queue *out)
{
	if (ISRELDEP(dep)) {
		Reldep *rd = GETRELDEP(pool, dep);
		if (rd->flags == REL_OR) {
			lv_solv_alternatives(pool, rd->name, out);
			lv_solv_alternatives(pool, rd->evr, out);
			return;
		}
	}
	queue_push(out, dep);
}

static int any_installed(Pool *pool, Id dep, const Map *installed)
{
	Id p, pp;
	FOR_PROVIDES(p, pp, dep)
	if (MAPTST(installed, p))
		return 1;
	return 0;
}

static int has_provider(Pool *pool, Id dep)
{
	Id p, pp;
	FOR_PROVIDES(p, pp, dep)
	return 1;
	return 0;
}

/* Looks at every or-group of every chosen package; where the group is met
 * only by a later alternative although the first one can be installed, adds
 * a favor job for the first (apt tries alternatives in order).  Returns the
 * number of new favors. */
static int favor_first_alternatives(Pool *pool, const Queue *result, Queue *job, Map *favored, int recommends)
{
	Map installed;
	Queue alts;
	int added = 0;

	map_init(&installed, pool->nsolvables);
	for (int i = 0; i < result->count; i++)
		MAPSET(&installed, result->elements[i]);
	queue_init(&alts);
	for (int i = 0; i < result->count; i++) {
		Solvable *s = pool->solvables + result->elements[i];
		Offset lists[2] = { s->requires, recommends ? s->recommends : 0 };
		for (int l = 0; l < 2; l++) {
			if (!lists[l])
				continue;
			for (Id *dp = s->repo->idarraydata + lists[l]; *dp; dp++) {
				if (*dp == SOLVABLE_PREREQMARKER)
					continue;
				queue_empty(&alts);
				lv_solv_alternatives(pool, *dp, &alts);
				if (alts.count < 2)
					continue;
				Id first = alts.elements[0];
				if (any_installed(pool, first, &installed) || !has_provider(pool, first))
					continue;
				int met_later = 0;
				for (int a = 1; a < alts.count; a++)
					met_later |= any_installed(pool, alts.elements[a], &installed);
				if (!met_later)
					continue;
				/* favor the first alternative's providers */
				Id p, pp;
				FOR_PROVIDES(p, pp, first)
				{
					if (MAPTST(favored, p))
						continue;
					MAPSET(favored, p);
					queue_push2(job, SOLVER_FAVOR | SOLVER_SOLVABLE, p);
					added++;
				}
			}
		}
	}
	queue_free(&alts);
	map_free(&installed);
	return added;
}

/* Why is p in the result?  A short, stable sentence for the lockfile. */
static char *reason_for(struct lv_resolver *rs, Solver *solv, Id p, const Map *essential,
			const Map *priority, const Map *requested, const char *requested_reason, char **why)
{
	Pool *pool = rs->pool;
	char *out = NULL;
	Id info, from, to, dep;

	if (MAPTST(essential, p))
		return strdup("essential");
	if (MAPTST(priority, p)) {
		if (asprintf(&out, "priority %s", lv_solv_priority(rs, p)) < 0)
			return NULL;
		return out;
	}
	if (MAPTST(requested, p))
		return strdup(requested_reason);
	if (why && why[p])
		return strdup(why[p]);
	int how = solver_describe_decision(solv, p, &info);
	if ((how == SOLVER_REASON_UNIT_RULE || how == SOLVER_REASON_RESOLVE || how == SOLVER_REASON_WEAKDEP) &&
	    info > 0) {
		SolverRuleinfo type = solver_ruleinfo(solv, info, &from, &to, &dep);
		if (type == SOLVER_RULE_PKG_REQUIRES && from) {
			int alt = ISRELDEP(dep) && GETRELDEP(pool, dep)->flags == REL_OR;
			if (asprintf(&out, "%s %s (%s)", alt ? "alternative chosen for" : "dependency of",
				     lv_solv_name(pool, from), pool_dep2str(pool, dep)) < 0)
				return NULL;
			return out;
		}
		if (type == SOLVER_RULE_PKG_RECOMMENDS && from) {
			if (asprintf(&out, "recommended by %s", lv_solv_name(pool, from)) < 0)
				return NULL;
			return out;
		}
	}
	if (how == SOLVER_REASON_WEAKDEP) {
		/* weak deps are not rule-based: find a chosen recommender */
		Queue q;
		queue_init(&q);
		solver_describe_weakdep_decision(solv, p, &q);
		if (q.count >= 3 && q.elements[1] > 0 &&
		    asprintf(&out, "recommended by %s", lv_solv_name(pool, q.elements[1])) < 0)
			out = NULL;
		queue_free(&q);
		if (out)
			return out;
	}
	return strdup("dependency");
}

static char *lookup_str(Pool *pool, Id p, Id key)
{
	const char *s = solvable_lookup_str(pool->solvables + p, key);
	return s ? strdup(s) : NULL;
}

static void fill_pkg(struct lv_resolver *rs, Id p, struct lv_lockpkg *o)
{
	Pool *pool = rs->pool;
	Solvable *s = pool->solvables + p;
	unsigned int medianr;
	Id type = 0;
	const char *loc = solvable_lookup_location(s, &medianr);
	const char *sum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type);

	memset(o, 0, sizeof(*o));
	o->name = strdup(pool_id2str(pool, s->name));
	o->version = strdup(pool_id2str(pool, s->evr));
	o->arch = strdup(pool_id2str(pool, s->arch));
	o->repo = strdup(s->repo->name);
	o->filename = strdup(loc ? loc : "");
	o->sha256 = strdup(sum && type == REPOKEY_TYPE_SHA256 ? sum : "");
	o->size = solvable_lookup_num(s, SOLVABLE_DOWNLOADSIZE, 0);
	o->source = lookup_str(pool, p, rs->k_srcname);
	o->source_version = lookup_str(pool, p, rs->k_srcver);
	o->maintainer = lookup_str(pool, p, rs->k_maintainer);
	if (!o->maintainer)
		o->maintainer = strdup("");
	if (!o->source)
		o->source = strdup(o->name);
	if (!o->source_version)
		o->source_version = strdup(o->version);
}

/* Names close to `name` among all package names, for "did you mean". */
static const char *closest_name(Pool *pool, const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, max_d = strlen(name) / 3 ? strlen(name) / 3 : 1;
	Id p;
	FOR_POOL_SOLVABLES(p)
	{
		const char *n = lv_solv_name(pool, p);
		size_t dd = lv_edit_distance(name, n);
		if (dd < best_d) {
			best_d = dd;
			best = n;
		}
	}
	return best_d <= max_d ? best : NULL;
}

/* Adds an install job for a manifest entry; 0 or -LVE_UNKNOWN_PKG (diagnosed). */
int lv_solv_by_name(const void *a, const void *b, void *pool)
{
	return strcmp(pool_id2str(pool, *(const Id *)a), pool_id2str(pool, *(const Id *)b));
}

Id lv_solv_dep_name(Pool *pool, Id dep)
{
	while (ISRELDEP(dep))
		dep = GETRELDEP(pool, dep)->name;
	return dep;
}

/* A virtual name asked for: as with apt-get, one provider is taken, several
 * are an error that lists them (the user must name one). */
static int virtual_providers(struct lv_resolver *rs, const struct lv_manifest *m, const struct lv_mpkg *e,
			     const char *where, Id name, struct lv_diags *d)
{
	Pool *pool = rs->pool;
	Id arch = pool_str2id(pool, m->dist.architecture, 0), p, pp;
	Queue q;
	queue_init(&q);
	FOR_PROVIDES(p, pp, name)
	{
		Solvable *s = pool->solvables + p;
		if (s->arch == arch || s->arch == ARCH_ALL)
			queue_push(&q, s->name);
	}
	solv_sort(q.elements, (size_t)q.count, sizeof(Id), lv_solv_by_name, pool);
	struct lv_buf names = { .max = 4096 };
	int n = 0;
	for (int i = 0; i < q.count; i++)
		if (!i || q.elements[i] != q.elements[i - 1])
			lv_buf_printf(&names, "%s%s", n++ ? ", " : "", pool_id2str(pool, q.elements[i]));
	if (n > 1)
		lv_diag_pos(d, LV_ERROR, &e->at, "name one of them, as apt-get asks",
			    "'%s' in '%s' is a virtual package provided by %s", e->name, where,
			    names.p ? names.p : "");
	lv_buf_release(&names);
	queue_free(&q);
	return n > 1 ? -1 : 0;
}

/* name/suite, apt's target release: the versions of that name the
 * repository `suite` (as the lock calls it) has, as a whatprovides
 * offset for SOLVER_SOLVABLE_ONE_OF; 0 (reported) when there are none. */
static Id from_suite(struct lv_resolver *rs, const struct lv_manifest *m, const struct lv_mpkg *e,
		     const char *where, Id name, struct lv_diags *d)
{
	Pool *pool = rs->pool;
	Queue q;
	Id p, pp, arch = pool_str2id(pool, m->dist.architecture, 0);
	int known = 0;
	Repo *repo;
	int i;
	FOR_REPOS(i, repo)
	known |= !strcmp(repo->name, e->suite);
	if (!known) {
		lv_diag_pos(d, LV_ERROR, &e->at,
			    "after the '/', a suite livec reads: distribution.suite (or its -updates, -security) or a "
			    "distribution.repositories name",
			    "package '%s/%s' in '%s': livec reads no suite '%s'", e->name, e->suite, where, e->suite);
		return 0;
	}
	queue_init(&q);
	FOR_PROVIDES(p, pp, name)
	{
		Solvable *s = pool->solvables + p;
		if (s->name == name && !strcmp(s->repo->name, e->suite) && (s->arch == arch || s->arch == ARCH_ALL))
			queue_push(&q, p);
	}
	Id what = q.count ? pool_queuetowhatprovides(pool, &q) : 0;
	if (!what)
		lv_diag_pos(d, LV_ERROR, &e->at, NULL, "package '%s' is not in suite '%s'", e->name, e->suite);
	queue_free(&q);
	return what;
}

static int job_for(struct lv_resolver *rs, const struct lv_manifest *m, const struct lv_mpkg *e,
		   const char *where, Queue *job, Map *requested, struct lv_diags *d)
{
	Pool *pool = rs->pool;
	Id name = pool_str2id(pool, e->name, 0);
	int real = 0, virt = 0;
	Id p, pp;

	if (name) {
		FOR_PROVIDES(p, pp, name)
		{
			if (pool->solvables[p].name == name)
				real = 1;
			else
				virt = 1;
		}
	}
	if (!real && !virt) {
		char hint[256];
		const char *best = closest_name(pool, e->name);
		if (best)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", best);
		lv_diag_pos(d, LV_ERROR, &e->at, best ? hint : NULL,
			   "unknown package '%s' in '%s': no such package in %s/%s", e->name, where,
			   m->dist.suite, m->dist.architecture);
		return -LVE_UNKNOWN_PKG;
	}
	if (!real && virtual_providers(rs, m, e, where, name, d) < 0)
		return -LVE_UNKNOWN_PKG;
	Id what = name;
	int how = real ? SOLVER_SOLVABLE_NAME : SOLVER_SOLVABLE_PROVIDES;
	if (e->suite && (what = from_suite(rs, m, e, where, name, d)) == 0)
		return -LVE_UNKNOWN_PKG;
	if (e->suite)
		how = SOLVER_SOLVABLE_ONE_OF;
	else if (e->version) {
		what = pool_rel2id(pool, name, pool_str2id(pool, e->version, 1), REL_EQ, 1);
		int found = 0;
		struct lv_buf avail = { .max = 4096 };
		FOR_PROVIDES(p, pp, what)
		if (pool->solvables[p].name == name)
			found = 1;
		if (!found) {
			FOR_PROVIDES(p, pp, name)
			if (pool->solvables[p].name == name)
				lv_buf_printf(&avail, "%s%s", avail.len ? ", " : "",
					      pool_id2str(pool, pool->solvables[p].evr));
			char hint[512];
			snprintf(hint, sizeof(hint), "available: %s", avail.p ? avail.p : "none");
			lv_diag_pos(d, LV_ERROR, &e->at, hint,
				   "package '%s' has no version '%s' in %s", e->name, e->version,
				   m->dist.suite);
			lv_buf_release(&avail);
			return -LVE_UNKNOWN_PKG;
		}
		lv_buf_release(&avail);
	}
	queue_push2(job, SOLVER_INSTALL | how, what);
	if (how == SOLVER_SOLVABLE_ONE_OF) {
		for (Id *w = pool->whatprovidesdata + what; *w; w++)
			MAPSET(requested, *w);
		return 0;
	}
	FOR_PROVIDES(p, pp, what)
	if (pool->solvables[p].name == name || !real)
		MAPSET(requested, p);
	return 0;
}

static int explain(Solver *solv, const char *what, struct lv_diags *d)
{
	int n = solver_problem_count(solv);
	Queue rules;

	lv_error(d, "cannot satisfy the %s request: %d problem%s", what, n, n == 1 ? "" : "s");
	queue_init(&rules);
	for (Id pr = 1; pr <= n; pr++) {
		lv_note(d, "problem %d: %s", pr, solver_problem2str(solv, pr));
		solver_findallproblemrules(solv, pr, &rules);
		for (int i = 0, shown = 0; i < rules.count && shown < 6; i++) {
			Id from, to, dep;
			SolverRuleinfo t = solver_ruleinfo(solv, rules.elements[i], &from, &to, &dep);
			if (t == SOLVER_RULE_JOB || t == SOLVER_RULE_PKG)
				continue;
			lv_note(d, "  because %s", solver_problemruleinfo2str(solv, t, from, to, dep));
			shown++;
		}
	}
	queue_free(&rules);
	return -LVE_UNSAT;
}

/* Runs the solver with favor rounds; returns the chosen solvables in result. */
static int solve(struct lv_resolver *rs, Queue *job, int recommends, const char *what, Queue *result,
		 Solver **out, struct lv_diags *d)
{
	Pool *pool = rs->pool;
	Map favored;
	Solver *solv = NULL;

	map_init(&favored, pool->nsolvables);
	for (int round = 0; round < LV_FAVOR_ROUNDS; round++) {
		if (solv)
			solver_free(solv);
		solv = solver_create(pool);
		solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, !recommends);
		if (solver_solve(solv, job)) {
			map_free(&favored);
			int r = explain(solv, what, d);
			*out = solv;
			return r;
		}
		Queue dq;
		queue_init(&dq);
		solver_get_decisionqueue(solv, &dq);
		queue_empty(result);
		for (int i = 0; i < dq.count; i++) {
			Id p = dq.elements[i];
			if (p > 0 && p != SYSTEMSOLVABLE && pool->solvables[p].repo != pool->installed)
				queue_push(result, p);
		}
		queue_free(&dq);
		if (!favor_first_alternatives(pool, result, job, &favored, recommends))
			break;
	}
	map_free(&favored);
	*out = solv;
	return 0;
}

static void collect(struct lv_resolver *rs, Solver *solv, const Queue *result, const Map *ess,
		    const Map *prio, const Map *req, const char *req_reason, char **why, struct lv_lockset *out)
{
	out->v = calloc((size_t)result->count + 1, sizeof(*out->v));
	out->n = 0;
	for (int i = 0; i < result->count; i++) {
		Id p = result->elements[i];
		struct lv_lockpkg *o = &out->v[out->n++];
		fill_pkg(rs, p, o);
		o->reason = reason_for(rs, solv, p, ess, prio, req, req_reason, why);
	}
	lv_lockset_sort(out);
}

/* Essential and the variant's priorities: install by name, so libsolv
 * takes the newest version across suites, as apt's candidate would. */
static void base_jobs(struct lv_resolver *rs, const struct lv_manifest *m, Queue *job)
{
	Pool *pool = rs->pool;
	Map named;
	Id p;

	map_init(&named, pool->ss.nstrings);
	FOR_POOL_SOLVABLES(p)
	{
		Solvable *s = pool->solvables + p;
		if (s->arch != ARCH_ALL && s->arch != pool_str2id(pool, m->dist.architecture, 0))
			continue;
		const char *name = lv_solv_name(pool, p);
		int e = lv_solv_essential(rs, p), v = in_variant(m->pkgs.variant, lv_solv_priority(rs, p));
		if ((!e && !v) || excluded(m, name))
			continue;
		if (!MAPTST(&named, s->name)) {
			MAPSET(&named, s->name);
			queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, s->name);
		}
	}
	map_free(&named);
}

/* The rootfs request: the base set, packages.install (marked in req) and
 * packages.exclude as locks.  Every unknown package is reported. */
static int rootfs_jobs(struct lv_resolver *rs, const struct lv_manifest *m, Queue *job, Map *req, int *nbase,
		       struct lv_diags *d)
{
	int r = 0;

	base_jobs(rs, m, job);
	*nbase = job->count / 2;
	for (size_t i = 0; i < m->pkgs.install.n; i++)
		if (job_for(rs, m, &m->pkgs.install.v[i], "packages.install", job, req, d) < 0)
			r = -LVE_UNKNOWN_PKG;
	for (size_t i = 0; i < m->pkgs.exclude.n; i++) {
		Id name = pool_str2id(rs->pool, m->pkgs.exclude.v[i].name, 0);
		if (name)
			queue_push2(job, SOLVER_LOCK | SOLVER_SOLVABLE_NAME, name);
	}
	return r;
}

/* reasons: mark each chosen solvable that is essential or in the priority
 * set (by name, as requested) */
static void mark_base(struct lv_resolver *rs, const struct lv_manifest *m, const Queue *result, Map *ess,
		      Map *prio)
{
	for (int i = 0; i < result->count; i++) {
		Id q = result->elements[i];
		if (lv_solv_essential(rs, q))
			MAPSET(ess, q);
		else if (in_variant(m->pkgs.variant, lv_solv_priority(rs, q)))
			MAPSET(prio, q);
	}
}

/* With Recommends: the set apt's marking gives (marker.c), which libsolv
 * must then accept as it is, every package installed on request and
 * nothing added.  If it does not, libsolv's own answer is taken, with a
 * warning: the lock is then still consistent, only not apt's. */
static int solve_as_apt(struct lv_resolver *rs, const struct lv_manifest *m, const Queue *job, int nbase,
			Queue *result, Solver **solv, char ***why, struct lv_diags *d)
{
	Queue marked, check;
	queue_init(&marked);
	queue_init(&check);
	int r = lv_apt_mark(rs, m, job, nbase, 1, &marked, why) < 0 ? -ENOMEM : 0;
	for (int i = 0; r == 0 && i < marked.count; i++)
		queue_push2(&check, SOLVER_INSTALL | SOLVER_SOLVABLE, marked.elements[i]);
	for (int i = 0; r == 0 && i < job->count; i += 2)
		if ((job->elements[i] & SOLVER_JOBMASK) == SOLVER_LOCK)
			queue_push2(&check, job->elements[i], job->elements[i + 1]);
	struct lv_diags quiet = { 0 };
	int ok = r == 0 && solve(rs, &check, 0, "rootfs", result, solv, &quiet) == 0 &&
		 result->count == marked.count;
	lv_diags_release(&quiet);
	if (r == 0 && !ok) {
		lv_warn(d, "following Recommends as apt does gave a set libsolv does not accept as it is; "
			   "the lock follows libsolv's rules for Recommends instead");
		lv_apt_why_free(rs, *why);
		*why = NULL;
		if (*solv)
			solver_free(*solv);
		*solv = NULL;
		r = solve(rs, (Queue *)job, 1, "rootfs", result, solv, d);
	}
	queue_free(&marked);
	queue_free(&check);
	return r;
}

/* The boot set: tools for making boot media, never installed.  *solv is
 * the rootfs solver on entry, the boot one (or the failed one) after. */
static int resolve_boot(struct lv_resolver *rs, const struct lv_manifest *m, Queue *job, Queue *result, Map *req,
			const Map *none, Solver **solv, struct lv_lockset *boot, struct lv_diags *d)
{
	int r = 0;

	queue_empty(job);
	map_empty(req);
	for (size_t i = 0; i < m->pkgs.boot.n; i++)
		if (job_for(rs, m, &m->pkgs.boot.v[i], "packages.boot", job, req, d) < 0)
			r = -LVE_UNKNOWN_PKG;
	if (r == 0) {
		if (*solv)
			solver_free(*solv);
		*solv = NULL;
		r = solve(rs, job, 0, "boot", result, solv, d);
	}
	if (r == 0)
		collect(rs, *solv, result, none, none, req, "boot media", NULL, boot);
	return r;
}

int lv_resolve(struct lv_resolver *rs, const struct lv_manifest *m, struct lv_lockset *rootfs,
	       struct lv_lockset *boot, struct lv_diags *d)
{
	Pool *pool = rs->pool;
	Queue job, result;
	Map ess, prio, req, none;
	Solver *solv = NULL;
	int r;

	pool_addfileprovides(pool);
	pool_createwhatprovides(pool);
	queue_init(&job);
	queue_init(&result);
	map_init(&ess, pool->nsolvables);
	map_init(&prio, pool->nsolvables);
	map_init(&req, pool->nsolvables);
	map_init(&none, pool->nsolvables);

	int nbase = 0;
	char **why = NULL;
	r = rootfs_jobs(rs, m, &job, &req, &nbase, d);
	if (r == 0 && m->pkgs.recommends)
		r = solve_as_apt(rs, m, &job, nbase, &result, &solv, &why, d);
	else if (r == 0)
		r = solve(rs, &job, 0, "rootfs", &result, &solv, d);
	if (r == 0) {
		mark_base(rs, m, &result, &ess, &prio);
		collect(rs, solv, &result, &ess, &prio, &req, "manifest", why, rootfs);
	}
	lv_apt_why_free(rs, why);
	if (r == 0)
		r = resolve_boot(rs, m, &job, &result, &req, &none, &solv, boot, d);
	if (rs->last)
		solver_free(rs->last);
	rs->last = solv;
	queue_free(&job);
	queue_free(&result);
	map_free(&ess);
	map_free(&prio);
	map_free(&req);
	map_free(&none);
	return r;
}

int lv_resolver_dump(struct lv_resolver *rs, const char *dir)
{
	if (!rs->last)
		return -EINVAL;
	return testcase_write(rs->last, dir, TESTCASE_RESULT_TRANSACTION | TESTCASE_RESULT_PROBLEMS,
			      NULL, NULL)
		       ? 0
		       : -EIO;
}
