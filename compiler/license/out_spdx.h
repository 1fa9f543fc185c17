/* The SPDX 2.3 JSON document (SBOM) of a lock: one package per locked
 * package, with its declared license, version, pool path, SHA256 and
 * supplier, and one per files: entry of the manifest, with the license it
 * declares.  Deterministic: the same lock, manifest and clock give the same
 * bytes. */
#ifndef LV_OUT_SPDX_H
#define LV_OUT_SPDX_H

#include "base/buf.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"

/* lock_sha256 (of the lockfile text) names the document; epoch is the
 * creation time (lv_clock_epoch); m may be NULL (no files: entries). */
void lv_spdx_write(const struct lv_lock *l, const struct lv_manifest *m, const char *lock_sha256, long long epoch,
		   struct lv_buf *out);

#endif
