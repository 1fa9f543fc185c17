/* Messages for livec's error codes (err.h); negative errno values fall back
 * to strerror(). */
#define _GNU_SOURCE
#include <string.h>

#include "err.h"

static const char *const messages[LVE_LAST - LVE_BASE] = {
	[LVE_MANIFEST - LVE_BASE] = "the manifest has errors",
	[LVE_USAGE - LVE_BASE] = "bad usage",
	[LVE_NET - LVE_BASE] = "download failed",
	[LVE_SIGNATURE - LVE_BASE] = "no valid signature from an allowed key",
	[LVE_HASH - LVE_BASE] = "hash or size mismatch",
	[LVE_PARSE - LVE_BASE] = "malformed input",
	[LVE_UNKNOWN_PKG - LVE_BASE] = "unknown package",
	[LVE_UNSAT - LVE_BASE] = "the request cannot be satisfied",
	[LVE_SOLV - LVE_BASE] = "libsolv failed",
	[LVE_STALE - LVE_BASE] = "the lockfile is stale",
	[LVE_NOLOCK - LVE_BASE] = "no lockfile",
	[LVE_MISSING - LVE_BASE] = "not found on the mirror",
	[LVE_TOOBIG - LVE_BASE] = "input too large",
	[LVE_GPGV - LVE_BASE] = "cannot run gpgv",
	[LVE_ARCHIVE - LVE_BASE] = "archive error",
	[LVE_NOMIRROR - LVE_BASE] = "no mirror configured",
	[LVE_POLICY - LVE_BASE] = "the license policy is violated",
	[LVE_BUILD - LVE_BASE] = "a build step failed",
	[LVE_DIFFERS - LVE_BASE] = "the artifacts are not identical",
	[LVE_DEVICE - LVE_BASE] = "a device node in a package (livec makes none on the build host)",
};

const char *lv_strerror(int code)
{
	if (code < 0)
		code = -code;
	if (code > LVE_BASE && code < LVE_LAST && messages[code - LVE_BASE])
		return messages[code - LVE_BASE];
	return strerror(code);
}
