/* The buildinfo: livec's version and the versions of the libraries and
 * tools that shape the bytes of an image ("key: value" lines).  A build
 * writes it next to its SHA256SUMS (NAME.buildinfo) and onto the medium
 * (/LIVEC/buildinfo); `build --check-against` compares it with the other
 * build's when artifacts differ, and names what changed. */
#ifndef LV_BUILDINFO_H
#define LV_BUILDINFO_H

#include <stddef.h>

#include "base/buf.h"
#include "base/diag.h"
#include "lock/lockfile.h"

/* Appends this build's buildinfo; uses_ext2: genext2fs writes a layer. */
void lv_buildinfo(const struct lv_lock *l, int uses_ext2, struct lv_buf *out);

/* Records a note per key whose value differs between the two texts (or
 * that only one has); returns how many. */
size_t lv_buildinfo_compare(const char *ours, const char *theirs, struct lv_diags *d);

#endif
