/* The option tables (options.h) turned into getopt_long() parsing and the
 * text of --help.  The man page and the bash completion read the same
 * tables (man.c, completion.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/options.h"

#define MAX_OPTS 32
#define WIDTH 79       /* the longest line --help prints */
#define MAX_LABEL 19   /* a longer option label gets a line of its own */

static int has_arg(const struct lv_opt *o)
{
	return !o->arg ? no_argument : (o->flags & LV_OPT_OPTIONAL) ? optional_argument : required_argument;
}

int lv_opt_next(const struct lv_verb *v, int argc, char **argv)
{
	struct option lo[MAX_OPTS + 2];
	char so[3 * MAX_OPTS + 2];
	size_t n = 0, k = 0;

	so[k++] = 'h';
	for (const struct lv_opt *o = v->opts; o && o->name && n < MAX_OPTS; o++) {
		lo[n++] = (struct option){ o->name, has_arg(o), NULL, o->key };
		if (!(o->flags & LV_OPT_SHORT))
			continue;
		so[k++] = (char)o->key;
		for (int colons = has_arg(o); colons > 0; colons--)
			so[k++] = ':';
	}
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	so[k] = '\0';
	int c = getopt_long(argc, argv, so, lo, NULL);
	if (c == 'h') {
		lv_help_print(stdout, v);
		return LV_OPT_HELP;
	}
	return c;
}

const struct lv_opt *lv_opt_match(const struct lv_opt *opts, const char *arg, const char **value)
{
	*value = NULL;
	if (arg[0] != '-')
		return NULL;
	for (const struct lv_opt *o = opts; o && o->name; o++) {
		size_t n = strlen(o->name);
		if ((o->flags & LV_OPT_SHORT) && arg[1] == o->key && !arg[2])
			return o;
		if (arg[1] != '-' || strncmp(arg + 2, o->name, n))
			continue;
		if (!arg[2 + n])
			return o;
		if (o->arg && arg[2 + n] == '=') {
			*value = arg + 3 + n;
			return o;
		}
	}
	return NULL;
}

int lv_opt_takes_value(const struct lv_opt *opts, const char *arg)
{
	const char *inline_value;
	const struct lv_opt *o = lv_opt_match(opts, arg, &inline_value);
	return o && o->arg && !(o->flags & LV_OPT_OPTIONAL) && !inline_value;
}

/* Prints `text` from column `at`, wrapped at spaces to WIDTH, continuation
 * lines indented to `col`. */
static void wrap(FILE *out, const char *text, int at, int col)
{
	int first = 1;
	while (*text) {
		size_t len = strcspn(text, " ");
		if (!first && at + 1 + (int)len > WIDTH) {
			fprintf(out, "\n%*s", col, "");
			at = col;
		} else if (!first) {
			fputc(' ', out);
			at++;
		}
		fwrite(text, 1, len, out);
		at += (int)len;
		first = 0;
		text += len;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

/* One synopsis form, broken only at spaces outside brackets. */
static void synopsis_form(FILE *out, const char *form, const char *prefix, int width)
{
	int col = (int)strlen(prefix) + (int)strcspn(form, " ") + 1, at = (int)strlen(prefix), depth = 0;
	const char *word = form;
	fputs(prefix, out);
	for (const char *p = form;; p++) {
		if (*p == '[' || *p == '(')
			depth++;
		else if ((*p == ']' || *p == ')') && depth > 0)
			depth--;
		if ((*p != ' ' || depth) && *p)
			continue;
		int len = (int)(p - word);
		if (word != form && at + 1 + len > width) {
			fprintf(out, "\n%*s", col, "");
			at = col;
		} else if (word != form) {
			fputc(' ', out);
			at++;
		}
		fwrite(word, 1, (size_t)len, out);
		at += len;
		if (!*p)
			break;
		word = p + 1;
	}
	fputc('\n', out);
}

void lv_synopsis_print(FILE *out, const char *synopsis, const char *first, const char *next, int width)
{
	char form[512];
	for (const char *s = synopsis; *s;) {
		size_t len = strcspn(s, "\n");
		snprintf(form, sizeof(form), "%.*s", (int)len, s);
		synopsis_form(out, form, s == synopsis ? first : next, width);
		s += len;
		s += *s == '\n';
	}
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* One row, or (an option with values and no help of its own) one per run
 * of values that share a help text. */
static size_t rows_of(const struct lv_opt *o, struct lv_opt_row *rows, size_t max)
{
	const char *help = NULL, *word;
	size_t n = 0;
	if (max && !o->values)
		rows[n++] = (struct lv_opt_row){ .opt = o, .help = o->help };
	for (size_t i = 0; o->values && (word = o->values(i, &help)); i++) {
		struct lv_opt_row *r = n ? &rows[n - 1] : NULL;
		const char *h = o->help ? o->help : help;
		if (!r || !same(r->help, h)) {
			if (n == max)
				break;
			r = &rows[n++];
			*r = (struct lv_opt_row){ .opt = o, .help = h };
		} else
			strncat(r->values, "|", sizeof(r->values) - strlen(r->values) - 1);
		strncat(r->values, word, sizeof(r->values) - strlen(r->values) - 1);
	}
	return n;
}

size_t lv_opt_rows(const struct lv_opt *opts, struct lv_opt_row *rows, size_t max)
{
	size_t n = 0;
	for (const struct lv_opt *o = opts; o && o->name; o++)
		if (!(o->flags & LV_OPT_HIDDEN))
			n += rows_of(o, rows + n, max - n);
	return n;
}

/* "-j, --jobs N", "    --check", "--vnc[=HOST:N]", "-f, --format iso" */
static void label(const struct lv_opt_row *r, int pad, char *buf, size_t n)
{
	const struct lv_opt *o = r->opt;
	const char *arg = *r->values ? r->values : o->arg;
	int k = (o->flags & LV_OPT_SHORT) ? snprintf(buf, n, "-%c, ", o->key) : snprintf(buf, n, "%s", pad ? "    " : "");
	k += snprintf(buf + k, n - (size_t)k, "--%s", o->name);
	if (arg && (o->flags & LV_OPT_OPTIONAL))
		snprintf(buf + k, n - (size_t)k, "[=%s]", arg);
	else if (arg)
		snprintf(buf + k, n - (size_t)k, " %s", arg);
}

static void options_print(FILE *out, const struct lv_opt *opts)
{
	struct lv_opt_row rows[2 * MAX_OPTS];
	size_t n = lv_opt_rows(opts, rows, sizeof(rows) / sizeof(rows[0]));
	int pad = 0, col = 0;
	char buf[256];
	for (size_t i = 0; i < n; i++)
		pad |= (rows[i].opt->flags & LV_OPT_SHORT) != 0;
	for (size_t i = 0; i < n; i++) {
		label(&rows[i], pad, buf, sizeof(buf));
		if ((int)strlen(buf) <= MAX_LABEL && (int)strlen(buf) + 4 > col)
			col = (int)strlen(buf) + 4;
	}
	for (size_t i = 0; i < n; i++) {
		label(&rows[i], pad, buf, sizeof(buf));
		int at = fprintf(out, "  %s", buf);
		if (!rows[i].help) {
			fputc('\n', out);
			continue;
		}
		if (at + 2 > col) {
			fputc('\n', out);
			at = 0;
		}
		fprintf(out, "%*s", col - at, "");
		wrap(out, rows[i].help, col, col);
	}
}

void lv_help_print(FILE *out, const struct lv_verb *v)
{
	lv_synopsis_print(out, v->synopsis, "usage: livec ", "       livec ", WIDTH);
	if (v->description)
		fprintf(out, "\n%s\n", v->description);
	if (v->opts && v->opts->name) {
		fputc('\n', out);
		options_print(out, v->opts);
	}
	if (v->epilogue)
		fprintf(out, "\n%s\n", v->epilogue);
}

void lv_usage_print(FILE *out, const struct lv_program *p)
{
	lv_synopsis_print(out, p->main->synopsis, "usage: livec ", "       livec ", WIDTH);
	fprintf(out, "\n%s\n\nverbs:\n", p->main->description);
	for (size_t i = 0; i < p->nverbs; i++)
		fprintf(out, "  %-15s %s\n", p->verbs[i]->name, p->verbs[i]->summary);
	fprintf(out, "\n%s:\n", p->opts_title);
	options_print(out, p->main->opts);
	fprintf(out, "\n%s\n", p->main->epilogue);
}

unsigned long long lv_parse_size(const char *s)
{
	char *end;
	unsigned shift = 0;
	if (*s < '0' || *s > '9')
		return 0; /* strtoull takes "-1" */
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end || errno || v > (~0ULL >> shift))
		return 0;
	return v << shift;
}
