/* One data.tar member of a .deb, placed below a root with the confined
 * operations of base/inroot.h: owner, mode and time as the package says;
 * a path with ".." or an absolute one, or a hard link to such, is -EPERM;
 * a character or block device is -LVE_DEVICE (never made on the host). */
#ifndef LV_DEBENTRY_H
#define LV_DEBENTRY_H

#include "repo/deb.h"

int lv_debentry_place(int rootfd, const struct lv_debentry *e, struct lv_debreader *rd);

#endif
