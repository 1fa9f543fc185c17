/* Where the packages come from: the mirror URLs.
 *
 * Order: the manifest's distribution.mirror, then $LIVEC_MIRROR, then the
 * host's APT sources (deb822 sources.list.d/NAME.sources, then one-line
 * sources.list and sources.list.d/NAME.list).  The security archive lives at
 * its own root: distribution.security-mirror, $LIVEC_SECURITY_MIRROR, the
 * host source that carries "<suite>-security", or "<mirror>-security". */
#ifndef LV_SOURCES_H
#define LV_SOURCES_H

#include "diag.h"

/* Finds the host's mirror for suite under etc_apt (normally "/etc/apt").
 * *mirror and *security are malloc'd (NULL when not found). */
int lv_sources_host(const char *etc_apt, const char *suite, char **mirror, char **security);

/* Applies the precedence above.  Returns 0 or -LVE_NOMIRROR (diagnosed). */
int lv_sources_pick(const char *manifest_mirror, const char *manifest_security, const char *suite,
		    char **mirror, char **security, struct lv_diags *d);

#endif
