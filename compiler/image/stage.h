/* Staging the medium and the initramfs: the small file operations the
 * image writers share.  Every path given here is livec's own (under the
 * build's work directory), except `from` with a root fd, which is read
 * inside the image's tree (build/inroot.h). */
#ifndef LV_STAGE_H
#define LV_STAGE_H

#include <sys/types.h>

#include "base/diag.h"
#include "image/image.h"

/* Copies a regular file to `to`: from the image's tree when rootfd >= 0
 * (read inside its root), else from a host path of livec's own. */
int lv_stage_copy(int rootfd, const char *from, const char *to, mode_t mode);
/* Writes text as dir/name (0644), making the directories. */
int lv_stage_text(const char *dir, const char *name, const char *text);
/* Extracts one member of a boot-set package (from the cache) to `out`. */
int lv_stage_from_boot_pkg(const struct lv_image *im, const char *pkg, const char *member, const char *out,
			   struct lv_diags *d);
/* 1 if the lock's boot set has the package. */
int lv_stage_has_boot_pkg(const struct lv_image *im, const char *pkg);

#endif
