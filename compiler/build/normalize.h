/* Normalisation: remove or fix, in the assembled tree, everything known to
 * differ between two builds of the same lock (docs/build.md, "Reproducibility").  The rules are one
 * table in normalize.c, each with the reason it exists.  mtimes are clamped
 * later, when the tree is read (tree.c). */
#ifndef LV_NORMALIZE_H
#define LV_NORMALIZE_H

#include "base/diag.h"

struct lv_normalize_stats {
	size_t removed, emptied;
};

int lv_normalize(const char *root, struct lv_normalize_stats *st, struct lv_diags *d);

#endif
