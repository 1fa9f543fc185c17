/* Deterministic JSON writer (json.h). */
#define _GNU_SOURCE
#include <stdio.h>

#include "json.h"

void lv_json_init(struct lv_json *j, struct lv_buf *b)
{
	j->b = b;
	j->depth = 0;
	j->first[0] = 1;
}

static void quoted(struct lv_buf *b, const char *s)
{
	lv_buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': lv_buf_puts(b, "\\\""); break;
		case '\\': lv_buf_puts(b, "\\\\"); break;
		case '\n': lv_buf_puts(b, "\\n"); break;
		case '\t': lv_buf_puts(b, "\\t"); break;
		case '\r': lv_buf_puts(b, "\\r"); break;
		default:
			if (*p < 0x20)
				lv_buf_printf(b, "\\u%04x", *p);
			else
				lv_buf_append(b, p, 1);
		}
	}
	lv_buf_puts(b, "\"");
}

static void lead(struct lv_json *j, const char *key)
{
	if (j->depth > 0) {
		lv_buf_puts(j->b, j->first[j->depth] ? "\n" : ",\n");
		lv_buf_printf(j->b, "%*s", 2 * j->depth, "");
	}
	j->first[j->depth] = 0;
	if (key) {
		quoted(j->b, key);
		lv_buf_puts(j->b, ": ");
	}
}

static void open_(struct lv_json *j, const char *key, const char *br)
{
	lead(j, key);
	lv_buf_puts(j->b, br);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = 1;
}

void lv_json_obj(struct lv_json *j, const char *key) { open_(j, key, "{"); }
void lv_json_arr(struct lv_json *j, const char *key) { open_(j, key, "["); }

void lv_json_end(struct lv_json *j, char close)
{
	int empty = j->first[j->depth];
	j->depth--;
	if (!empty)
		lv_buf_printf(j->b, "\n%*s", 2 * j->depth, "");
	lv_buf_printf(j->b, "%c", close);
	if (j->depth == 0)
		lv_buf_puts(j->b, "\n");
}

void lv_json_str(struct lv_json *j, const char *key, const char *v)
{
	lead(j, key);
	quoted(j->b, v);
}

void lv_json_num(struct lv_json *j, const char *key, long long v)
{
	lead(j, key);
	lv_buf_printf(j->b, "%lld", v);
}

void lv_json_bool(struct lv_json *j, const char *key, int v)
{
	lead(j, key);
	lv_buf_puts(j->b, v ? "true" : "false");
}
