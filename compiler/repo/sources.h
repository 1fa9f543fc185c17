/* Where the packages come from: the mirror URLs.
 *
 * Order: the manifest's distribution.mirror, then $LIVEC_MIRROR, then the
 * host's APT sources (one-line sources.list and sources.list.d/NAME.list,
 * then deb822 sources.list.d/NAME.sources).  The security archive lives at
 * its own root: distribution.security-mirror, $LIVEC_SECURITY_MIRROR, the
 * host source that carries "<suite>-security" (or any Debian security suite
 * when the mirror was borrowed from another suite), or "<mirror>-security". */
#ifndef LV_SOURCES_H
#define LV_SOURCES_H

#include "base/diag.h"

/* Finds the host's mirror for suite under etc_apt (normally "/etc/apt").
 * Only Debian's archive counts: a source signed by Debian's archive keyring
 * (or that names no keyring), not a dated snapshot; a third party's
 * repository that names a Debian suite is skipped.  A Debian mirror serves
 * every suite at one URI: when no source names the suite, the first that
 * names another Debian suite lends its URI, and the first security source
 * its URI; *via is that suite.
 * *mirror, *security and *via are malloc'd (NULL when not found / exact). */
int lv_sources_host(const char *etc_apt, const char *suite, char **mirror, char **security, char **via);

/* Applies the precedence above.  Returns 0 or -LVE_NOMIRROR (diagnosed). */
int lv_sources_pick(const char *manifest_mirror, const char *manifest_security, const char *suite,
		    char **mirror, char **security, struct lv_diags *d);

#endif
