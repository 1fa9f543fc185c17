/* SPDX license expressions (SPDX 2.3 Annex D): a small tree, a parser for
 * the SPDX syntax, a canonical printer, and evaluation against a policy.
 * Identifiers are kept as written; comparison is case-insensitive, as the
 * specification says license ids are. */
#ifndef LV_SPDX_H
#define LV_SPDX_H

#include <stddef.h>

enum lv_spdx_op { LV_SPDX_ID, LV_SPDX_WITH, LV_SPDX_AND, LV_SPDX_OR };

struct lv_spdx {
	enum lv_spdx_op op;
	char *id;                 /* LV_SPDX_ID: the license id; WITH: the exception id */
	struct lv_spdx *l, *r;    /* AND/OR operands; WITH: l is the license */
};

struct lv_spdx *lv_spdx_id(const char *id);
struct lv_spdx *lv_spdx_op(enum lv_spdx_op op, struct lv_spdx *l, struct lv_spdx *r);
void lv_spdx_free(struct lv_spdx *e);
struct lv_spdx *lv_spdx_dup(const struct lv_spdx *e);

/* Parses "A AND (B OR C WITH D)"; NULL on a syntax error. */
struct lv_spdx *lv_spdx_parse(const char *s);
/* Canonical text (malloc'd): AND binds tighter than OR; parentheses only
 * where needed. */
char *lv_spdx_str(const struct lv_spdx *e);
/* AND of a and b without repeating an operand already present (takes both). */
struct lv_spdx *lv_spdx_and_unique(struct lv_spdx *a, struct lv_spdx *b);

/* Policy evaluation: each license id gets a verdict from `leaf`; AND takes
 * the worst of its operands, OR the best (a user may pick either license). */
enum lv_verdict { LV_OK = 0, LV_REVIEW = 1, LV_DENY = 2 };
typedef enum lv_verdict (*lv_spdx_leaf_fn)(const char *id, const char *with, void *ud);
enum lv_verdict lv_spdx_eval(const struct lv_spdx *e, lv_spdx_leaf_fn leaf, void *ud);

#endif
