/* Debian control-file syntax (deb822): Release, Packages, .sources, control.
 *
 * A zero-copy reader: paragraphs and fields are slices of the caller's buffer.
 * Field names compare case-insensitively (Policy §5.1).  Continuation lines
 * stay in the value, newlines included. */
#ifndef LV_DEB822_H
#define LV_DEB822_H

#include <stddef.h>

#define LV_DEB822_MAX_FIELDS 96

struct lv_field822 {
	const char *name, *value;
	size_t name_len, value_len;
};

struct lv_para {
	struct lv_field822 f[LV_DEB822_MAX_FIELDS];
	size_t n;
	size_t line; /* 1-based line of the paragraph's first field */
};

struct lv_deb822 {
	const char *p, *end;
	size_t line;
};

void lv_deb822_init(struct lv_deb822 *r, const char *data, size_t len);
/* 1 = a paragraph was read into p, 0 = end of input, -LVE_PARSE = malformed
 * (p->line says where). */
int lv_deb822_next(struct lv_deb822 *r, struct lv_para *p);
/* The value of a field (slice, not NUL-terminated) or NULL. */
const char *lv_para_get(const struct lv_para *p, const char *name, size_t *len);
/* Same, copied and trimmed (caller frees), or NULL. */
char *lv_para_dup(const struct lv_para *p, const char *name);

#endif
