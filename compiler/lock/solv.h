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
	struct s_Solver *last; /* the last solver, kept for lv_resolver_dump */
};

/* A solvable's package name. */
const char *lv_solv_name(Pool *pool, Id p);
/* The alternatives of dep in order: "a | b | c" -> a, b, c. */
void lv_solv_alternatives(Pool *pool, Id dep, Queue *out);

#endif
