/* cloop: a block-compressed image (the Knoppix format; cloop.h of the
 * cloop driver).
 *
 *   128-byte preamble (a shell script; bytes 0x0b..0x0e are "V2.0" or "V4.0")
 *   u32 BE block_size, u32 BE num_blocks
 *   (num_blocks + 1) u64 BE offsets: block i is bytes [off[i], off[i+1])
 *   the blocks, each an independent zlib (RFC 1950) stream of block_size
 *   bytes of the image (the last one zero-padded)
 *
 * V4 marks each offset's top 4 bits with the block's compressor (0 zlib,
 * 1 none, 2 xz, 3 lz4, 4 lzo).  The writer makes V2 with zlib blocks
 * (readable by extract_compressed_fs and QEMU's cloop driver) or, when size
 * matters more than speed, header-first V4 with xz blocks (CRC32 check, as
 * the kernel's xz decoder wants; a block xz cannot shrink is stored).  The
 * reader takes both, and V4 with uncompressed blocks. */
#ifndef LV_CLOOP_H
#define LV_CLOOP_H

#include <stddef.h>
#include <stdint.h>

#include "image/cloopfmt.h"
#include "base/diag.h"

struct lv_cloop_opts {
	uint32_t block_size;   /* multiple of 512, at most 1 MiB */
	int compressor;        /* LV_CLOOP_ZLIB (V2.0) or LV_CLOOP_XZ (V4.0) */
	int level;             /* zlib 0..12 (libdeflate's scale; 10-12 are slower
				  and smaller), xz 0..9 */
	unsigned threads;      /* 0 = all cores; the bytes never depend on it */
	const char *hashes;    /* if set, the image's hash list (cloopsum.h) is written there */
	char *sha256;          /* if set (LV_SHA256_HEX bytes): the image's SHA-256, taken
				  while writing when its blocks fit in memory (the index
				  precedes them), else "": then read the file to hash it */
	uint64_t hold;         /* bytes of compressed blocks held for that; 0: an eighth
				  of the memory, at most 768 MiB (tests set it) */
};

/* Compresses the file `in` into `out` (atomically). */
int lv_cloop_write(const char *in, const char *out, const struct lv_cloop_opts *o, struct lv_diags *d);

struct lv_cloop_info {
	char version[5];       /* "2.0" or "4.0" */
	uint32_t block_size, num_blocks;
	uint64_t compressed_size;
	uint32_t blocks_by_kind[4]; /* zlib, none, xz, other */
};

/* Reads the header and index; checks that offsets are sane. */
int lv_cloop_info(const char *path, struct lv_cloop_info *info, struct lv_diags *d);
/* Decompresses every block into `out` (atomically). */
int lv_cloop_extract(const char *path, const char *out, struct lv_diags *d);
/* Checks the image's header, offsets and every block against the hash
 * list `hashes` (cloopsum.h); each damaged block is a diagnostic naming it.
 * Returns 0, or -LVE_HASH when something does not match. */
int lv_cloop_check(const char *path, const char *hashes, struct lv_diags *d);

/* What makes the compressed bytes: livec's binary and the versions of the
 * compression libraries (for the build cache's key; static string). */
const char *lv_cloop_writer_id(void);

#endif
