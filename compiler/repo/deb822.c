/* deb822 paragraph reader (deb822.h).  Comment lines ('#') are skipped, as
 * in deb822(5); blank lines (only whitespace) separate paragraphs. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "repo/deb822.h"
#include "base/err.h"

void lv_deb822_init(struct lv_deb822 *r, const char *data, size_t len)
{
	r->p = data;
	r->end = data + len;
	r->line = 1;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

static int blank(const char *p, const char *e)
{
	for (; p < e; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

int lv_deb822_next(struct lv_deb822 *r, struct lv_para *para)
{
	para->n = 0;
	/* skip blank lines and comments before the paragraph */
	while (r->p < r->end) {
		const char *e = line_end(r->p, r->end);
		if (!blank(r->p, e) && *r->p != '#')
			break;
		r->p = e < r->end ? e + 1 : e;
		r->line++;
	}
	if (r->p >= r->end)
		return 0;
	para->line = r->line;
	while (r->p < r->end) {
		const char *s = r->p, *e = line_end(s, r->end);
		if (blank(s, e))
			break;
		r->p = e < r->end ? e + 1 : e;
		r->line++;
		if (*s == '#')
			continue;
		if (*s == ' ' || *s == '\t') { /* continuation */
			if (!para->n)
				return -LVE_PARSE;
			struct lv_field822 *f = &para->f[para->n - 1];
			f->value_len = (size_t)(e - f->value);
			continue;
		}
		const char *colon = memchr(s, ':', (size_t)(e - s));
		if (!colon || colon == s)
			return -LVE_PARSE;
		if (para->n == LV_DEB822_MAX_FIELDS)
			return -LVE_PARSE;
		struct lv_field822 *f = &para->f[para->n++];
		f->name = s;
		f->name_len = (size_t)(colon - s);
		const char *v = colon + 1;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		f->value = v;
		f->value_len = (size_t)(e - v);
	}
	return 1;
}

const char *lv_para_get(const struct lv_para *p, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < p->n; i++)
		if (p->f[i].name_len == nl && !strncasecmp(p->f[i].name, name, nl)) {
			size_t l = p->f[i].value_len;
			while (l && (p->f[i].value[l - 1] == '\r' || p->f[i].value[l - 1] == ' '))
				l--;
			if (len)
				*len = l;
			return p->f[i].value;
		}
	return NULL;
}

char *lv_para_dup(const struct lv_para *p, const char *name)
{
	size_t len;
	const char *v = lv_para_get(p, name, &len);
	return v ? strndup(v, len) : NULL;
}
