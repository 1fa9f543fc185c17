/* livec.1: the man page, in roff (man(7)), from the same tables as --help
 * (options.h).  `livec --dump-man` prints it; the build installs it.
 *
 *   NAME, SYNOPSIS, DESCRIPTION, COMMON OPTIONS, VERBS (one subsection
 *   per verb: usage, description, options, epilogue), EXIT STATUS,
 *   ENVIRONMENT, FILES, SEE ALSO
 *
 * No date in the header: the page is the same bytes at every build. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/options.h"

/* Text for roff: a backslash is \e, a minus \- (options copy and paste as
 * typed), and a line never starts with a control character. */
static void esc(FILE *out, const char *s, size_t n)
{
	if (n && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", out);
		else if (s[i] == '-')
			fputs("\\-", out);
		else
			fputc(s[i], out);
	}
}

static void esc_line(FILE *out, const char *s)
{
	esc(out, s, strlen(s));
	fputc('\n', out);
}

/* A help text (options.h): an empty line starts a paragraph, lines that
 * start with a space are kept as they are (no fill), the rest is filled. */
static void text(FILE *out, const char *t)
{
	int literal = 0;
	while (t && *t) {
		size_t len = strcspn(t, "\n");
		if (len == 0) {
			fputs(literal ? ".fi\n.PP\n" : ".PP\n", out);
			literal = 0;
		} else {
			if ((t[0] == ' ') != literal) {
				literal = !literal;
				fputs(literal ? ".nf\n" : ".fi\n", out);
			}
			esc(out, t, len);
			fputc('\n', out);
		}
		t += len;
		t += *t == '\n';
	}
	if (literal)
		fputs(".fi\n", out);
}

/* The usage forms, wrapped as --help wraps them (in a no-fill block). */
static void synopsis(FILE *out, const char *forms)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *mem = open_memstream(&buf, &n);
	if (!mem)
		return;
	lv_synopsis_print(mem, forms, "livec ", "livec ", 79);
	fclose(mem);
	for (const char *l = buf; l && *l;) {
		size_t len = strcspn(l, "\n");
		esc(out, l, len);
		fputc('\n', out);
		l += len;
		l += *l == '\n';
	}
	free(buf);
}

/* ".TP" and the option in bold, its value in italics: -j, --jobs N */
static void option(FILE *out, const struct lv_opt_row *row)
{
	const struct lv_opt *o = row->opt;
	const char *arg = *row->values ? row->values : o->arg;
	fputs(".TP\n", out);
	if (o->flags & LV_OPT_SHORT)
		fprintf(out, "\\fB\\-%c\\fR, ", o->key);
	fputs("\\fB\\-\\-", out);
	esc(out, o->name, strlen(o->name));
	fputs("\\fR", out);
	if (arg) {
		fputs((o->flags & LV_OPT_OPTIONAL) ? "[=\\fI" : " \\fI", out);
		esc(out, arg, strlen(arg));
		fputs((o->flags & LV_OPT_OPTIONAL) ? "\\fR]" : "\\fR", out);
	}
	fputc('\n', out);
	if (row->help)
		esc_line(out, row->help);
}

static void options(FILE *out, const struct lv_opt *opts)
{
	struct lv_opt_row rows[64];
	size_t n = lv_opt_rows(opts, rows, sizeof(rows) / sizeof(rows[0]));
	for (size_t i = 0; i < n; i++)
		option(out, &rows[i]);
}

static void verb(FILE *out, const struct lv_verb *v)
{
	fprintf(out, ".SS \"livec %s\"\n", v->name);
	esc_line(out, v->summary);
	fputs(".PP\n.nf\n", out);
	synopsis(out, v->synopsis);
	fputs(".fi\n", out);
	if (v->description) {
		fputs(".PP\n", out);
		text(out, v->description);
	}
	if (v->opts && v->opts->name) {
		fputs(".PP\nOptions:\n", out);
		options(out, v->opts);
	}
	if (v->epilogue) {
		fputs(".PP\n", out);
		text(out, v->epilogue);
	}
}

static void items(FILE *out, const char *title, const struct lv_doc_item *it)
{
	fprintf(out, ".SH %s\n", title);
	for (; it && it->name; it++) {
		fputs(".TP\n.B ", out);
		esc_line(out, it->name);
		esc_line(out, it->text);
	}
}

void lv_man_write(FILE *out, const struct lv_program *p)
{
	fprintf(out, ".\\\" livec.1, written by 'livec --dump-man' from livec's option tables\n");
	fprintf(out, ".TH LIVEC 1 \"\" \"livec %s\" \"User Commands\"\n", LIVEC_VERSION);
	fputs(".nh\n.ad l\n", out); /* no hyphens inside option names, a ragged right */
	fputs(".SH NAME\nlivec \\- ", out);
	esc_line(out, p->whatis);
	fputs(".SH SYNOPSIS\n.nf\n", out);
	synopsis(out, p->main->synopsis);
	for (size_t i = 0; i < p->nverbs; i++)
		synopsis(out, p->verbs[i]->synopsis);
	fputs(".fi\n", out);
	fputs(".SH DESCRIPTION\n", out);
	text(out, p->main->description);
	fputs(".PP\n", out);
	text(out, p->main->epilogue);
	fputs(".SH COMMON OPTIONS\nThese come before or after the verb.\n", out);
	options(out, p->main->opts);
	fputs(".SH VERBS\n", out);
	for (size_t i = 0; i < p->nverbs; i++)
		verb(out, p->verbs[i]);
	items(out, "EXIT STATUS", p->exit_status);
	items(out, "ENVIRONMENT", p->environment);
	items(out, "FILES", p->files);
	fputs(".SH SEE ALSO\n", out);
	esc_line(out, p->see_also);
}
