/* The hash list of a cloop image: what lets the live system check every
 * block it reads from the medium (docs/live.md, "A verified medium").
 *
 * The cloop image itself stays the cloop format (cloop.h), readable by
 * cloop-utils and QEMU; the hashes live beside it, in LIVEC/LIVEC.sha256,
 * whose own SHA-256 is in the initramfs (/etc/livec/medium.sha256), which
 * the boot loader loaded: so the initramfs vouches for the list, and the
 * list for each block.  The file is text, one line each, in this order:
 *
 *   livec-cloop-sha256 1
 *   block-size B
 *   blocks N
 *   index HEX        SHA-256 of the bytes [0, LV_CLOOP_HEADER + 8 (N + 1)):
 *                    the header and the offsets
 *   HEX              block 0: SHA-256 of its bytes as stored (compressed),
 *   ...              [off[i], off[i+1]), so a reader checks a block before
 *   HEX              it decompresses it; N lines
 *
 * HEX is 64 lowercase hex digits.  The same image gives the same bytes.
 * Like cloopfmt.c this is shared with livec-cloopd (runtime/): it prints
 * nothing and needs only base/sha256.c. */
#ifndef LV_CLOOPSUM_H
#define LV_CLOOPSUM_H

#include <stddef.h>
#include <stdint.h>

#include "image/cloopfmt.h"

#define LV_CLOOPSUM_MAGIC "livec-cloop-sha256 1"
/* A list longer than this is refused unread (4 Mi blocks: 512 GiB in
 * 128 KiB blocks). */
#define LV_CLOOPSUM_MAX_BLOCKS (4u << 20)

struct lv_cloopsum {
	uint32_t block_size, num_blocks;
	unsigned char index[32];  /* SHA-256 of the header and the offsets */
	unsigned char *block;     /* 32 bytes per block, malloc'd */
};

/* The bytes the index hash covers: the header and num_blocks + 1 offsets. */
uint64_t lv_cloopsum_index_len(uint32_t num_blocks);

/* The list as text (the format above): a malloc'd string of *len bytes, or
 * NULL when out of memory. */
char *lv_cloopsum_format(const struct lv_cloopsum *s, size_t *len);

/* Parses the text of a list.  On failure returns -1 and sets *why. */
int lv_cloopsum_parse(const char *text, size_t len, struct lv_cloopsum *s, const char **why);

/* Reads the list at `path`, checks that its SHA-256 is `want` (64 hex
 * digits; NULL: the list is taken as it is) and parses it.  On failure returns -1 and sets *why. */
int lv_cloopsum_load(const char *path, const char *want, struct lv_cloopsum *s, const char **why);

void lv_cloopsum_free(struct lv_cloopsum *s);

/* Checks the header and offsets of the cloop file `fd` (already read into
 * `ix`) against the list: the same geometry, the same index hash.  On
 * failure returns -1 and sets *why. */
int lv_cloopsum_check_index(const struct lv_cloopsum *s, int fd, const struct lv_cloop_index *ix,
			    const char **why);

/* 0 if `data` (len bytes, block b as stored) has the hash the list gives
 * block b; -1 if not, or if b is not in the list. */
int lv_cloopsum_check_block(const struct lv_cloopsum *s, uint64_t b, const void *data, size_t len);

/* Checks every block of the cloop file `fd` (its index in `ix`, already
 * checked with lv_cloopsum_check_index) and calls bad(arg, i) for each
 * block that does not match or cannot be read.  Returns the number of such
 * blocks, or -1 when out of memory. */
int64_t lv_cloopsum_check_all(const struct lv_cloopsum *s, int fd, const struct lv_cloop_index *ix,
			      void (*bad)(void *arg, uint64_t block), void *arg);

#endif
