/* The cloop writer and reader (cloop.h).
 *
 * Writing: the input is cut into blocks; worker threads compress block
 * ranges into memory (zlib streams made by libdeflate, or xz), and the main
 * thread writes them in index order, so the bytes do not depend on the
 * number of threads.  The offset table is known only at the end: it is
 * written to its place (right after the header) once every block is out.
 * With o->hashes the workers also hash each block as stored, and the hash
 * list (cloopsum.h) is written once the index is known.  While the
 * compressed blocks fit in a share of memory they are held back and
 * written after the index is known, in file order, so that the image's
 * SHA-256 is taken as it is written (o->sha256); a larger image is
 * written as it comes, and hashed by reading it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <lzma.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/sha256.h"
#include "image/cloop.h"
#include "image/cloopsum.h"

static const char preamble_v2[] = "#!/bin/sh\n#V2.0 Format\n"
				  "modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"
				  "exit $?\n";
static const char preamble_v4[] = "#!/bin/sh\n#V4.0 Format\n"
				  "modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"
				  "exit $?\n";

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

/* A batch of blocks compressed by the workers. */
struct batch {
	int fd;                    /* the input */
	const struct lv_cloop_opts *o;
	uint64_t first, count;     /* block numbers of this batch */
	uint64_t next;             /* next block to take (under lock) */
	unsigned char **out;       /* compressed blocks */
	size_t *len;
	unsigned char *kind;       /* the compressor each block ended up with */
	unsigned char *sum;        /* if set: SHA-256 of each compressed block, 32 bytes each */
	int err;
	pthread_mutex_t lock;
};

/* xz with the dictionary no larger than a block, so a decoder with a
 * block-sized window (the kernel's) can read it. */
static size_t xz_block(const struct lv_cloop_opts *o, const unsigned char *in, unsigned char *out, size_t cap)
{
	lzma_options_lzma opt;
	size_t pos = 0;
	if (lzma_lzma_preset(&opt, (uint32_t)o->level))
		return 0;
	opt.dict_size = o->block_size < LZMA_DICT_SIZE_MIN ? LZMA_DICT_SIZE_MIN : o->block_size;
	lzma_filter filters[] = { { LZMA_FILTER_LZMA2, &opt }, { LZMA_VLI_UNKNOWN, NULL } };
	if (lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL, in, o->block_size, out, &pos, cap) != LZMA_OK)
		return 0;
	return pos;
}

static void *compress_worker(void *arg)
{
	struct batch *b = arg;
	const struct lv_cloop_opts *o = b->o;
	uint32_t bs = o->block_size;
	size_t cap = lv_cloop_max_block(bs);
	unsigned char *raw = malloc(bs);
	struct libdeflate_compressor *z = o->compressor == LV_CLOOP_ZLIB ? libdeflate_alloc_compressor(o->level) : NULL;
	if (!raw || (o->compressor == LV_CLOOP_ZLIB && !z)) {
		b->err = -ENOMEM;
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&b->lock);
		uint64_t i = b->next < b->count ? b->next++ : b->count;
		pthread_mutex_unlock(&b->lock);
		if (i >= b->count)
			break;
		ssize_t got = pread(b->fd, raw, bs, (off_t)((b->first + i) * bs));
		if (got < 0) {
			b->err = -errno;
			break;
		}
		memset(raw + got, 0, bs - (size_t)got); /* the last block is zero-padded */
		if (!(b->out[i] = malloc(cap))) {
			b->err = -ENOMEM;
			break;
		}
		b->kind[i] = (unsigned char)o->compressor;
		if (z)
			b->len[i] = libdeflate_zlib_compress(z, raw, bs, b->out[i], cap);
		else if (!(b->len[i] = xz_block(o, raw, b->out[i], cap)) || b->len[i] >= bs) {
			memcpy(b->out[i], raw, bs); /* V4 may store what does not shrink */
			b->len[i] = bs;
			b->kind[i] = LV_CLOOP_NONE;
		}
		if (!b->len[i]) {
			b->err = -LVE_ARCHIVE;
			break;
		}
		if (b->sum) {
			struct lv_sha256 h;
			lv_sha256_init(&h);
			lv_sha256_update(&h, b->out[i], b->len[i]);
			lv_sha256_final(&h, b->sum + 32 * i);
		}
	}
out:
	libdeflate_free_compressor(z);
	free(raw);
	return NULL;
}

static int check_opts(const struct lv_cloop_opts *o, struct lv_diags *d)
{
	uint32_t bs = o->block_size;
	int xz = o->compressor == LV_CLOOP_XZ;

	if (!bs || bs % 512 || bs > LV_CLOOP_MAX_BLOCK) {
		lv_error(d, "cloop block size %u must be a multiple of 512 and at most %u", bs, LV_CLOOP_MAX_BLOCK);
		return -EINVAL;
	}
	if (o->level < 0 || o->level > (xz ? 9 : 12)) {
		lv_error(d, "%s compression level %d is out of range (0..%d)", xz ? "xz" : "zlib", o->level,
			 xz ? 9 : 12);
		return -EINVAL;
	}
	return 0;
}

/* The header (cloop.h): the preamble of the format's version, the block
 * size and the number of blocks, big-endian. */
static void header(unsigned char head[LV_CLOOP_HEADER], int xz, uint32_t bs, uint64_t nblocks)
{
	memset(head, 0, LV_CLOOP_HEADER);
	if (xz)
		memcpy(head, preamble_v4, sizeof(preamble_v4) - 1);
	else
		memcpy(head, preamble_v2, sizeof(preamble_v2) - 1);
	put32(head + LV_CLOOP_PREAMBLE, bs);
	put32(head + LV_CLOOP_PREAMBLE + 4, (uint32_t)nblocks);
}

/* The compressed blocks held back in memory, in order, up to max bytes;
 * once more would be needed, they are written out and the rest streams. */
struct held {
	unsigned char **out;
	size_t *len;
	uint64_t n, bytes, max;
	int streaming;
};

/* Writes out (unless after an error: ok 0) and frees the held blocks. */
static int release_held(struct held *h, int ofd, struct lv_sha256 *sha, int ok)
{
	int r = ok ? 0 : -ECANCELED;
	for (uint64_t i = 0; i < h->n; i++) {
		if (r == 0 && (r = lv_write_all(ofd, h->out[i], h->len[i])) == 0 && sha)
			lv_sha256_update(sha, h->out[i], h->len[i]);
		free(h->out[i]);
	}
	h->n = 0;
	return r;
}

/* One batch: the threads compress its blocks, then each one's offset is
 * entered in the index and the block held back or written (at *pos, in
 * index order). */
static int write_batch(struct batch *b, pthread_t *tids, unsigned threads, int ofd, unsigned char *index,
		       uint64_t *pos, struct held *h)
{
	int xz = b->o->compressor == LV_CLOOP_XZ, r;

	for (unsigned t = 0; t < threads; t++)
		pthread_create(&tids[t], NULL, compress_worker, b);
	for (unsigned t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	r = b->err;
	for (uint64_t i = 0; i < b->count; i++) {
		if (r == 0) {
			/* block i's compressor sits on its start offset (V4) */
			put64(index + 8 * (b->first + i), *pos | (xz ? (uint64_t)b->kind[i] << 60 : 0));
			*pos += b->len[i];
			if (!h->streaming && h->bytes + b->len[i] <= h->max) {
				/* held at its own size: the worker's buffer has room
				 * for the worst case */
				unsigned char *kept = realloc(b->out[i], b->len[i] ? b->len[i] : 1);
				h->out[h->n] = kept ? kept : b->out[i];
				h->len[h->n++] = b->len[i];
				h->bytes += b->len[i];
				continue;
			}
			if (!h->streaming) {
				h->streaming = 1;
				r = release_held(h, ofd, NULL, 1);
			}
			if (r == 0)
				r = lv_write_all(ofd, b->out[i], b->len[i]);
		}
		free(b->out[i]);
	}
	return r;
}

/* What may be held back: an eighth of the memory (the machine's, or the
 * cgroup's limit when lower), at most 768 MiB. */
static uint64_t hold_max(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	uint64_t mem = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
	unsigned long long limit;
	FILE *f = fopen("/sys/fs/cgroup/memory.max", "re");
	if (f) {
		if (fscanf(f, "%llu", &limit) == 1 && limit < mem)
			mem = limit;
		fclose(f);
	}
	return mem / 8 < (768ull << 20) ? mem / 8 : 768ull << 20;
}

/* Every block of the input, in batches of at most 256 blocks in memory;
 * `sums` (if set) gets each block's hash. */
static int write_blocks(int ifd, int ofd, const struct lv_cloop_opts *o, uint64_t nblocks, unsigned char *index,
			uint64_t *pos, unsigned char *sums, struct held *h)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = o->threads ? o->threads : (cpus > 0 ? (unsigned)cpus : 1);
	uint64_t per_batch = 256; /* blocks in memory at once */
	pthread_t *tids = calloc(threads, sizeof(*tids));
	int r = 0;

	for (uint64_t first = 0; r == 0 && first < nblocks; first += per_batch) {
		struct batch b = { .fd = ifd, .o = o, .first = first,
				   .count = nblocks - first < per_batch ? nblocks - first : per_batch,
				   .lock = PTHREAD_MUTEX_INITIALIZER };
		b.out = calloc(b.count, sizeof(*b.out));
		b.len = calloc(b.count, sizeof(*b.len));
		b.kind = calloc(b.count, 1);
		b.sum = sums ? sums + 32 * first : NULL;
		r = write_batch(&b, tids, threads, ofd, index, pos, h);
		free(b.out);
		free(b.len);
		free(b.kind);
	}
	free(tids);
	return r;
}

/* The hash list of the image just written (cloopsum.h): the header and
 * index as they are in the file, and the blocks' hashes. */
static int write_hashes(const char *path, const unsigned char *head, const unsigned char *index, size_t index_len,
			struct lv_cloopsum *s, struct lv_diags *d)
{
	struct lv_sha256 h;
	size_t len;
	lv_sha256_init(&h);
	lv_sha256_update(&h, head, LV_CLOOP_HEADER);
	lv_sha256_update(&h, index, index_len);
	lv_sha256_final(&h, s->index);
	_cleanup_free_ char *text = lv_cloopsum_format(s, &len);
	int r = text ? lv_write_atomic(path, text, len) : -ENOMEM;
	if (r < 0)
		lv_error(d, "cannot write the cloop hash list '%s': %s", path, lv_strerror(r));
	return r;
}

int lv_cloop_write(const char *in, const char *out, const struct lv_cloop_opts *o, struct lv_diags *d)
{
	struct stat st;
	_cleanup_free_ char *tmp = NULL;
	uint32_t bs = o->block_size;
	int r;

	if ((r = check_opts(o, d)) < 0)
		return r;
	_cleanup_close_ int ifd = open(in, O_RDONLY | O_CLOEXEC);
	if (ifd < 0 || fstat(ifd, &st) < 0) {
		lv_error(d, "cannot read '%s': %s", in, strerror(errno));
		return -errno;
	}
	uint64_t nblocks = ((uint64_t)st.st_size + bs - 1) / bs;
	if (nblocks > UINT32_MAX) {
		lv_error(d, "'%s' is too large for cloop with %u-byte blocks", in, bs);
		return -LVE_TOOBIG;
	}
	if (asprintf(&tmp, "%s.tmp.%ld", out, (long)getpid()) < 0)
		return -ENOMEM;
	int ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0) {
		lv_error(d, "cannot write '%s': %s", tmp, strerror(errno));
		return -errno;
	}
	/* the header, then the blocks after the room for the index, then the
	 * index, which is known only once every block is out */
	unsigned char head[LV_CLOOP_HEADER];
	header(head, o->compressor == LV_CLOOP_XZ, bs, nblocks);
	size_t index_len = (size_t)(nblocks + 1) * 8;
	unsigned char *index = calloc(1, index_len);
	uint64_t pos = sizeof(head) + index_len;
	struct lv_cloopsum sums = { .block_size = bs, .num_blocks = (uint32_t)nblocks };
	if (!index || (o->hashes && !(sums.block = malloc(32 * (size_t)nblocks + 1))))
		r = -ENOMEM;
	else if ((r = lv_write_all(ofd, head, sizeof(head))) == 0 && lseek(ofd, (off_t)pos, SEEK_SET) < 0)
		r = -errno;
	struct held h = { .max = !o->sha256 ? 0 : o->hold ? o->hold : hold_max() };
	h.streaming = !h.max;
	if (!h.streaming) {
		h.out = calloc(nblocks + 1, sizeof(*h.out));
		h.len = calloc(nblocks + 1, sizeof(*h.len));
		if (r == 0 && (!h.out || !h.len))
			r = -ENOMEM;
	}
	if (r == 0)
		r = write_blocks(ifd, ofd, o, nblocks, index, &pos, sums.block, &h);
	if (r == 0)
		put64(index + 8 * nblocks, pos);
	/* held back: the whole file goes by in order, and is hashed */
	struct lv_sha256 sha;
	int hashed = r == 0 && !h.streaming && o->sha256;
	if (hashed) {
		lv_sha256_init(&sha);
		lv_sha256_update(&sha, head, sizeof(head));
		lv_sha256_update(&sha, index, index_len);
	}
	int rh = release_held(&h, ofd, hashed ? &sha : NULL, r == 0);
	r = r ? r : rh;
	free(h.out);
	free(h.len);
	if (r == 0 && pwrite(ofd, index, index_len, sizeof(head)) != (ssize_t)index_len)
		r = -EIO;
	if (r == 0 && fsync(ofd) < 0)
		r = -errno;
	close(ofd);
	if (r == 0 && rename(tmp, out) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		lv_error(d, "cannot write the cloop image '%s': %s", out, lv_strerror(r));
	} else if (o->hashes) {
		r = write_hashes(o->hashes, head, index, index_len, &sums, d);
	}
	/* the image's SHA-256 only for an image written whole */
	if (o->sha256) {
		o->sha256[0] = '\0';
		if (r == 0 && hashed)
			lv_sha256_hex(&sha, o->sha256);
	}
	free(index);
	lv_cloopsum_free(&sums);
	return r;
}

/* ---- reader ---- */

static int open_cloop(const char *path, int *fd, struct lv_cloop_index *ix, struct lv_diags *d)
{
	struct stat st;
	const char *why = NULL;
	uint64_t bad = UINT64_MAX;

	memset(ix, 0, sizeof(*ix));
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &st) < 0) {
		lv_error(d, "cannot read '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (lv_cloop_index_read(*fd, (uint64_t)st.st_size, ix, &why, &bad) < 0) {
		if (bad != UINT64_MAX)
			lv_error(d, "'%s': block %llu: %s", path, (unsigned long long)bad, why);
		else
			lv_error(d, "'%s': %s", path, why);
		return -LVE_PARSE;
	}
	return 0;
}

int lv_cloop_info(const char *path, struct lv_cloop_info *info, struct lv_diags *d)
{
	struct lv_cloop_index ix;
	struct stat st;
	_cleanup_close_ int fd = -1;
	int r = open_cloop(path, &fd, &ix, d);
	if (r == 0 && fstat(fd, &st) == 0) {
		memset(info, 0, sizeof(*info));
		memcpy(info->version, ix.version, 3);
		info->block_size = ix.block_size;
		info->num_blocks = ix.num_blocks;
		info->compressed_size = (uint64_t)st.st_size;
		for (uint32_t i = 0; i < ix.num_blocks; i++)
			info->blocks_by_kind[ix.kind[i] < 3 ? ix.kind[i] : 3]++;
	}
	lv_cloop_index_free(&ix);
	return r;
}

int lv_cloop_extract(const char *path, const char *out, struct lv_diags *d)
{
	struct lv_cloop_index ix;
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r = open_cloop(path, &fd, &ix, d);
	if (r < 0) {
		lv_cloop_index_free(&ix);
		return r;
	}
	uint32_t bs = ix.block_size;
	unsigned char *in = malloc(lv_cloop_max_block(bs)), *blk = malloc(bs);
	struct lv_cloop_decoder dec = { 0 };
	if (asprintf(&tmp, "%s.tmp.%ld", out, (long)getpid()) < 0)
		abort();
	int ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0) {
		lv_error(d, "cannot write '%s': %s", tmp, strerror(errno));
		r = -errno;
	}
	for (uint64_t i = 0; r == 0 && i < ix.num_blocks; i++) {
		size_t clen = (size_t)(ix.off[i + 1] - ix.off[i]);
		if (pread(fd, in, clen, (off_t)ix.off[i]) != (ssize_t)clen) {
			lv_error(d, "'%s': block %llu is truncated", path, (unsigned long long)i);
			r = -LVE_PARSE;
			break;
		}
		if (lv_cloop_decode(&dec, ix.kind[i], in, clen, blk, bs) < 0) {
			lv_error(d, "'%s': block %llu does not decompress (%s)", path, (unsigned long long)i,
				 ix.kind[i] > LV_CLOOP_XZ ? "unsupported compressor" : "corrupted data");
			r = -LVE_PARSE;
			break;
		}
		r = lv_write_all(ofd, blk, bs);
	}
	if (ofd >= 0)
		close(ofd);
	if (r == 0 && rename(tmp, out) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	lv_cloop_decoder_free(&dec);
	free(in);
	free(blk);
	lv_cloop_index_free(&ix);
	return r;
}

struct bad_blocks {
	const char *path;
	struct lv_diags *d;
};

static void report_bad(void *arg, uint64_t block)
{
	struct bad_blocks *b = arg;
	lv_error(b->d, "'%s': block %llu is damaged (its SHA-256 is not the hash list's)", b->path,
		 (unsigned long long)block);
}

int lv_cloop_check(const char *path, const char *hashes, struct lv_diags *d)
{
	struct lv_cloop_index ix;
	struct lv_cloopsum s = { 0 };
	struct bad_blocks bb = { path, d };
	const char *why = NULL;
	_cleanup_close_ int fd = -1;
	int r = open_cloop(path, &fd, &ix, d);
	if (r == 0 && lv_cloopsum_load(hashes, NULL, &s, &why) < 0) {
		lv_error(d, "'%s': %s", hashes, why);
		r = -LVE_PARSE;
	} else if (r == 0 && lv_cloopsum_check_index(&s, fd, &ix, &why) < 0) {
		lv_error(d, "'%s': %s", path, why);
		r = -LVE_HASH;
	} else if (r == 0) {
		int64_t nbad = lv_cloopsum_check_all(&s, fd, &ix, report_bad, &bb);
		r = nbad < 0 ? -ENOMEM : nbad ? -LVE_HASH : 0;
	}
	lv_cloopsum_free(&s);
	lv_cloop_index_free(&ix);
	return r;
}

const char *lv_cloop_writer_id(void)
{
	static char id[200];
	if (!*id) {
		char self[LV_SHA256_HEX] = "unknown";
		lv_sha256_file("/proc/self/exe", self, NULL);
		snprintf(id, sizeof(id), "%s libdeflate-%s %s", self, LIBDEFLATE_VERSION_STRING,
			 lzma_version_string());
	}
	return id;
}
