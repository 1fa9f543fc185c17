/* The first difference between two archives, member by member: any format
 * libarchive reads (tar, cpio, ISO 9660, compressed or not).  livec verify
 * uses it to name the file inside a layer that makes two builds differ. */
#ifndef LV_COMPARE_H
#define LV_COMPARE_H

#include "base/buf.h"

/* Returns 1 and describes the first differing member in `what` ("PATH:
 * content differs"), 0 when every member is the same (the containers
 * differ elsewhere), or -LVE_ARCHIVE when either is not an archive. */
int lv_compare_members(const char *a, const char *b, struct lv_buf *what);

#endif
