/* Reading dpkg's output: which package failed, in which maintainer script,
 * and what it said, so a failed install names its culprit instead of the
 * whole batch dpkg was given. */
#ifndef LV_DPKGLOG_H
#define LV_DPKGLOG_H

#include <stddef.h>

#include "base/diag.h"

/* Looks through what one dpkg run printed (text, len).  When it finds the
 * first failed maintainer script, or else the first package dpkg could not
 * configure, records one error naming the package, the script (postinst,
 * preinst, ...) with its exit status and the script's last lines of output,
 * and returns 1.  Returns 0 (nothing recorded) when it finds neither. */
int lv_dpkg_explain(const char *text, size_t len, struct lv_diags *d);

#endif
