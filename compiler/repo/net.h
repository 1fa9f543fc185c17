/* Downloads (the only module that uses libcurl).
 *
 * Fetches a batch of URLs (http, https, file) into files, several at a time,
 * with retries and backoff for transient failures.  Each download goes to a
 * temporary name in the destination's directory and is renamed into place
 * only after its size and SHA256 match what the caller expects, so no reader
 * ever sees a partial or unverified file.  http_proxy and friends are
 * honoured (libcurl reads them), so a caching proxy can serve a build farm. */
#ifndef LV_NET_H
#define LV_NET_H

#include <stddef.h>
#include <stdint.h>

#include "base/sha256.h"

struct lv_dl {
	/* in */
	const char *url;
	const char *dest;      /* final path */
	const char *sha256;    /* expected, or NULL */
	uint64_t size;         /* expected, or 0 when unknown */
	uint64_t max;          /* hard limit when size is unknown (0 = 64 MiB) */
	/* out */
	int status;            /* 0, -LVE_MISSING (404/absent file), -LVE_HASH, -LVE_NET, -LVE_TOOBIG */
	char error[256];       /* what went wrong, for the user */
	char got_sha256[LV_SHA256_HEX];
	uint64_t got_size;
};

/* Runs every download; returns 0 when all succeeded, else the first
 * failure's status (each lv_dl has its own).  `label` names the work for the
 * progress line. */
int lv_net_fetch(struct lv_dl *v, size_t n, unsigned parallel, const char *label);

#endif
