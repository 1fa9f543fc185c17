/* Decompression of repository indexes and kernel modules (xz, gzip, zstd,
 * bzip2 or none) with libarchive's raw reader. */
#ifndef LV_DECOMPRESS_H
#define LV_DECOMPRESS_H

#include <stdint.h>

#include "base/buf.h"
#include "base/sha256.h"

/* Decompresses `in` into `out` atomically, at most `max` bytes of output;
 * returns 0 with the output's SHA256 and size, or -LVE_ARCHIVE /
 * -LVE_TOOBIG / -errno. */
int lv_decompress_file(const char *in, const char *out, uint64_t max, char sha256[LV_SHA256_HEX],
		       uint64_t *size);

/* Decompresses (or copies, when it is not compressed) len bytes at `in`,
 * appending to out up to out->max.  0, -LVE_ARCHIVE or -LVE_TOOBIG. */
int lv_decompress_buf(const void *in, size_t len, struct lv_buf *out);

#endif
