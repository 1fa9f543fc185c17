/* Diagnostics collection and rendering (see diag.h). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

int lv_diag_vat(struct lv_diags *d, enum lv_severity sev, const char *file, int line, int col,
		const char *hint, const char *fmt, va_list ap)
{
	size_t limit = d->limit ? d->limit : 20;

	if (sev == LV_ERROR && d->errors >= limit) {
		d->dropped++;
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		struct lv_diag *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			abort();
		d->v = v;
		d->cap = cap;
	}
	struct lv_diag *g = &d->v[d->n++];
	memset(g, 0, sizeof(*g));
	g->severity = sev;
	g->file = file ? strdup(file) : NULL;
	g->line = line;
	g->col = col;
	g->hint = hint ? strdup(hint) : NULL;
	if (vasprintf(&g->msg, fmt, ap) < 0)
		abort();
	if (sev == LV_ERROR)
		d->errors++;
	return sev != LV_ERROR || d->errors < limit;
}

int lv_diag_at(struct lv_diags *d, enum lv_severity sev, const char *file, int line, int col,
	       const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = lv_diag_vat(d, sev, file, line, col, hint, fmt, ap);
	va_end(ap);
	return r;
}

#define LV_DIAG_PLAIN(fn, sev)                                            \
	int fn(struct lv_diags *d, const char *fmt, ...)                  \
	{                                                                 \
		va_list ap;                                               \
		va_start(ap, fmt);                                        \
		int r = lv_diag_vat(d, sev, NULL, 0, 0, NULL, fmt, ap);   \
		va_end(ap);                                               \
		return r;                                                 \
	}
LV_DIAG_PLAIN(lv_error, LV_ERROR)
LV_DIAG_PLAIN(lv_warn, LV_WARNING)
LV_DIAG_PLAIN(lv_note, LV_NOTE)

/* Copies line number `line` (1-based) of file into buf; returns 0 if absent. */
static int source_line(const char *file, int line, char *buf, size_t size)
{
	FILE *f = fopen(file, "r");
	int n = 1, ok = 0;

	if (!f)
		return 0;
	while (fgets(buf, (int)size, f)) {
		size_t len = strlen(buf);
		int complete = len && buf[len - 1] == '\n';
		if (n == line) {
			buf[strcspn(buf, "\r\n")] = '\0';
			ok = 1;
			break;
		}
		if (complete)
			n++;
	}
	fclose(f);
	return ok;
}

void lv_diags_print(FILE *out, const struct lv_diags *d, int color)
{
	static const char *const names[] = { "error", "warning", "note" };
	static const char *const colors[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m" };
	const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";

	for (size_t i = 0; i < d->n; i++) {
		const struct lv_diag *g = &d->v[i];
		const char *sc = color ? colors[g->severity] : "";
		char line[4096];

		if (g->file && g->line > 0)
			fprintf(out, "%s%s:%d:%d:%s ", bold, g->file, g->line, g->col, reset);
		else if (g->file)
			fprintf(out, "%s%s:%s ", bold, g->file, reset);
		else
			fprintf(out, "livec: ");
		fprintf(out, "%s%s:%s %s\n", sc, names[g->severity], reset, g->msg);
		if (g->file && g->line > 0 && source_line(g->file, g->line, line, sizeof(line))) {
			fprintf(out, "%5d | %s\n      | ", g->line, line);
			for (int c = 1; c < g->col && line[c - 1]; c++)
				fputc(line[c - 1] == '\t' ? '\t' : ' ', out);
			fprintf(out, "%s^%s\n", sc, reset);
		}
		if (g->hint)
			fprintf(out, "      = %shelp:%s %s\n", bold, reset, g->hint);
	}
	if (d->dropped)
		fprintf(out, "livec: note: %zu more error%s not shown\n", d->dropped,
			d->dropped == 1 ? "" : "s");
}

void lv_diags_release(struct lv_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].hint);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

size_t lv_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64 + 1];

	if (lb > 64 || la > 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *lv_closest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t wl = strlen(word);
	/* A plausible typo changes at most a third of the word (at least one). */
	size_t max_d = wl / 3 > 1 ? wl / 3 : (wl > 2 ? 2 : 1);

	for (size_t i = 0; i < n; i++) {
		size_t dd = lv_edit_distance(word, candidates[i]);
		if (dd < best_d) {
			best_d = dd;
			best = candidates[i];
		}
	}
	return best_d <= max_d ? best : NULL;
}
