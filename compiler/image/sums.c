/* Artifact checksums (sums.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "image/sums.h"

void lv_sums_add(struct lv_sums *s, const char *name, const char *hex)
{
	s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n].name = strdup(name);
	snprintf(s->v[s->n].hex, sizeof(s->v[s->n].hex), "%s", hex);
	s->n++;
}

int lv_sums_add_file(struct lv_sums *s, const char *name, const char *path)
{
	char hex[LV_SHA256_HEX];
	int r = lv_sha256_file(path, hex, NULL);
	if (r == 0)
		lv_sums_add(s, name, hex);
	return r;
}

int lv_sums_read(const char *path, struct lv_sums *s, struct lv_diags *d)
{
	struct lv_buf b = { 0 };
	int r = lv_read_file(path, &b);
	if (r < 0) {
		lv_error(d, "cannot read '%s': %s", path, lv_strerror(r));
		return r;
	}
	size_t line = 0;
	for (char *p = b.p, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line++;
		if (!*p)
			continue;
		/* "HEX  NAME" (text mode) or "HEX *NAME" (binary mode) */
		char hex[LV_SHA256_HEX];
		snprintf(hex, sizeof(hex), "%.64s", p);
		if (strlen(p) < 67 || !lv_sha256_valid(hex) || p[64] != ' ' || (p[65] != ' ' && p[65] != '*')) {
			lv_error(d, "%s:%zu: not a SHA-256 checksum line (\"HEX  NAME\")", path, line);
			r = -LVE_PARSE;
			continue;
		}
		lv_sums_add(s, p + 66, hex);
	}
	lv_buf_release(&b);
	return r;
}

const struct lv_sum *lv_sums_find(const struct lv_sums *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

int lv_sums_belongs(const char *name, const char *output)
{
	size_t n = strlen(output);
	return !strncmp(name, output, n) && (name[n] == '\0' || name[n] == ':');
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct lv_sum *)a)->name, ((const struct lv_sum *)b)->name);
}

int lv_sums_update(const char *path, const char *output, const struct lv_sums *s, struct lv_diags *d)
{
	struct lv_sums all = { 0 };
	struct lv_diags ignore = { 0 };
	if (lv_exists(path) && lv_sums_read(path, &all, &ignore) < 0) {
		/* a damaged file is replaced, not merged: say so */
		lv_note(d, "'%s' was not a valid SHA256SUMS file; it is rewritten", path);
		lv_sums_release(&all);
	}
	lv_diags_release(&ignore);
	size_t keep = 0;
	for (size_t i = 0; i < all.n; i++) {
		if (lv_sums_belongs(all.v[i].name, output))
			free(all.v[i].name);
		else
			all.v[keep++] = all.v[i];
	}
	all.n = keep;
	for (size_t i = 0; i < s->n; i++)
		lv_sums_add(&all, s->v[i].name, s->v[i].hex);
	qsort(all.v, all.n, sizeof(*all.v), by_name);
	struct lv_buf out = { 0 };
	for (size_t i = 0; i < all.n; i++)
		lv_buf_printf(&out, "%s  %s\n", all.v[i].hex, all.v[i].name);
	int r = lv_write_atomic(path, out.p ? out.p : "", out.len);
	if (r < 0)
		lv_error(d, "cannot write '%s': %s", path, lv_strerror(r));
	lv_buf_release(&out);
	lv_sums_release(&all);
	return r;
}

int lv_sums_check(const struct lv_sums *expected, const struct lv_sums *got, const char *output,
		  struct lv_diags *d)
{
	size_t checked = 0, bad = 0;
	for (size_t i = 0; i < expected->n; i++) {
		const struct lv_sum *e = &expected->v[i];
		if (!lv_sums_belongs(e->name, output))
			continue;
		checked++;
		const struct lv_sum *g = lv_sums_find(got, e->name);
		if (!g) {
			lv_error(d, "%s: not produced by this build", e->name);
			bad++;
		} else if (strcmp(e->hex, g->hex)) {
			lv_error(d, "%s differs: expected %.16s..., built %.16s...", e->name, e->hex, g->hex);
			bad++;
		}
	}
	for (size_t i = 0; i < got->n; i++)
		if (lv_sums_belongs(got->v[i].name, output) && !lv_sums_find(expected, got->v[i].name)) {
			lv_error(d, "%s: built, but has no published checksum", got->v[i].name);
			bad++;
		}
	if (!checked) {
		lv_error(d, "no published checksum for '%s'", output);
		return -LVE_DIFFERS;
	}
	return bad ? -LVE_DIFFERS : 0;
}

void lv_sums_release(struct lv_sums *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
