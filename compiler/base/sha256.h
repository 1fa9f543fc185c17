/* SHA-256 (FIPS 180-4).  Hashes are carried as 64 lowercase hex digits. */
#ifndef LV_SHA256_H
#define LV_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct lv_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t fill;
};

#define LV_SHA256_HEX 65 /* 64 digits + NUL */

void lv_sha256_init(struct lv_sha256 *s);
void lv_sha256_update(struct lv_sha256 *s, const void *data, size_t len);
void lv_sha256_final(struct lv_sha256 *s, unsigned char out[32]);
void lv_sha256_hex(struct lv_sha256 *s, char out[LV_SHA256_HEX]);
void lv_sha256_buf(const void *data, size_t len, char out[LV_SHA256_HEX]);
/* Hashes a regular file (another kind, a device or a pipe, is -EINVAL);
 * returns 0 or -errno.  size may be NULL. */
int lv_sha256_file(const char *path, char out[LV_SHA256_HEX], uint64_t *size);
/* Tests: with on, the portable rounds only; without, the fastest the CPU
 * has (SHA extensions on x86-64).  Returns 1 when that is not the
 * portable code. */
int lv_sha256_use_generic(int on);
/* 1 if s is exactly 64 lowercase hex digits. */
int lv_sha256_valid(const char *s);

#endif
