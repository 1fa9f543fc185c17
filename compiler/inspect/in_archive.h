/* Archives read as entries (entry.h): the only module of inspect/ that
 * uses libarchive.  ISO 9660 with Rock Ridge (the medium and its inner
 * file system), tar (root_fs.tgz, gzip or not) and cpio newc (the
 * initramfs, gzip).  Each reader accepts its one format only, so an ISO
 * handed in as a tar is an error, not a guess. */
#ifndef LV_IN_ARCHIVE_H
#define LV_IN_ARCHIVE_H

#include "base/diag.h"
#include "inspect/entry.h"

enum lv_xformat { LV_XFORMAT_ISO9660, LV_XFORMAT_TAR, LV_XFORMAT_CPIO };

/* Calls fn for each entry of the archive at path.  `name` is how
 * diagnostics call it (e.g. "console.iso:LIVEC/root_fs.tgz").  Returns 0,
 * fn's error, or -LVE_ARCHIVE (diagnosed: damaged, truncated, not that
 * format). */
int lv_archive_each(const char *path, const char *name, enum lv_xformat f, lv_xentry_fn fn, void *ud,
		    struct lv_diags *d);

#endif
