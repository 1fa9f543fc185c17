/* What the two libsolv modules of lock/ share (resolve.c solves, explain.c
 * answers `lock --explain`): the resolver's insides and a few helpers on
 * solvables.  Nothing outside lock/ includes this. */
#ifndef LV_LOCK_SOLV_H
#define LV_LOCK_SOLV_H

#include <solv/pool.h>
#include <solv/queue.h>

struct lv_resolver {
	Pool *pool;
	Id k_essential, k_priority, k_srcname, k_srcver, k_maintainer;
	/* relation fields as written, in apt's order: Pre-Depends + Depends,
	 * Conflicts + Breaks, Recommends, Suggests + Replaces + Enhances +
	 * Provides */
	Id k_depends, k_negative, k_recommends, k_weaker;
	struct s_Solver *last; /* the last solver, kept for lv_resolver_dump */
};

/* A solvable's package name. */
const char *lv_solv_name(Pool *pool, Id p);
/* The name a (versioned) dependency is on: "a (>= 1)" -> a. */
Id lv_solv_dep_name(Pool *pool, Id dep);
/* solv_sort comparison of name Ids by their strings (data: the Pool). */
int lv_solv_by_name(const void *a, const void *b, void *pool);
/* The alternatives of dep in order: "a | b | c" -> a, b, c. */
void lv_solv_alternatives(Pool *pool, Id dep, Queue *out);

/* The Essential flag and the Priority field livec keeps for a solvable
 * ("" when it has none). */
int lv_solv_essential(struct lv_resolver *rs, Id p);
const char *lv_solv_priority(struct lv_resolver *rs, Id p);

struct lv_manifest;
/* apt's classic marking for `apt-get install` on an empty system
 * (marker.c): `request` holds install jobs, the first `nbase` of them the
 * base set (apt gets those names sorted), then packages.install in order.
 * result gets the marked solvables; *why, indexed by solvable, the reason
 * each was marked for (free with lv_apt_why_free).  0 or -1 (memory). */
int lv_apt_mark(struct lv_resolver *rs, const struct lv_manifest *m, const Queue *request, int nbase,
		int recommends, Queue *result, char ***why);
void lv_apt_why_free(struct lv_resolver *rs, char **why);

#endif
