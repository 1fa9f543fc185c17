/* The cloop on-disk format: index and block decoding (cloopfmt.h). */
#define _GNU_SOURCE
#include <libdeflate.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/cloopfmt.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

size_t lv_cloop_max_block(uint32_t block_size)
{
	/* zlib's and xz's worst cases are a little above the input */
	return (size_t)block_size + block_size / 16 + 1024;
}

int lv_cloop_index_read(int fd, uint64_t file_size, struct lv_cloop_index *ix, const char **why,
			uint64_t *bad_block)
{
	unsigned char head[LV_CLOOP_HEADER];

	memset(ix, 0, sizeof(*ix));
	if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) || head[0x0b] != 'V' ||
	    (memcmp(head + 0x0c, "2.0", 3) && memcmp(head + 0x0c, "4.0", 3))) {
		*why = "not a cloop image (no V2.0/V4.0 header)";
		return -1;
	}
	memcpy(ix->version, head + 0x0c, 3);
	ix->block_size = be32(head + LV_CLOOP_PREAMBLE);
	ix->num_blocks = be32(head + LV_CLOOP_PREAMBLE + 4);
	uint32_t bs = ix->block_size;
	uint64_t n = ix->num_blocks, len = (n + 1) * 8;
	if (!bs || bs % 512 || bs > LV_CLOOP_MAX_BLOCK || LV_CLOOP_HEADER + len > file_size) {
		*why = "implausible cloop header (block size or block count)";
		return -1;
	}
	unsigned char *raw = malloc(len);
	ix->off = calloc(n + 1, sizeof(*ix->off));
	ix->kind = calloc(n + 1, 1);
	if (!raw || !ix->off || !ix->kind || pread(fd, raw, len, LV_CLOOP_HEADER) != (ssize_t)len) {
		free(raw);
		*why = "truncated cloop index";
		return -1;
	}
	int v4 = ix->version[0] == '4';
	for (uint64_t i = 0; i <= n; i++) {
		uint64_t v = be64(raw + 8 * i);
		ix->off[i] = v4 ? v & ((1ull << 60) - 1) : v;
		ix->kind[i] = v4 ? (unsigned char)(v >> 60) : LV_CLOOP_ZLIB;
	}
	free(raw);
	for (uint64_t i = 0; i < n; i++)
		if (ix->off[i + 1] < ix->off[i] || ix->off[i + 1] > file_size ||
		    ix->off[i + 1] - ix->off[i] > lv_cloop_max_block(bs)) {
			*why = "a block has a bad offset (the file is truncated or corrupted)";
			*bad_block = i;
			return -1;
		}
	return 0;
}

void lv_cloop_index_free(struct lv_cloop_index *ix)
{
	free(ix->off);
	free(ix->kind);
	ix->off = NULL;
	ix->kind = NULL;
}

void lv_cloop_decoder_free(struct lv_cloop_decoder *dec)
{
	if (dec->dz)
		libdeflate_free_decompressor(dec->dz);
	dec->dz = NULL;
}

int lv_cloop_decode(struct lv_cloop_decoder *dec, int kind, const unsigned char *in, size_t len,
		    unsigned char *out, uint32_t block_size)
{
	if (kind == LV_CLOOP_NONE) {
		if (len != block_size)
			return -1;
		memcpy(out, in, len);
		return 0;
	}
	if (kind == LV_CLOOP_ZLIB) {
		size_t got;
		if (!dec->dz && !(dec->dz = libdeflate_alloc_decompressor()))
			return -1;
		return libdeflate_zlib_decompress(dec->dz, in, len, out, block_size, &got) == LIBDEFLATE_SUCCESS &&
				       got == block_size ? 0 : -1;
	}
	if (kind == LV_CLOOP_XZ) {
		uint64_t memlimit = 64u << 20;
		size_t in_pos = 0, out_pos = 0;
		return lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &in_pos, len, out, &out_pos,
						 block_size) == LZMA_OK && in_pos == len && out_pos == block_size
			       ? 0 : -1;
	}
	return -1;
}
