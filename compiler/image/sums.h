/* Artifact checksums, as SHA256SUMS files ("HEX  NAME", sha256sum's format).
 *
 * One SHA256SUMS per output directory, shared by the outputs in it.  An
 * output's layers are named OUTPUT:LAYER, and a layer inside a layer
 * OUTPUT:LAYER:INNER (console.iso:LIVEC/LIVEC:inner is the file system
 * inside the cloop image), so `sha256sum -c --ignore-missing SHA256SUMS`
 * checks the outputs and `livec build --check-against` checks every layer. */
#ifndef LV_SUMS_H
#define LV_SUMS_H

#include <stddef.h>

#include "base/diag.h"
#include "base/sha256.h"

struct lv_sum {
	char *name;
	char hex[LV_SHA256_HEX];
};

struct lv_sums {
	struct lv_sum *v;
	size_t n;
};

/* Hashes the file at path under name; 0 or -errno. */
int lv_sums_add_file(struct lv_sums *s, const char *name, const char *path);
void lv_sums_add(struct lv_sums *s, const char *name, const char *hex);
/* Parses a SHA256SUMS file; a malformed line is an error at file:line. */
int lv_sums_read(const char *path, struct lv_sums *s, struct lv_diags *d);
const struct lv_sum *lv_sums_find(const struct lv_sums *s, const char *name);
/* 1 if name is output or one of its layers (output:...). */
int lv_sums_belongs(const char *name, const char *output);
/* Replaces the entries of `output` (and its layers) in the SHA256SUMS file
 * at path with those of s, keeps the others, sorts by name and writes the
 * file atomically. */
int lv_sums_update(const char *path, const char *output, const struct lv_sums *s, struct lv_diags *d);
/* Compares the entries of `output` in `expected` with `got`: every
 * artifact missing from either side or with another checksum is an error
 * that names it.  0 when all match, else -LVE_DIFFERS. */
int lv_sums_check(const struct lv_sums *expected, const struct lv_sums *got, const char *output,
		  struct lv_diags *d);
void lv_sums_release(struct lv_sums *s);

#endif
