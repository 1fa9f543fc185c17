/* apt's marking, for `recommends: true` (solv.h).
 *
 * libsolv decides weak dependencies only after every hard one and merges
 * the alternatives of an or-group; apt follows Recommends depth-first, the
 * moment a package is marked, alternatives strictly left to right.  The two
 * end up with different sets, so with Recommends livec marks as apt's
 * classic solver does for `apt-get install` on an empty system (apt-pkg's
 * depcache.cc, MarkInstall; docs/resolve.md says which rules and where
 * they come from), and libsolv checks the result.
 *
 * A package here is a name: its candidate is the version of that name for
 * the architecture with the highest pin priority (its repository's:
 * 500, backports 100), then the highest version, and a
 * candidate that failed its dependencies is discarded for the rest of the
 * run, as apt does. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <solv/bitmap.h>
#include <solv/evr.h>
#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/solver.h>

#include "lock/solv.h"
#include "manifest/manifest.h"

enum { MARKED = 1, PROTECTED = 2, DISCARDED = 4, SEEN = 8, LISTED = 16 };
enum { DEPTH_MAX = 3000 };

struct marker {
	struct lv_resolver *rs;
	Pool *pool;
	const struct lv_manifest *m;
	int recommends;
	Id arch;
	Id *cand;		/* by name: the candidate solvable, 0 if none */
	unsigned char *state;	/* by name: MARKED | PROTECTED | DISCARDED | SEEN | LISTED */
	int *apt_id;		/* by name: apt's package number (first mention) */
	char **why;		/* by solvable: the reason for the lock */
	Queue order;		/* names in the order they were marked */
	Id target;		/* the name being sorted for (compare_providers) */
	int trace;		/* $LIVEC_TRACE_MARKER: apt's Debug::pkgDepCache::AutoInstall */
};

/* ---- candidates and apt's package numbers ---- */

static int native(struct marker *mk, Solvable *s)
{
	return s->arch == mk->arch || s->arch == ARCH_ALL;
}

/* Is a better candidate than b: apt's pin priority first (the
 * repository's), then the version. */
static int better(Pool *pool, Id a, Id b)
{
	const Solvable *sa = pool->solvables + a, *sb = pool->solvables + b;
	if (sa->repo->priority != sb->repo->priority)
		return sa->repo->priority > sb->repo->priority;
	return pool_evrcmp(pool, sa->evr, sb->evr, EVRCMP_COMPARE) > 0;
}

/* The candidate of a name, computed once: its version of the highest
 * priority, then the highest. */
static Id candidate(struct marker *mk, Id name)
{
	if (mk->state[name] & DISCARDED)
		return 0;
	if (mk->state[name] & SEEN)
		return mk->cand[name];
	mk->state[name] |= SEEN;
	Pool *pool = mk->pool;
	Id p, pp, best = 0;
	FOR_PROVIDES(p, pp, name)
	{
		Solvable *s = pool->solvables + p;
		if (s->name != name || !native(mk, s) || !pool_installable(pool, s))
			continue;
		if (!best || better(pool, p, best))
			best = p;
	}
	for (size_t i = 0; best && i < mk->m->pkgs.exclude.n; i++)
		if (!strcmp(mk->m->pkgs.exclude.v[i].name, pool_id2str(pool, name)))
			best = 0; /* packages.exclude wins over everything */
	return mk->cand[name] = best;
}

static Id name_of(struct marker *mk, Id p)
{
	return mk->pool->solvables[p].name;
}

enum kind { HARD, RECOMMENDS };
static void parse_field(Pool *pool, const char *f, int kind, Queue *out);

/* Numbers the names of a relation field as written, in order, as apt's
 * cache generator creates their packages: an unqualified name (or one
 * qualified with :native or the native architecture) is the native
 * package; `name:any` and other architectures are other packages. */
static void mention_field(struct marker *mk, const char *f, int *next)
{
	Pool *pool = mk->pool;
	const char *arch = pool_id2str(pool, mk->arch);
	while (f && *f) {
		f += strspn(f, " \t\n,|");
		size_t n = strcspn(f, " \t\n,|(:[<");
		if (!n)
			break;
		const char *q = f + n;
		int native = 1;
		if (*q == ':') {
			size_t ql = strcspn(q + 1, " \t\n,|([<");
			native = (ql == 6 && !strncmp(q + 1, "native", 6)) ||
				 (ql == strlen(arch) && !strncmp(q + 1, arch, ql));
		}
		Id name = pool_strn2id(pool, f, (unsigned)n, 0);
		if (native && name && !mk->apt_id[name])
			mk->apt_id[name] = ++*next;
		f += strcspn(f, ",|");
	}
}

/* apt numbers packages as its cache generator first meets their names:
 * index by index, paragraph by paragraph, the package itself, then the
 * names in Pre-Depends, Depends, Conflicts, Breaks, Recommends, Suggests,
 * Replaces, Enhances and Provides (deblistparser.cc), read from the fields
 * as written (a .solv file keeps sorted copies).  Among equal providers
 * the higher number wins, so the order matters. */
static void number_packages(struct marker *mk)
{
	Pool *pool = mk->pool;
	const Id fields[] = { mk->rs->k_depends, mk->rs->k_negative, mk->rs->k_recommends, mk->rs->k_weaker };
	int next = 0;
	Repo *repo;
	int ri;
	FOR_REPOS(ri, repo)
	{
		Id p;
		Solvable *s;
		FOR_REPO_SOLVABLES(repo, p, s)
		{
			if (!native(mk, s))
				continue;
			if (!mk->apt_id[s->name])
				mk->apt_id[s->name] = ++next;
			for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
				mention_field(mk, solvable_lookup_str(s, fields[k]), &next);
		}
	}
}

/* ---- apt's preference among the providers of one alternative ---- */

static int priority_rank(struct marker *mk, Id p)
{
	static const char *const names[] = { "required", "important", "standard", "optional", "extra" };
	const char *prio = lv_solv_priority(mk->rs, p);
	for (int i = 0; i < 4; i++)
		if (!strcasecmp(prio, names[i]))
			return i + 1;
	return 5; /* apt: anything else is extra */
}

/* CompareProviders: protected, the target's own name, Essential,
 * Priority, then the higher package number.  (apt's architecture step
 * cannot decide here: it counts `all` as native, and candidates are
 * nothing else.) */
static int compare_providers(const void *a, const void *b, void *data)
{
	struct marker *mk = data;
	Id pa = *(const Id *)a, pb = *(const Id *)b, na = name_of(mk, pa), nb = name_of(mk, pb);
	int d = !!(mk->state[nb] & PROTECTED) - !!(mk->state[na] & PROTECTED);
	if (!d)
		d = (nb == mk->target) - (na == mk->target);
	if (!d)
		d = lv_solv_essential(mk->rs, pb) - lv_solv_essential(mk->rs, pa);
	if (!d)
		d = priority_rank(mk, pa) - priority_rank(mk, pb);
	if (!d)
		d = mk->apt_id[nb] - mk->apt_id[na];
	return d;
}

/* The candidates that satisfy the or-group `dep`: alternatives left to
 * right, each one's providers in apt's order. */
static void solutions(struct marker *mk, Id dep, Queue *out)
{
	Pool *pool = mk->pool;
	Queue alts;
	queue_init(&alts);
	queue_empty(out);
	if (dep)
		lv_solv_alternatives(pool, dep, &alts);
	for (int i = 0; i < alts.count; i++) {
		int from = out->count;
		Id p, pp;
		FOR_PROVIDES(p, pp, alts.elements[i])
		if (candidate(mk, name_of(mk, p)) == p)
			queue_push(out, p);
		mk->target = lv_solv_dep_name(pool, alts.elements[i]);
		solv_sort(out->elements + from, (size_t)(out->count - from), sizeof(Id), compare_providers, mk);
	}
	/* std::unique: adjacent repeats only */
	int n = 0;
	for (int i = 0; i < out->count; i++)
		if (!n || out->elements[n - 1] != out->elements[i])
			out->elements[n++] = out->elements[i];
	queue_truncate(out, n);
	queue_free(&alts);
}

/* Is p the candidate of its name, and (with `marked`) marked? */
static int is_chosen(struct marker *mk, Id p, int marked)
{
	Id n = name_of(mk, p);
	return marked ? (mk->state[n] & MARKED) && mk->cand[n] == p : candidate(mk, n) == p;
}

/* Is `dep` met by a marked package (apt: DepInstall), or with marked 0,
 * could a candidate meet it at all (apt: DepCVer)? */
static int met_by(struct marker *mk, Id dep, int marked)
{
	Pool *pool = mk->pool;
	Id p, pp;
	if (!dep)
		return 0;
	FOR_PROVIDES(p, pp, dep)
	if (is_chosen(mk, p, marked))
		return 1;
	return 0;
}

static int met(struct marker *mk, Id dep)
{
	return met_by(mk, dep, 1);
}

static int satisfiable(struct marker *mk, Id dep)
{
	return met_by(mk, dep, 0);
}

/* ---- MarkInstall ---- */


/* One alternative as written, "name[:arch] [(op version)]", as a libsolv
 * dependency; 0 for a name no package has or provides.  The architecture
 * qualifier is dropped: livec resolves for one architecture. */
static Id parse_alternative(Pool *pool, const char *s, const char *end)
{
	while (s < end && strchr(" \t\n", *s))
		s++;
	const char *n = s;
	while (s < end && !strchr(" \t\n(:[<", *s))
		s++;
	Id name = s > n ? pool_strn2id(pool, n, (unsigned)(s - n), 0) : 0;
	while (s < end && *s != '(')
		s++;
	if (!name || s == end)
		return name;
	s++;
	while (s < end && strchr(" \t\n", *s))
		s++;
	const char *op = s;
	while (s < end && strchr("<=>", *s))
		s++;
	size_t ol = (size_t)(s - op);
	int flags = !strncmp(op, "<<", 2) ? REL_LT : !strncmp(op, ">>", 2) ? REL_GT
		  : !strncmp(op, "<", 1) ? REL_LT | REL_EQ : !strncmp(op, ">", 1) ? REL_GT | REL_EQ : REL_EQ;
	if (!ol)
		return name;
	while (s < end && strchr(" \t\n", *s))
		s++;
	const char *v = s;
	while (s < end && !strchr(" \t\n)", *s))
		s++;
	return pool_rel2id(pool, name, pool_strn2id(pool, v, (unsigned)(s - v), 1), flags, 1);
}

/* Appends the or-groups of a relation field, in order, with `kind`.  A
 * group whose names are all unknown is pushed as 0: it cannot be met. */
static void parse_field(Pool *pool, const char *f, int kind, Queue *out)
{
	while (f && *f) {
		const char *end = f + strcspn(f, ",");
		Id group = 0;
		for (const char *a = f; a < end;) {
			const char *bar = memchr(a, '|', (size_t)(end - a));
			const char *ae = bar ? bar : end;
			Id alt = parse_alternative(pool, a, ae);
			if (alt)
				group = group ? pool_rel2id(pool, group, alt, REL_OR, 1) : alt;
			a = bar ? bar + 1 : end;
		}
		if (end > f + strspn(f, " \t\n"))
			queue_push2(out, group, kind);
		f = *end ? end + 1 : end;
	}
}

/* The relations MarkInstall walks, in apt's order: Pre-Depends, Depends,
 * then Recommends when they are followed. */
static void groups_of(struct marker *mk, Id p, Queue *out)
{
	Solvable *s = mk->pool->solvables + p;
	queue_empty(out);
	parse_field(mk->pool, solvable_lookup_str(s, mk->rs->k_depends), HARD, out);
	if (mk->recommends)
		parse_field(mk->pool, solvable_lookup_str(s, mk->rs->k_recommends), RECOMMENDS, out);
}

static void set_reason(struct marker *mk, Id p, Id from, Id dep, enum kind kind)
{
	Pool *pool = mk->pool;
	char *r = NULL;
	int alt = ISRELDEP(dep) && GETRELDEP(pool, dep)->flags == REL_OR;
	if (kind == RECOMMENDS && asprintf(&r, "recommended by %s", lv_solv_name(pool, from)) < 0)
		r = NULL;
	else if (kind == HARD && asprintf(&r, "%s %s (%s)", alt ? "alternative chosen for" : "dependency of",
					  lv_solv_name(pool, from), pool_dep2str(pool, dep)) < 0)
		r = NULL;
	free(mk->why[p]);
	mk->why[p] = r;
}

static void mark(struct marker *mk, Id name)
{
	if (!(mk->state[name] & LISTED))
		queue_push(&mk->order, name);
	mk->state[name] |= MARKED | LISTED;
}

static void discard(struct marker *mk, Id name)
{
	mk->state[name] = (unsigned char)((mk->state[name] & ~MARKED) | DISCARDED | SEEN);
	mk->cand[name] = 0;
}

/* MarkInstall_RemoveConflictsIfNotUpgradeable, before `p` is marked: each
 * candidate its Conflicts/Breaks hit is unmarked (a protected one cannot
 * be: that fails), and when `p` is protected, also discarded and
 * protected so nothing installs it later.  0 when something could not be
 * removed. */
static int remove_conflicts(struct marker *mk, Id p, int was_protected, int from_user)
{
	Pool *pool = mk->pool;
	Solvable *s = pool->solvables + p;
	int failed = 0;
	for (Id *dp = s->conflicts ? s->repo->idarraydata + s->conflicts : NULL; dp && *dp; dp++) {
		Id q, qq;
		FOR_PROVIDES(q, qq, *dp)
		{
			Id qn = name_of(mk, q);
			if (qn == s->name || candidate(mk, qn) != q)
				continue;
			if ((mk->state[qn] & (MARKED | PROTECTED)) == (MARKED | PROTECTED)) {
				failed = 1;
				if (!was_protected && !from_user)
					break;
				continue;
			}
			mk->state[qn] &= (unsigned char)~MARKED;
			if (was_protected) {
				discard(mk, qn);
				mk->state[qn] |= PROTECTED;
			}
		}
		if (failed && !was_protected && !from_user)
			break;
	}
	return !failed;
}

/* MarkInstall without AutoInst: marked, nothing followed. */
static int mark_only(struct marker *mk, Id name)
{
	if (!candidate(mk, name))
		return 0;
	mark(mk, name);
	return 1;
}

static int mark_install(struct marker *mk, Id name, int depth, int from_user);

/* MarkInstall_InstallDependencies: each group not yet met, its solutions
 * in order; 0 when a hard one could not be met. */
static int install_dependencies(struct marker *mk, Id p, const Queue *groups, int depth, int from_user,
				int was_protected)
{
	Queue sols;
	queue_init(&sols);
	int failed = 0;
	for (int g = 0; g < groups->count; g += 2) {
		Id dep = groups->elements[g];
		enum kind kind = (enum kind)groups->elements[g + 1];
		if (met(mk, dep)) {
			if (mk->trace > 1)
				fprintf(stderr, "%*s(%s: met)\n", 2 * depth + 2, "", pool_dep2str(mk->pool, dep));
			if (!was_protected || kind != HARD)
				continue;
			/* a protected package protects its only way to a dependency */
			solutions(mk, dep, &sols);
			if (sols.count != 1 || (mk->state[name_of(mk, sols.elements[0])] & PROTECTED))
				continue;
			mk->state[name_of(mk, sols.elements[0])] |= PROTECTED;
			if (!mark_install(mk, name_of(mk, sols.elements[0]), depth + 1, 0))
				failed = 1;
			continue;
		}
		solutions(mk, dep, &sols);
		int found = 0;
		for (int i = 0; i < sols.count && !found; i++) {
			Id q = sols.elements[i], qn = name_of(mk, q);
			if (candidate(mk, qn) != q)
				continue;
			int was_marked = mk->state[qn] & MARKED;
			if (mk->trace)
				fprintf(stderr, "%*sInstalling %s as %s of %s\n", 2 * depth + 2, "",
					pool_id2str(mk->pool, qn), kind == HARD ? "Depends" : "Recommends",
					lv_solv_name(mk->pool, p));
			if (was_protected && kind == HARD && sols.count == 1) {
				if (!mark_only(mk, qn))
					continue;
				mk->state[qn] |= PROTECTED;
			}
			if (!mark_install(mk, qn, depth + 1, 0))
				continue;
			if (!was_marked)
				set_reason(mk, q, p, dep, kind);
			found = 1;
		}
		if (!found && kind == HARD) {
			failed = 1;
			if (!was_protected && !from_user)
				break;
		}
	}
	queue_free(&sols);
	return !failed;
}

/* pkgDepCache::MarkInstall with AutoInst, for a system with nothing
 * installed; 1 if the package is (or stays) marked. */
static int mark_install(struct marker *mk, Id name, int depth, int from_user)
{
	unsigned char *st = &mk->state[name];
	if (depth > DEPTH_MAX)
		return 0;
	Id p = candidate(mk, name);
	if (!p)
		return 0;
	if (!(*st & PROTECTED) && (*st & MARKED))
		return 1;
	/* IsInstallOk: every hard group can be met by some candidate */
	Queue groups;
	queue_init(&groups);
	groups_of(mk, p, &groups);
	for (int g = 0; g < groups.count; g += 2)
		if (groups.elements[g + 1] == HARD && !met(mk, groups.elements[g]) &&
		    !satisfiable(mk, groups.elements[g])) {
			if (!(*st & PROTECTED))
				discard(mk, name);
			queue_free(&groups);
			return 0;
		}
	int was_protected = *st & PROTECTED, fail_early = !was_protected && !from_user;
	/* what it conflicts with goes first; the other side's Conflicts are
	 * not looked at (apt leaves them to its problem resolver, livec to
	 * libsolv's check) */
	int ok = remove_conflicts(mk, p, was_protected, from_user);
	if (!ok && fail_early) {
		queue_free(&groups);
		return 0;
	}
	mark(mk, name);
	*st |= PROTECTED; /* while its dependencies are marked */
	ok &= install_dependencies(mk, p, &groups, depth, from_user, was_protected);
	if (!was_protected)
		*st &= (unsigned char)~PROTECTED;
	queue_free(&groups);
	if (!ok && fail_early) {
		discard(mk, name);
		return 0;
	}
	return ok;
}

/* ---- after marking: what apt would not install because nothing needs it ---- */

/* MarkAndSweep: from what was asked for and from Essential packages, over
 * Depends, Pre-Depends, Recommends and Suggests to marked providers. */
static void sweep(struct marker *mk, const Queue *roots, Map *keep)
{
	Pool *pool = mk->pool;
	Queue todo;
	queue_init(&todo);
	for (int i = 0; i < roots->count; i++)
		queue_push(&todo, roots->elements[i]);
	for (int i = 0; i < mk->order.count; i++) {
		Id n = mk->order.elements[i];
		if ((mk->state[n] & MARKED) && lv_solv_essential(mk->rs, mk->cand[n]))
			queue_push(&todo, n);
	}
	while (todo.count) {
		Id n = queue_pop(&todo);
		Id p = mk->cand[n];
		if (!p || !(mk->state[n] & MARKED) || MAPTST(keep, p))
			continue;
		MAPSET(keep, p);
		Solvable *s = pool->solvables + p;
		Offset lists[] = { s->requires, s->recommends, s->suggests };
		for (int l = 0; l < 3; l++)
			for (Id *dp = lists[l] ? s->repo->idarraydata + lists[l] : NULL; dp && *dp; dp++) {
				if (*dp == SOLVABLE_PREREQMARKER)
					continue;
				Queue alts;
				queue_init(&alts);
				lv_solv_alternatives(pool, *dp, &alts);
				for (int a = 0; a < alts.count; a++) {
					Id q, qq;
					FOR_PROVIDES(q, qq, alts.elements[a])
					if (is_chosen(mk, q, 1))
						queue_push(&todo, name_of(mk, q));
				}
				queue_free(&alts);
			}
	}
	queue_free(&todo);
}

int lv_apt_mark(struct lv_resolver *rs, const struct lv_manifest *m, const Queue *request, int nbase,
		int recommends, Queue *result, char ***why)
{
	Pool *pool = rs->pool;
	struct marker mk = { .rs = rs, .pool = pool, .m = m, .recommends = recommends,
			     .arch = pool_str2id(pool, m->dist.architecture, 0),
			     .trace = getenv("LIVEC_TRACE_MARKER") ? atoi(getenv("LIVEC_TRACE_MARKER")) : 0 };
	size_t names = (size_t)pool->ss.nstrings;
	mk.cand = calloc(names, sizeof(Id));
	mk.state = calloc(names, 1);
	mk.apt_id = calloc(names, sizeof(int));
	mk.why = calloc((size_t)pool->nsolvables, sizeof(char *));
	queue_init(&mk.order);
	if (!mk.cand || !mk.state || !mk.apt_id || !mk.why) {
		free(mk.cand), free(mk.state), free(mk.apt_id), free(mk.why);
		return -1;
	}
	number_packages(&mk);

	/* the command line: the base names sorted, as a shell glob or `sort`
	 * gives them, then packages.install in order */
	Queue line;
	queue_init(&line);
	int base = 0;
	for (int i = 0; i < request->count; i += 2) {
		if ((request->elements[i] & SOLVER_JOBMASK) != SOLVER_INSTALL)
			continue;
		Id how = request->elements[i] & SOLVER_SELECTMASK, what = request->elements[i + 1], name = 0;
		if (how == SOLVER_SOLVABLE_NAME && ISRELDEP(what)) {
			/* name=version: that version becomes the candidate */
			Id p, pp;
			name = lv_solv_dep_name(pool, what);
			FOR_PROVIDES(p, pp, what)
			if (name_of(&mk, p) == name && native(&mk, pool->solvables + p))
				mk.cand[name] = p, mk.state[name] |= SEEN;
		} else if (how == SOLVER_SOLVABLE_ONE_OF) {
			/* name/suite: that suite's best version becomes the candidate */
			Id best = 0;
			for (Id *w = pool->whatprovidesdata + what; *w; w++)
				if (!best || pool_evrcmp(pool, pool->solvables[*w].evr, pool->solvables[best].evr,
							 EVRCMP_COMPARE) > 0)
					best = *w;
			name = best ? name_of(&mk, best) : 0;
			if (name)
				mk.cand[name] = best, mk.state[name] |= SEEN;
		} else if (how == SOLVER_SOLVABLE_NAME)
			name = what;
		else if (how == SOLVER_SOLVABLE_PROVIDES) {
			/* a virtual name: apt takes its provider */
			Queue sols;
			queue_init(&sols);
			solutions(&mk, what, &sols);
			name = sols.count ? name_of(&mk, sols.elements[0]) : 0;
			queue_free(&sols);
		}
		if (name)
			queue_push(&line, name);
		if (name && i / 2 < nbase)
			base++;
	}
	solv_sort(line.elements, (size_t)base, sizeof(Id), lv_solv_by_name, pool);
	/* pass 1: each marked and protected, no dependencies yet */
	for (int i = 0; i < line.count; i++)
		if (candidate(&mk, line.elements[i])) {
			mark(&mk, line.elements[i]);
			mk.state[line.elements[i]] |= PROTECTED;
		}
	/* pass 2: MarkInstall with dependencies, in command-line order */
	for (int i = 0; i < line.count; i++)
		mark_install(&mk, line.elements[i], 0, 1);

	Map keep;
	map_init(&keep, pool->nsolvables);
	sweep(&mk, &line, &keep);
	queue_empty(result);
	for (int i = 0; i < mk.order.count; i++) {
		Id n = mk.order.elements[i];
		if ((mk.state[n] & MARKED) && MAPTST(&keep, mk.cand[n]))
			queue_push(result, mk.cand[n]);
	}
	map_free(&keep);
	queue_free(&line);
	queue_free(&mk.order);
	free(mk.cand);
	free(mk.state);
	free(mk.apt_id);
	*why = mk.why;
	return 0;
}

void lv_apt_why_free(struct lv_resolver *rs, char **why)
{
	for (int i = 0; why && i < rs->pool->nsolvables; i++)
		free(why[i]);
	free(why);
}
