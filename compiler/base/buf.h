/* A growable byte buffer with a hard maximum (curl's dynbuf idea): every
 * buffer fed by the network or a file says how large it may grow. */
#ifndef LV_BUF_H
#define LV_BUF_H

#include <stddef.h>

struct lv_buf {
	char *p;      /* always NUL-terminated when non-NULL */
	size_t len, cap;
	size_t max;   /* 0 = 1 GiB */
};

int lv_buf_append(struct lv_buf *b, const void *data, size_t len); /* 0 or -LVE_TOOBIG/-ENOMEM */
int lv_buf_puts(struct lv_buf *b, const char *s);
int lv_buf_printf(struct lv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lv_buf_release(struct lv_buf *b);
/* Hands the bytes to the caller (caller frees); the buffer is left empty. */
char *lv_buf_steal(struct lv_buf *b);

#endif
