/* A deterministic JSON writer: the caller emits keys in a fixed order;
 * indentation is two spaces; strings are escaped per RFC 8259 §7. */
#ifndef LV_JSON_H
#define LV_JSON_H

#include "buf.h"

struct lv_json {
	struct lv_buf *b;
	int depth;
	int first[32];   /* per depth: no comma needed yet */
};

void lv_json_init(struct lv_json *j, struct lv_buf *b);
void lv_json_obj(struct lv_json *j, const char *key);   /* key NULL inside arrays or at top */
void lv_json_arr(struct lv_json *j, const char *key);
void lv_json_end(struct lv_json *j, char close);        /* '}' or ']' */
void lv_json_str(struct lv_json *j, const char *key, const char *v);
void lv_json_num(struct lv_json *j, const char *key, long long v);
void lv_json_bool(struct lv_json *j, const char *key, int v);

#endif
