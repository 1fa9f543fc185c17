/* Growable bounded buffer (buf.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

int lv_buf_append(struct lv_buf *b, const void *data, size_t len)
{
	size_t max = b->max ? b->max : (size_t)1 << 30;

	if (len > max || b->len > max - len)
		return -LVE_TOOBIG;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int lv_buf_puts(struct lv_buf *b, const char *s)
{
	return lv_buf_append(b, s, strlen(s));
}

int lv_buf_printf(struct lv_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return lv_buf_append(b, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int r = lv_buf_append(b, big, (size_t)n);
	free(big);
	return r;
}

void lv_buf_release(struct lv_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *lv_buf_steal(struct lv_buf *b)
{
	char *p = b->p;
	if (!p)
		p = calloc(1, 1);
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}
