/* A YAML document as a small tree whose every node remembers where it came
 * from.  This is the only module that talks to libyaml.
 *
 * Takes: a file.  Gives: the root node, or diagnostics (syntax errors,
 * duplicate keys, aliases) with 1-based line:col.  Scalars keep their text
 * and whether they were quoted, so "no" and no can be told apart. */
#ifndef LV_YAMLTREE_H
#define LV_YAMLTREE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/diag.h"

enum lv_ykind { LV_YSCALAR, LV_YSEQ, LV_YMAP };

struct lv_ynode {
	const char *file;     /* the name it was loaded under (borrowed: the caller's) */
	enum lv_ykind kind;
	int line, col;        /* 1-based */
	char *value;          /* scalar text (owned), NULL otherwise */
	int quoted;           /* scalar was single/double quoted or a block */
	size_t n;             /* children: items of a sequence, or 2n for a mapping */
	struct lv_ynode **kids; /* map: kids[2i] key, kids[2i+1] value */
};

/* Parses path; nodes borrow `path` as their file name, so it must outlive
 * the tree.  On error records diagnostics against `path` and returns NULL.
 * An empty document gives an empty mapping. */
struct lv_ynode *lv_yaml_load(const char *path, struct lv_diags *d);
/* Same, from memory; `name` is used in diagnostics. */
struct lv_ynode *lv_yaml_load_mem(const char *name, const char *data, size_t len, struct lv_diags *d);
void lv_ynode_free(struct lv_ynode *n);

/* Mapping lookup: the value node for key, or NULL (borrowed). */
const struct lv_ynode *lv_ymap_get(const struct lv_ynode *map, const char *key);
/* A deep copy (positions and file names kept). */
struct lv_ynode *lv_ynode_copy(const struct lv_ynode *n);
/* 1 if a and b are the same value (positions and quoting aside). */
int lv_ynode_equal(const struct lv_ynode *a, const struct lv_ynode *b);
/* Writes s (NULL: "") as a YAML double-quoted scalar that reads back as
 * the same string: '"' and '\' escaped, control characters as \xNN, the
 * characters YAML folds or refuses (C1, NEL, LS, PS, BOM, U+FFFE/FFFF) as
 * \uXXXX; a byte that is not UTF-8 becomes U+FFFD. */
void lv_yaml_quote(struct lv_buf *b, const char *s);
/* 1 if n is YAML's null: an empty plain value (`key:`), ~ or null. */
int lv_ynull(const struct lv_ynode *n);
const char *lv_yscalar(const struct lv_ynode *n); /* value of a scalar, else NULL */
const char *lv_ykind_name(enum lv_ykind k);

#endif
