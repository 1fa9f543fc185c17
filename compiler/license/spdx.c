/* SPDX license expressions (spdx.h).
 *
 * Grammar (SPDX 2.3 Annex D, without DocumentRef):
 *   or-expr   := and-expr ("OR" and-expr)*
 *   and-expr  := with-expr ("AND" with-expr)*
 *   with-expr := primary ["WITH" exception-id]
 *   primary   := license-id ["+"] | "(" or-expr ")" */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "license/spdx.h"

struct lv_spdx *lv_spdx_id(const char *id)
{
	struct lv_spdx *e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	e->op = LV_SPDX_ID;
	e->id = strdup(id);
	return e;
}

struct lv_spdx *lv_spdx_op(enum lv_spdx_op op, struct lv_spdx *l, struct lv_spdx *r)
{
	struct lv_spdx *e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	e->op = op;
	e->l = l;
	e->r = r;
	return e;
}

void lv_spdx_free(struct lv_spdx *e)
{
	if (!e)
		return;
	lv_spdx_free(e->l);
	lv_spdx_free(e->r);
	free(e->id);
	free(e);
}

struct lv_spdx *lv_spdx_dup(const struct lv_spdx *e)
{
	if (!e)
		return NULL;
	struct lv_spdx *c = lv_spdx_op(e->op, lv_spdx_dup(e->l), lv_spdx_dup(e->r));
	c->id = e->id ? strdup(e->id) : NULL;
	return c;
}

/* ---- parser ---- */

struct lexer {
	const char *p;
	char tok[256];
	int bad;
};

static void next(struct lexer *x)
{
	while (isspace((unsigned char)*x->p))
		x->p++;
	x->tok[0] = '\0';
	if (!*x->p)
		return;
	if (*x->p == '(' || *x->p == ')') {
		x->tok[0] = *x->p++;
		x->tok[1] = '\0';
		return;
	}
	size_t n = 0;
	while (*x->p && !isspace((unsigned char)*x->p) && *x->p != '(' && *x->p != ')') {
		if (n + 1 < sizeof(x->tok))
			x->tok[n++] = *x->p;
		x->p++;
	}
	x->tok[n] = '\0';
}

static int is_kw(const struct lexer *x, const char *kw)
{
	return !strcasecmp(x->tok, kw);
}

static struct lv_spdx *parse_or(struct lexer *x);

static struct lv_spdx *parse_primary(struct lexer *x)
{
	if (!strcmp(x->tok, "(")) {
		next(x);
		struct lv_spdx *e = parse_or(x);
		if (strcmp(x->tok, ")"))
			x->bad = 1;
		next(x);
		return e;
	}
	if (!x->tok[0] || is_kw(x, "AND") || is_kw(x, "OR") || is_kw(x, "WITH") || !strcmp(x->tok, ")")) {
		x->bad = 1;
		return NULL;
	}
	for (const char *c = x->tok; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(".-+:", *c))
			x->bad = 1;
	struct lv_spdx *e = lv_spdx_id(x->tok);
	next(x);
	return e;
}

static struct lv_spdx *parse_with(struct lexer *x)
{
	struct lv_spdx *e = parse_primary(x);
	if (e && is_kw(x, "WITH")) {
		next(x);
		if (!x->tok[0] || !strcmp(x->tok, "(") || !strcmp(x->tok, ")")) {
			x->bad = 1;
			return e;
		}
		struct lv_spdx *w = lv_spdx_op(LV_SPDX_WITH, e, NULL);
		w->id = strdup(x->tok);
		next(x);
		return w;
	}
	return e;
}

static struct lv_spdx *parse_and(struct lexer *x)
{
	struct lv_spdx *e = parse_with(x);
	while (e && !x->bad && is_kw(x, "AND")) {
		next(x);
		e = lv_spdx_op(LV_SPDX_AND, e, parse_with(x));
	}
	return e;
}

static struct lv_spdx *parse_or(struct lexer *x)
{
	struct lv_spdx *e = parse_and(x);
	while (e && !x->bad && is_kw(x, "OR")) {
		next(x);
		e = lv_spdx_op(LV_SPDX_OR, e, parse_and(x));
	}
	return e;
}

static int complete(const struct lv_spdx *e)
{
	if (!e)
		return 0;
	if (e->op == LV_SPDX_ID)
		return 1;
	if (e->op == LV_SPDX_WITH)
		return complete(e->l);
	return complete(e->l) && complete(e->r);
}

struct lv_spdx *lv_spdx_parse(const char *s)
{
	struct lexer x = { .p = s };
	next(&x);
	struct lv_spdx *e = parse_or(&x);
	if (x.bad || x.tok[0] || !complete(e)) {
		lv_spdx_free(e);
		return NULL;
	}
	return e;
}

/* ---- printer ---- */

static void print(struct lv_buf *b, const struct lv_spdx *e, enum lv_spdx_op parent)
{
	switch (e->op) {
	case LV_SPDX_ID:
		lv_buf_puts(b, e->id);
		return;
	case LV_SPDX_WITH:
		print(b, e->l, LV_SPDX_WITH);
		lv_buf_printf(b, " WITH %s", e->id);
		return;
	case LV_SPDX_AND:
	case LV_SPDX_OR: {
		/* OR under AND needs parentheses; so does any operator under WITH */
		int paren = (e->op == LV_SPDX_OR && parent == LV_SPDX_AND) || parent == LV_SPDX_WITH;
		if (paren)
			lv_buf_puts(b, "(");
		print(b, e->l, e->op);
		lv_buf_puts(b, e->op == LV_SPDX_AND ? " AND " : " OR ");
		print(b, e->r, e->op);
		if (paren)
			lv_buf_puts(b, ")");
		return;
	}
	}
}

char *lv_spdx_str(const struct lv_spdx *e)
{
	struct lv_buf b = { 0 };
	if (!e)
		return strdup("NOASSERTION");
	print(&b, e, LV_SPDX_ID);
	return lv_buf_steal(&b);
}

static int same(const struct lv_spdx *a, const struct lv_spdx *b)
{
	if (!a || !b)
		return a == b;
	if (a->op != b->op)
		return 0;
	if ((a->id || b->id) && (!a->id || !b->id || strcasecmp(a->id, b->id)))
		return 0;
	return same(a->l, b->l) && same(a->r, b->r);
}

static int contains_operand(const struct lv_spdx *tree, const struct lv_spdx *x)
{
	if (same(tree, x))
		return 1;
	if (tree->op == LV_SPDX_AND)
		return contains_operand(tree->l, x) || contains_operand(tree->r, x);
	return 0;
}

struct lv_spdx *lv_spdx_and_unique(struct lv_spdx *a, struct lv_spdx *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (b->op == LV_SPDX_AND) { /* fold operand by operand */
		struct lv_spdx *l = b->l, *r = b->r;
		b->l = b->r = NULL;
		lv_spdx_free(b);
		return lv_spdx_and_unique(lv_spdx_and_unique(a, l), r);
	}
	if (contains_operand(a, b)) {
		lv_spdx_free(b);
		return a;
	}
	return lv_spdx_op(LV_SPDX_AND, a, b);
}

enum lv_verdict lv_spdx_eval(const struct lv_spdx *e, lv_spdx_leaf_fn leaf, void *ud)
{
	switch (e->op) {
	case LV_SPDX_ID:
		return leaf(e->id, NULL, ud);
	case LV_SPDX_WITH:
		return leaf(e->l->op == LV_SPDX_ID ? e->l->id : "", e->id, ud);
	case LV_SPDX_AND: {
		enum lv_verdict a = lv_spdx_eval(e->l, leaf, ud), b = lv_spdx_eval(e->r, leaf, ud);
		return a > b ? a : b;
	}
	case LV_SPDX_OR: {
		enum lv_verdict a = lv_spdx_eval(e->l, leaf, ud), b = lv_spdx_eval(e->r, leaf, ud);
		return a < b ? a : b;
	}
	}
	return LV_DENY;
}
