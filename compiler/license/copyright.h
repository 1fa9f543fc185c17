/* Debian copyright files -> SPDX license expressions.
 *
 * Machine-readable files (DEP-5, a Format: header): the declared license is
 * the AND of the License of every Files paragraph, each written in Debian's
 * syntax ("GPL-2+ or Artistic, and BSD-3-clause": `and` binds tighter than
 * `or` unless a comma precedes the conjunction), with Debian short names
 * mapped to SPDX ids.  Other files: references to
 * /usr/share/common-licenses/<X>, each with the version, "or later" wording
 * and well-known exception stated near it; several licenses named in prose
 * are all reported, and the result is marked ambiguous.  Then well-known
 * license texts.  Nothing is guessed silently: the result says how it was
 * found. */
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
/* The lockfile's spelling: "dep5", "common-licenses-reference, ambiguous". */
#define LV_LICENSE_METHOD_MAX 64
void lv_license_method_format(enum lv_license_method m, int ambiguous, char *out, size_t outsz);
int lv_license_method_parse(const char *s, enum lv_license_method *m, int *ambiguous);

/* Analyses a copyright file's text.  *expr is NULL for NOASSERTION;
 * *ambiguous is 1 when the file names several licenses in prose (all are
 * in *expr, joined by AND) without saying in a form livec reads which files
 * each covers. */
enum lv_license_method lv_copyright_analyse(const char *text, size_t len, struct lv_spdx **expr, int *ambiguous);

/* One Debian license short name ("GPL-2+", "Expat", "Perl") as SPDX, with an
 * optional Debian exception name ("OpenSSL", "Autoconf"). */
struct lv_spdx *lv_debian_license(const char *name, const char *exception);
/* A Debian License: line ("GPL-2+ or Artistic, and BSD-3-clause"). */
struct lv_spdx *lv_debian_expression(const char *line);

#endif
