/* The hash list of a cloop image (cloopsum.h): written by livec next to
 * the image, read by livec-cloopd at boot and by `livec cloop check`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/sha256.h"
#include "image/cloopsum.h"

#define HEX_LINE 65 /* 64 digits and a newline */

uint64_t lv_cloopsum_index_len(uint32_t num_blocks)
{
	return LV_CLOOP_HEADER + 8 * ((uint64_t)num_blocks + 1);
}

static void put_hex(char *out, const unsigned char d[32])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
}

static int digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 lowercase hex digits at p, then a newline */
static int get_hex(const char *p, unsigned char d[32])
{
	for (int i = 0; i < 32; i++) {
		int hi = digit(p[2 * i]), lo = digit(p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		d[i] = (unsigned char)(hi << 4 | lo);
	}
	return p[64] == '\n' ? 0 : -1;
}

char *lv_cloopsum_format(const struct lv_cloopsum *s, size_t *len)
{
	char head[160];
	int hl = snprintf(head, sizeof(head), LV_CLOOPSUM_MAGIC "\nblock-size %u\nblocks %u\nindex ", s->block_size,
			  s->num_blocks);
	size_t n = (size_t)hl + HEX_LINE * ((size_t)s->num_blocks + 1);
	char *out = malloc(n + 1), *p = out;
	if (!out)
		return NULL;
	memcpy(p, head, (size_t)hl);
	p += hl;
	put_hex(p, s->index);
	p[64] = '\n';
	p += HEX_LINE;
	for (uint32_t i = 0; i < s->num_blocks; i++, p += HEX_LINE) {
		put_hex(p, s->block + 32 * (size_t)i);
		p[64] = '\n';
	}
	*p = '\0';
	*len = n;
	return out;
}

/* "NAME N\n" at *p: N in decimal, no sign, no leading zero, below 2^32 */
static int get_number(const char **p, const char *end, const char *name, uint32_t *out)
{
	size_t l = strlen(name);
	const char *q = *p;
	uint64_t v = 0;
	if ((size_t)(end - q) < l + 2 || memcmp(q, name, l) || q[l] != ' ')
		return -1;
	q += l + 1;
	if (q == end || *q < '0' || *q > '9' || (*q == '0' && q + 1 < end && q[1] != '\n'))
		return -1;
	for (; q < end && *q >= '0' && *q <= '9'; q++)
		if ((v = v * 10 + (uint64_t)(*q - '0')) > UINT32_MAX)
			return -1;
	if (q == end || *q != '\n')
		return -1;
	*out = (uint32_t)v;
	*p = q + 1;
	return 0;
}

int lv_cloopsum_parse(const char *text, size_t len, struct lv_cloopsum *s, const char **why)
{
	const char *p = text, *end = text + len;
	size_t ml = strlen(LV_CLOOPSUM_MAGIC);

	memset(s, 0, sizeof(*s));
	if (len < ml + 1 || memcmp(p, LV_CLOOPSUM_MAGIC "\n", ml + 1)) {
		*why = "not a livec cloop hash list (no '" LV_CLOOPSUM_MAGIC "' line)";
		return -1;
	}
	p += ml + 1;
	if (get_number(&p, end, "block-size", &s->block_size) < 0 || get_number(&p, end, "blocks", &s->num_blocks) < 0 ||
	    (size_t)(end - p) < 6 || memcmp(p, "index ", 6)) {
		*why = "the hash list's header is malformed";
		return -1;
	}
	p += 6;
	if (s->num_blocks > LV_CLOOPSUM_MAX_BLOCKS ||
	    (uint64_t)(end - p) != HEX_LINE * ((uint64_t)s->num_blocks + 1)) {
		*why = "the hash list's length does not match its block count";
		return -1;
	}
	if (get_hex(p, s->index) < 0) {
		*why = "the hash list's index line is malformed";
		return -1;
	}
	p += HEX_LINE;
	if (!(s->block = malloc(32 * (size_t)s->num_blocks + 1))) {
		*why = "out of memory";
		return -1;
	}
	for (uint32_t i = 0; i < s->num_blocks; i++, p += HEX_LINE)
		if (get_hex(p, s->block + 32 * (size_t)i) < 0) {
			lv_cloopsum_free(s);
			*why = "a block's line in the hash list is malformed";
			return -1;
		}
	return 0;
}

int lv_cloopsum_load(const char *path, const char *want, struct lv_cloopsum *s, const char **why)
{
	struct stat st;
	char got[LV_SHA256_HEX];
	uint64_t max = 128 + HEX_LINE * ((uint64_t)LV_CLOOPSUM_MAX_BLOCKS + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = -1;
	char *text = NULL;

	memset(s, 0, sizeof(*s));
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "cannot read the hash list";
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		*why = "the hash list is too large";
		goto out;
	}
	size_t len = (size_t)st.st_size, have = 0;
	if (!(text = malloc(len + 1))) {
		*why = "out of memory";
		goto out;
	}
	while (have < len) {
		ssize_t n = read(fd, text + have, len - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (have != len) {
		*why = "cannot read the hash list";
		goto out;
	}
	lv_sha256_buf(text, len, got);
	if (want && (!lv_sha256_valid(want) || strcmp(got, want))) {
		*why = "the hash list is damaged or from another build (its SHA-256 is not the expected one)";
		goto out;
	}
	r = lv_cloopsum_parse(text, len, s, why);
out:
	free(text);
	if (fd >= 0)
		close(fd);
	return r;
}

void lv_cloopsum_free(struct lv_cloopsum *s)
{
	free(s->block);
	s->block = NULL;
}

int lv_cloopsum_check_index(const struct lv_cloopsum *s, int fd, const struct lv_cloop_index *ix,
			    const char **why)
{
	unsigned char buf[65536], d[32];
	struct lv_sha256 h;
	uint64_t len = lv_cloopsum_index_len(ix->num_blocks);

	if (s->block_size != ix->block_size || s->num_blocks != ix->num_blocks) {
		*why = "the image's block size or block count is not the hash list's";
		return -1;
	}
	lv_sha256_init(&h);
	for (uint64_t at = 0; at < len;) {
		size_t want = len - at < sizeof(buf) ? (size_t)(len - at) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)at);
		if (n <= 0) {
			*why = "cannot read the image's header and offsets";
			return -1;
		}
		lv_sha256_update(&h, buf, (size_t)n);
		at += (uint64_t)n;
	}
	lv_sha256_final(&h, d);
	if (memcmp(d, s->index, 32)) {
		*why = "the image's header or offsets are damaged (SHA-256 mismatch)";
		return -1;
	}
	return 0;
}

int lv_cloopsum_check_block(const struct lv_cloopsum *s, uint64_t b, const void *data, size_t len)
{
	struct lv_sha256 h;
	unsigned char d[32];
	if (b >= s->num_blocks || !s->block)
		return -1;
	lv_sha256_init(&h);
	lv_sha256_update(&h, data, len);
	lv_sha256_final(&h, d);
	return memcmp(d, s->block + 32 * b, 32) ? -1 : 0;
}

int64_t lv_cloopsum_check_all(const struct lv_cloopsum *s, int fd, const struct lv_cloop_index *ix,
			      void (*bad)(void *arg, uint64_t block), void *arg)
{
	unsigned char *buf = malloc(lv_cloop_max_block(ix->block_size));
	int64_t nbad = 0;
	if (!buf)
		return -1;
	for (uint64_t i = 0; i < ix->num_blocks; i++) {
		size_t len = (size_t)(ix->off[i + 1] - ix->off[i]);
		if (pread(fd, buf, len, (off_t)ix->off[i]) != (ssize_t)len ||
		    lv_cloopsum_check_block(s, i, buf, len) < 0) {
			nbad++;
			bad(arg, i);
		}
	}
	free(buf);
	return nbad;
}
