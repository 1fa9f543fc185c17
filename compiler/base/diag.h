/* Diagnostics: what went wrong, and where.
 *
 * Modules never print.  They record diagnostics here and return an error
 * code; main.c prints them with lv_diags_print().  A diagnostic with a file
 * and a line is shown like a compiler's: "file:line:col: error: message", the
 * source line, a caret under the column, and an optional "did you mean" hint.
 * Lines and columns are 1-based (libyaml's marks are 0-based: add one). */
#ifndef LV_DIAG_H
#define LV_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum lv_severity { LV_ERROR, LV_WARNING, LV_NOTE };

struct lv_diag {
	enum lv_severity severity;
	char *file;   /* owned; NULL when the diagnostic has no source position */
	int line, col;
	char *msg;    /* owned */
	char *hint;   /* owned; NULL or e.g. "did you mean 'packages'?" */
};

struct lv_diags {
	struct lv_diag *v;
	size_t n, cap;
	size_t errors;
	size_t limit;     /* stop collecting errors past this many (0 = 20) */
	size_t dropped;   /* errors not recorded because of the limit */
};

/* Records a diagnostic; returns 1 while more errors may be collected, 0 once
 * the limit is reached (callers may stop early). */
int lv_diag_at(struct lv_diags *d, enum lv_severity sev, const char *file, int line, int col,
	       const char *hint, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int lv_diag_vat(struct lv_diags *d, enum lv_severity sev, const char *file, int line, int col,
		const char *hint, const char *fmt, va_list ap);
/* A diagnostic without a source position. */
int lv_error(struct lv_diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lv_warn(struct lv_diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lv_note(struct lv_diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints every diagnostic in order, with source excerpts where known. */
void lv_diags_print(FILE *out, const struct lv_diags *d, int color);
void lv_diags_release(struct lv_diags *d);

/* "did you mean": the candidate closest to word by edit distance, or NULL when
 * none is close enough to be a plausible misspelling.  Returns a borrowed
 * pointer into candidates. */
const char *lv_closest(const char *word, const char *const *candidates, size_t n);
size_t lv_edit_distance(const char *a, const char *b);

#endif
