/* include: composing a manifest from fragments (docs/manifest.md).
 *
 * Takes the manifest's path.  Reads it and, depth first and in order, the
 * files its `include:` list names (relative to the including file), and
 * merges them into one YAML tree:
 *
 *   - mappings merge key by key;
 *   - lists append in order; a string already there keeps its place and
 *     takes the later file's position; mappings in a list are each kept;
 *   - for a scalar, the later file wins: each file over the fragments it
 *     includes, and a later fragment over an earlier one;
 *   - a key that is a mapping in one file and a list or scalar in another
 *     is an error;
 *   - a fragment included twice is merged once, where first included;
 *   - a fragment has no `name`.
 *
 * (`packages.exclude` winning over `install` is a rule of the typed reader.)
 * A cycle or a missing fragment is an error at the `include:` line that
 * names it.  Every node keeps the file and line it came from, so later
 * diagnostics point into the fragment.  Gives the merged tree (without the
 * `include` keys) and, in `sources`, every file read, in merge order; the
 * tree's nodes borrow those names. */
#ifndef LV_INCLUDE_H
#define LV_INCLUDE_H

#include "base/diag.h"
#include "manifest/manifest.h"
#include "manifest/yamltree.h"

#define LV_INCLUDE_MAX_DEPTH 16

/* The merged tree (owned), or NULL with diagnostics recorded. */
struct lv_ynode *lv_manifest_compose(const char *path, struct lv_strs *sources, struct lv_diags *d);

#endif
