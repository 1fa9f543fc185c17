/* `livec lock --explain PACKAGE` (resolve.h): why a package is in the
 * lock, or why it is not, from the lock and the indexes it was made from.
 *
 * In the lock: the shortest chain of Pre-Depends/Depends (and Recommends,
 * when the manifest has them) through locked packages from one that is
 * there by itself (Essential, the variant's priority, the manifest, the
 * boot media).  Not in it: every locked package that names it (directly, or
 * a virtual package or alternative it provides) in its Depends, Recommends
 * or Suggests, and what met that relation instead; or that it is excluded,
 * unknown, or named by nothing. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <solv/bitmap.h>
#include <solv/pool.h>
#include <solv/repo.h>

#include "base/buf.h"
#include "lock/resolve.h"
#include "lock/solv.h"

#define MAX_MENTIONS 12

enum rel { REL_DEPENDS, REL_RECOMMENDS, REL_SUGGESTS };
static const char *const rel_words[] = { "depends on", "recommends", "suggests" };

struct explainer {
	Pool *pool;
	const struct lv_manifest *m;
	const struct lv_lock *l;
	Map locked;                    /* the lock's solvables */
	const struct lv_lockpkg **pkg; /* by solvable: its lock entry */
	struct lv_buf *out;
};

/* The solvable of a lock entry: same name, version and architecture. */
static Id find_locked(Pool *pool, const struct lv_lockpkg *lp)
{
	Id name = pool_str2id(pool, lp->name, 0), p;
	if (!name)
		return 0;
	FOR_POOL_SOLVABLES(p) {
		Solvable *s = pool->solvables + p;
		if (s->name == name && !strcmp(pool_id2str(pool, s->evr), lp->version) &&
		    !strcmp(pool_id2str(pool, s->arch), lp->arch))
			return p;
	}
	return 0;
}

static void mark_lock(struct explainer *x)
{
	const struct lv_lockset *sets[] = { &x->l->rootfs, &x->l->boot };
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < sets[k]->n; i++) {
			Id p = find_locked(x->pool, &sets[k]->v[i]);
			if (p && !x->pkg[p]) { /* in both: the rootfs entry speaks */
				MAPSET(&x->locked, p);
				x->pkg[p] = &sets[k]->v[i];
			}
		}
}

/* There by itself, not for another package. */
static int is_root(const struct lv_lockpkg *lp)
{
	static const char *const derived[] = { "dependency", "alternative", "recommended" };
	for (size_t i = 0; i < 3; i++)
		if (!strncmp(lp->reason, derived[i], strlen(derived[i])))
			return 0;
	return 1;
}

static Offset rel_list(const Solvable *s, enum rel r)
{
	return r == REL_DEPENDS ? s->requires : r == REL_RECOMMENDS ? s->recommends : s->suggests;
}

/* A locked package that meets dep, or 0. */
static Id locked_provider(struct explainer *x, Id dep)
{
	Pool *pool = x->pool;
	Id p, pp;
	FOR_PROVIDES(p, pp, dep)
	if (MAPTST(&x->locked, p))
		return p;
	return 0;
}

/* Breadth first from the packages that are there by themselves, along the
 * relations apt follows; prev[p] is how p was reached. */
static void chain_search(struct explainer *x, Id *prev, Id *via, int *kind)
{
	Pool *pool = x->pool;
	Queue q;
	queue_init(&q);
	for (Id p = 2; p < pool->nsolvables; p++)
		if (x->pkg[p] && is_root(x->pkg[p])) {
			prev[p] = -1;
			queue_push(&q, p);
		}
	for (int h = 0; h < q.count; h++) {
		Id p = q.elements[h];
		Solvable *s = pool->solvables + p;
		for (enum rel r = REL_DEPENDS; r <= (x->m->pkgs.recommends ? REL_RECOMMENDS : REL_DEPENDS); r++) {
			Offset o = rel_list(s, r);
			for (Id *dp = o ? s->repo->idarraydata + o : NULL; dp && *dp; dp++) {
				Id t, tt;
				if (*dp == SOLVABLE_PREREQMARKER)
					continue;
				FOR_PROVIDES(t, tt, *dp)
				if (MAPTST(&x->locked, t) && !prev[t]) {
					prev[t] = p;
					via[t] = *dp;
					kind[t] = r;
					queue_push(&q, t);
				}
			}
		}
	}
	queue_free(&q);
}

static void why_in(struct explainer *x, Id target)
{
	Pool *pool = x->pool;
	const struct lv_lockpkg *lp = x->pkg[target];
	Id *prev = calloc((size_t)pool->nsolvables, sizeof(Id)), *via = calloc((size_t)pool->nsolvables, sizeof(Id));
	int *kind = calloc((size_t)pool->nsolvables, sizeof(int));
	lv_buf_printf(x->out, "%s %s is in the lock (%s): %s\n", lp->name, lp->version,
		      lp >= x->l->boot.v && lp < x->l->boot.v + x->l->boot.n ? "boot" : "rootfs", lp->reason);
	chain_search(x, prev, via, kind);
	if (prev[target] > 0) {
		Id path[256];
		int n = 0;
		for (Id p = target; p > 0 && n < 256; p = prev[p])
			path[n++] = p;
		lv_buf_printf(x->out, "  %s: %s\n", lv_solv_name(pool, path[n - 1]), x->pkg[path[n - 1]]->reason);
		for (int i = n - 1; i > 0; i--)
			lv_buf_printf(x->out, "  %s %s %s (%s)\n", lv_solv_name(pool, path[i]), rel_words[kind[path[i - 1]]],
				      lv_solv_name(pool, path[i - 1]), pool_dep2str(pool, via[path[i - 1]]));
	}
	free(prev);
	free(via);
	free(kind);
}

/* Does alternative `alt` name the package: by name, or through what it
 * provides? */
static int names(Pool *pool, Id alt, Id name)
{
	if (lv_solv_dep_name(pool, alt) == name)
		return 1;
	Id p, pp;
	FOR_PROVIDES(p, pp, alt)
	if (pool->solvables[p].name == name)
		return 1;
	return 0;
}

/* One relation of a locked package that names the package, and why it did
 * not bring it in. */
static void mention(struct explainer *x, Id from, enum rel r, Id dep, int at)
{
	Pool *pool = x->pool;
	const char *who = lv_solv_name(pool, from);
	lv_buf_printf(x->out, "  %s %s '%s'", who, rel_words[r], pool_dep2str(pool, dep));
	if (r == REL_SUGGESTS) {
		lv_buf_puts(x->out, ": suggested packages stay out, as with apt\n");
		return;
	}
	if (r == REL_RECOMMENDS && !x->m->pkgs.recommends) {
		lv_buf_puts(x->out, ": the manifest has recommends: false\n");
		return;
	}
	Queue alts;
	queue_init(&alts);
	lv_solv_alternatives(pool, dep, &alts);
	Id met = 0;
	int met_at = -1;
	for (int i = 0; i < alts.count && !met; i++)
		if ((met = locked_provider(x, alts.elements[i])))
			met_at = i;
	if (met && met_at < at)
		lv_buf_printf(x->out, ": met by %s, an earlier alternative (apt takes the first that can be "
				      "installed)\n", lv_solv_name(pool, met));
	else if (met && met_at > at)
		lv_buf_printf(x->out, ": met by %s, a later alternative that was already there (%s)\n",
			      lv_solv_name(pool, met), x->pkg[met]->reason);
	else if (met && x->m->pkgs.recommends)
		lv_buf_printf(x->out, ": met by %s, which also provides it (apt's choice among the providers: "
				      "one already chosen, the real package of that name, Essential, Priority, then "
				      "apt's package order)\n", lv_solv_name(pool, met));
	else if (met)
		lv_buf_printf(x->out, ": met by %s, which also provides it\n", lv_solv_name(pool, met));
	else if (r == REL_RECOMMENDS)
		lv_buf_puts(x->out, ": met by nothing in the lock (a recommendation that cannot be installed "
				    "with the rest is left out)\n");
	else
		lv_buf_puts(x->out, ": met by nothing in the lock\n");
	queue_free(&alts);
}

static int mentions(struct explainer *x, Id name)
{
	Pool *pool = x->pool;
	int n = 0;
	Queue alts;
	queue_init(&alts);
	for (Id p = 2; p < pool->nsolvables; p++) {
		if (!x->pkg[p])
			continue;
		Solvable *s = pool->solvables + p;
		for (enum rel r = REL_DEPENDS; r <= REL_SUGGESTS; r++) {
			Offset o = rel_list(s, r);
			for (Id *dp = o ? s->repo->idarraydata + o : NULL; dp && *dp; dp++) {
				if (*dp == SOLVABLE_PREREQMARKER)
					continue;
				queue_empty(&alts);
				lv_solv_alternatives(pool, *dp, &alts);
				for (int i = 0; i < alts.count; i++)
					if (names(pool, alts.elements[i], name)) {
						if (n++ < MAX_MENTIONS)
							mention(x, p, r, *dp, i);
						break;
					}
			}
		}
	}
	queue_free(&alts);
	if (n > MAX_MENTIONS)
		lv_buf_printf(x->out, "  (and %d more)\n", n - MAX_MENTIONS);
	return n;
}

static void why_not(struct explainer *x, const char *name)
{
	Pool *pool = x->pool;
	Id id = pool_str2id(pool, name, 0), p, pp;
	int known = 0, provided = 0;
	if (id) {
		FOR_POOL_SOLVABLES(p)
		known |= pool->solvables[p].name == id;
		FOR_PROVIDES(p, pp, id)
		provided = 1;
	}
	lv_buf_printf(x->out, "%s is not in the lock", name);
	if (!known && !provided) {
		lv_buf_puts(x->out, ": no package of the lock's repositories has that name or provides it\n");
		return;
	}
	for (size_t i = 0; i < x->m->pkgs.exclude.n; i++)
		if (!strcmp(x->m->pkgs.exclude.v[i].name, name)) {
			lv_buf_printf(x->out, ": packages.exclude names it (line %d)\n", x->m->pkgs.exclude.v[i].at.line);
			return;
		}
	lv_buf_puts(x->out, known ? "\n" : " (a virtual package: only others provide it)\n");
	if (!mentions(x, id))
		lv_buf_printf(x->out, "  nothing in the lock depends on, recommends or suggests it: name it in "
				      "packages.install to have it\n");
}

int lv_resolver_explain(struct lv_resolver *rs, const struct lv_manifest *m, const struct lv_lock *l,
			const char *name, struct lv_buf *out)
{
	Pool *pool = rs->pool;
	pool_addfileprovides(pool);
	pool_createwhatprovides(pool);
	struct explainer x = { .pool = pool, .m = m, .l = l, .out = out,
			       .pkg = calloc((size_t)pool->nsolvables, sizeof(*x.pkg)) };
	map_init(&x.locked, pool->nsolvables);
	mark_lock(&x);
	Id target = 0, id = pool_str2id(pool, name, 0);
	for (Id p = 2; id && p < pool->nsolvables && !target; p++)
		if (x.pkg[p] && pool->solvables[p].name == id)
			target = p;
	if (target)
		why_in(&x, target);
	else
		why_not(&x, name);
	map_free(&x.locked);
	free(x.pkg);
	return target ? 0 : 1;
}
