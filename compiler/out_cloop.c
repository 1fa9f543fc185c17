/* The cloop writer and reader (cloop.h).
 *
 * Writing: the input is cut into blocks; worker threads compress block
 * ranges with zlib into memory, and the main thread writes them in index
 * order, so the bytes do not depend on the number of threads.  The offset
 * table is known only at the end: it is written to its place (right after
 * the header) once every block is out. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cleanup.h"
#include "cloop.h"
#include "err.h"

static const char preamble_v2[] = "#!/bin/sh\n#V2.0 Format\n"
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

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* A batch of blocks compressed by the workers. */
struct batch {
	int fd;                    /* the input */
	uint32_t bs;
	int level;
	uint64_t first, count;     /* block numbers of this batch */
	uint64_t next;             /* next block to take (under lock) */
	unsigned char **out;       /* compressed blocks */
	uLongf *len;
	int err;
	pthread_mutex_t lock;
};

static void *compress_worker(void *arg)
{
	struct batch *b = arg;
	unsigned char *raw = malloc(b->bs);
	uLong bound = compressBound(b->bs);
	for (;;) {
		pthread_mutex_lock(&b->lock);
		uint64_t i = b->next < b->count ? b->next++ : b->count;
		pthread_mutex_unlock(&b->lock);
		if (i >= b->count)
			break;
		uint64_t blk = b->first + i;
		ssize_t got = pread(b->fd, raw, b->bs, (off_t)(blk * b->bs));
		if (got < 0) {
			b->err = -errno;
			break;
		}
		memset(raw + got, 0, b->bs - (size_t)got); /* the last block is zero-padded */
		b->out[i] = malloc(bound);
		b->len[i] = bound;
		if (compress2(b->out[i], &b->len[i], raw, b->bs, b->level) != Z_OK) {
			b->err = -LVE_ARCHIVE;
			break;
		}
	}
	free(raw);
	return NULL;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int lv_cloop_write(const char *in, const char *out, const struct lv_cloop_opts *o, struct lv_diags *d)
{
	struct stat st;
	_cleanup_free_ char *tmp = NULL;
	uint32_t bs = o->block_size;
	int r = 0;

	if (!bs || bs % 512 || bs > LV_CLOOP_MAX_BLOCK) {
		lv_error(d, "cloop block size %u must be a multiple of 512 and at most %u", bs, LV_CLOOP_MAX_BLOCK);
		return -EINVAL;
	}
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
	unsigned char head[LV_CLOOP_PREAMBLE + 8] = { 0 };
	memcpy(head, preamble_v2, sizeof(preamble_v2) - 1);
	put32(head + LV_CLOOP_PREAMBLE, bs);
	put32(head + LV_CLOOP_PREAMBLE + 4, (uint32_t)nblocks);
	size_t index_len = (size_t)(nblocks + 1) * 8;
	unsigned char *index = calloc(1, index_len);
	uint64_t pos = sizeof(head) + index_len;
	put64(index, pos);
	if ((r = write_all(ofd, head, sizeof(head))) == 0 && lseek(ofd, (off_t)pos, SEEK_SET) < 0)
		r = -errno;

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = o->threads ? o->threads : (cpus > 0 ? (unsigned)cpus : 1);
	uint64_t per_batch = 256; /* blocks in memory at once */
	pthread_t *tids = calloc(threads, sizeof(*tids));
	for (uint64_t first = 0; r == 0 && first < nblocks; first += per_batch) {
		struct batch b = { .fd = ifd, .bs = bs, .level = o->level, .first = first,
				   .count = nblocks - first < per_batch ? nblocks - first : per_batch,
				   .lock = PTHREAD_MUTEX_INITIALIZER };
		b.out = calloc(b.count, sizeof(*b.out));
		b.len = calloc(b.count, sizeof(*b.len));
		for (unsigned t = 0; t < threads; t++)
			pthread_create(&tids[t], NULL, compress_worker, &b);
		for (unsigned t = 0; t < threads; t++)
			pthread_join(tids[t], NULL);
		r = b.err;
		for (uint64_t i = 0; i < b.count; i++) {
			if (r == 0) {
				r = write_all(ofd, b.out[i], b.len[i]);
				pos += b.len[i];
				put64(index + 8 * (first + i + 1), pos);
			}
			free(b.out[i]);
		}
		free(b.out);
		free(b.len);
	}
	free(tids);
	if (r == 0 && pwrite(ofd, index, index_len, sizeof(head)) != (ssize_t)index_len)
		r = -EIO;
	free(index);
	if (r == 0 && fsync(ofd) < 0)
		r = -errno;
	close(ofd);
	if (r == 0 && rename(tmp, out) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		lv_error(d, "cannot write the cloop image '%s': %s", out, lv_strerror(r));
	}
	return r;
}

/* ---- reader ---- */

struct reader {
	int fd;
	struct lv_cloop_info info;
	uint64_t *off;     /* num_blocks + 1 entries, flags stripped */
	unsigned char *kind;
};

static int open_cloop(const char *path, struct reader *rd, struct lv_diags *d)
{
	unsigned char head[LV_CLOOP_PREAMBLE + 8];
	struct stat st;

	memset(rd, 0, sizeof(*rd));
	rd->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (rd->fd < 0 || fstat(rd->fd, &st) < 0) {
		lv_error(d, "cannot read '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (pread(rd->fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) || head[0x0b] != 'V' ||
	    (memcmp(head + 0x0c, "2.0", 3) && memcmp(head + 0x0c, "4.0", 3))) {
		lv_error(d, "'%s' is not a cloop image (no V2.0/V4.0 header)", path);
		return -LVE_PARSE;
	}
	memcpy(rd->info.version, head + 0x0c, 3);
	rd->info.block_size = get32(head + LV_CLOOP_PREAMBLE);
	rd->info.num_blocks = get32(head + LV_CLOOP_PREAMBLE + 4);
	rd->info.compressed_size = (uint64_t)st.st_size;
	uint32_t bs = rd->info.block_size;
	uint64_t n = rd->info.num_blocks;
	if (!bs || bs % 512 || bs > LV_CLOOP_MAX_BLOCK || (n + 1) * 8 > (uint64_t)st.st_size) {
		lv_error(d, "'%s': implausible cloop header (block size %u, %llu blocks)", path, bs,
			 (unsigned long long)n);
		return -LVE_PARSE;
	}
	unsigned char *raw = malloc((size_t)(n + 1) * 8);
	if (pread(rd->fd, raw, (size_t)(n + 1) * 8, sizeof(head)) != (ssize_t)((n + 1) * 8)) {
		free(raw);
		lv_error(d, "'%s': truncated cloop index", path);
		return -LVE_PARSE;
	}
	rd->off = calloc(n + 1, sizeof(uint64_t));
	rd->kind = calloc(n + 1, 1);
	int v4 = head[0x0c] == '4';
	for (uint64_t i = 0; i <= n; i++) {
		uint64_t v = get64(raw + 8 * i);
		rd->off[i] = v4 ? v & ((1ull << 60) - 1) : v;
		rd->kind[i] = v4 ? (unsigned char)(v >> 60) : 0;
	}
	free(raw);
	for (uint64_t i = 0; i < n; i++)
		if (rd->off[i + 1] < rd->off[i] || rd->off[i + 1] > (uint64_t)st.st_size ||
		    rd->off[i + 1] - rd->off[i] > compressBound(bs) + 64) {
			lv_error(d, "'%s': cloop block %llu has a bad offset (the file is truncated or "
				    "corrupted)", path, (unsigned long long)i);
			return -LVE_PARSE;
		}
	return 0;
}

static void close_cloop(struct reader *rd)
{
	if (rd->fd >= 0)
		close(rd->fd);
	free(rd->off);
	free(rd->kind);
}

int lv_cloop_info(const char *path, struct lv_cloop_info *info, struct lv_diags *d)
{
	struct reader rd;
	int r = open_cloop(path, &rd, d);
	if (r == 0)
		*info = rd.info;
	close_cloop(&rd);
	return r;
}

int lv_cloop_extract(const char *path, const char *out, struct lv_diags *d)
{
	struct reader rd;
	_cleanup_free_ char *tmp = NULL;
	int r = open_cloop(path, &rd, d);
	if (r < 0) {
		close_cloop(&rd);
		return r;
	}
	uint32_t bs = rd.info.block_size;
	unsigned char *in = malloc(compressBound(bs) + 64), *blk = malloc(bs);
	if (asprintf(&tmp, "%s.tmp.%ld", out, (long)getpid()) < 0)
		abort();
	int ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0) {
		lv_error(d, "cannot write '%s': %s", tmp, strerror(errno));
		r = -errno;
	}
	for (uint64_t i = 0; r == 0 && i < rd.info.num_blocks; i++) {
		size_t clen = (size_t)(rd.off[i + 1] - rd.off[i]);
		if (pread(rd.fd, in, clen, (off_t)rd.off[i]) != (ssize_t)clen) {
			lv_error(d, "'%s': block %llu is truncated", path, (unsigned long long)i);
			r = -LVE_PARSE;
			break;
		}
		uLongf len = bs;
		if (rd.kind[i] == 1 && clen == bs)
			memcpy(blk, in, bs);
		else if (rd.kind[i] != 0 || uncompress(blk, &len, in, clen) != Z_OK || len != bs) {
			lv_error(d, "'%s': block %llu does not decompress (%s)", path, (unsigned long long)i,
				 rd.kind[i] > 1 ? "unsupported compressor" : "corrupted zlib data");
			r = -LVE_PARSE;
			break;
		}
		r = write_all(ofd, blk, bs);
	}
	if (ofd >= 0)
		close(ofd);
	if (r == 0 && rename(tmp, out) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(in);
	free(blk);
	close_cloop(&rd);
	return r;
}
