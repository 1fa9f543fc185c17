/* The cloop on-disk format, shared by livec (compiler/out_cloop.c) and the
 * live system's livec-cloopd (runtime/): header, index and one block.
 * Nothing here allocates more than the index or prints anything, so the
 * static runtime binary can use it as it is.  See cloop.h for the layout. */
#ifndef LV_CLOOPFMT_H
#define LV_CLOOPFMT_H

#include <stddef.h>
#include <stdint.h>

struct libdeflate_decompressor;

#define LV_CLOOP_PREAMBLE 128
#define LV_CLOOP_HEADER (LV_CLOOP_PREAMBLE + 8)
#define LV_CLOOP_MAX_BLOCK (1u << 20)

/* V4 compressor numbers (top 4 bits of a block's start offset). */
enum { LV_CLOOP_ZLIB = 0, LV_CLOOP_NONE = 1, LV_CLOOP_XZ = 2 };

struct lv_cloop_index {
	char version[4];        /* "2.0" or "4.0" */
	uint32_t block_size, num_blocks;
	uint64_t *off;          /* num_blocks + 1 offsets, compressor bits stripped */
	unsigned char *kind;    /* the compressor of each block (0 for V2) */
};

/* The largest compressed block a reader accepts for this block size. */
size_t lv_cloop_max_block(uint32_t block_size);

/* Reads and checks the header and index of the cloop file `fd` of
 * `file_size` bytes.  On failure returns -1 and sets *why (a static
 * string) and, for a bad offset, *bad_block. */
int lv_cloop_index_read(int fd, uint64_t file_size, struct lv_cloop_index *ix, const char **why,
			uint64_t *bad_block);
void lv_cloop_index_free(struct lv_cloop_index *ix);

/* A block decoder: what one reader thread keeps between blocks (zero it to
 * start; lv_cloop_decoder_free when done). */
struct lv_cloop_decoder {
	struct libdeflate_decompressor *dz;
};
void lv_cloop_decoder_free(struct lv_cloop_decoder *dec);

/* Decodes one block of compressor `kind` into `out` (block_size bytes).
 * Returns 0, or -1 when the data is corrupted or the compressor unknown. */
int lv_cloop_decode(struct lv_cloop_decoder *dec, int kind, const unsigned char *in, size_t len,
		    unsigned char *out, uint32_t block_size);

#endif
