/* Debian copyright files -> SPDX license expressions.
 *
 * Machine-readable files (DEP-5, a Format: header): the declared license is
 * the AND of the License of every Files paragraph, each written in Debian's
 * syntax ("GPL-2+ or Artistic, and BSD-3-clause": `and` binds tighter than
 * `or` unless a comma precedes the conjunction), with Debian short names
 * mapped to SPDX ids.  Other files: references to
 * /usr/share/common-licenses/<X>, then well-known license texts.  Nothing
 * is guessed silently: the result says how it was found. */
#ifndef LV_COPYRIGHT_H
#define LV_COPYRIGHT_H

#include <stddef.h>

#include "license/spdx.h"

enum lv_license_method {
	LV_LIC_NONE,         /* nothing recognised: NOASSERTION */
	LV_LIC_DEP5,
	LV_LIC_COMMON,       /* common-licenses reference */
	LV_LIC_TEXT,         /* a well-known license text */
};

const char *lv_license_method_name(enum lv_license_method m);
int lv_license_method_parse(const char *s, enum lv_license_method *m);

/* Analyses a copyright file's text.  *expr is NULL for NOASSERTION. */
enum lv_license_method lv_copyright_analyse(const char *text, size_t len, struct lv_spdx **expr);

/* One Debian license short name ("GPL-2+", "Expat", "Perl") as SPDX, with an
 * optional Debian exception name ("OpenSSL", "Autoconf"). */
struct lv_spdx *lv_debian_license(const char *name, const char *exception);
/* A Debian License: line ("GPL-2+ or Artistic, and BSD-3-clause"). */
struct lv_spdx *lv_debian_expression(const char *line);

#endif
