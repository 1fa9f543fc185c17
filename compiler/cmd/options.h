/* The command line, described once.
 *
 * Each verb is one table (struct lv_verb, next to the verb's code in
 * cmd/VERB.c): its name, what it needs from main.c, its synopsis, help
 * paragraphs and options.  From that table come
 *   - its parsing: lv_opt_next(), a getopt_long() loop over the table;
 *   - `livec VERB --help` (lv_help_print) and the verb list of `livec --help`;
 *   - main.c's knowledge of which options take a value (lv_opt_takes_value),
 *     to find the MANIFEST among the verb's arguments;
 *   - the man page (man.c) and the bash completion (completion.c), written
 *     at build time by `livec --dump-man` and `livec --dump-bash-completion`.
 *
 * Help text conventions: paragraphs are separated by an empty line; a line
 * that starts with a space is shown as it is (a list, an example), other
 * lines are prose the man page may refill.  Option help is one sentence
 * without line breaks; --help wraps it. */
#ifndef LV_OPTIONS_H
#define LV_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

struct lv_ctx;

enum {
	LV_OPT_SHORT = 1,    /* -KEY works too, not only --NAME */
	LV_OPT_OPTIONAL = 2, /* the value is optional, so only given as --NAME=VALUE */
	LV_OPT_HIDDEN = 4,   /* in no help, man page or completion (build-time switches) */
};

/* lv_opt_next() returns this after printing the verb's help for -h/--help:
 * the verb then returns 0. */
#define LV_OPT_HELP 0x100

struct lv_opt {
	int key;           /* what lv_opt_next() returns for it; with LV_OPT_SHORT the letter of -KEY */
	const char *name;  /* --NAME; NULL ends a table */
	unsigned flags;    /* LV_OPT_* */
	const char *arg;   /* the value's name in help (FILE, DIR, N, ...); NULL: a flag */
	const char *help;  /* NULL: one help line per value (see values) */
	/* The words the value can be (i = 0, 1, ... until NULL), each with
	 * its help in *help; NULL: any word.  Shown in help, completed. */
	const char *(*values)(size_t i, const char **help);
};

/* What main.c provides before running the verb. */
enum {
	LV_NEEDS_MANIFEST = 1,
	LV_NEEDS_CACHE = 2,
	LV_NEEDS_LOCK = 4,     /* a lockfile that is the resolution of the manifest (else exit 3) */
	LV_NEEDS_ANY_LOCK = 8, /* a lockfile, stale or not (a warning when stale) */
};

/* "512M", "2G", "100k" or bytes; 0 when it is not a size. */
unsigned long long lv_parse_size(const char *s);

struct lv_verb {
	const char *name;
	int (*run)(struct lv_ctx *ctx, int argc, char **argv);
	unsigned needs;          /* LV_NEEDS_* */
	const char *synopsis;    /* the usage forms, one a line, each "VERB ARGS..." */
	const char *summary;     /* one line for the verb list of `livec --help` */
	const char *description; /* printed after the usage */
	const struct lv_opt *opts;
	const char *epilogue;    /* printed after the options, or NULL */
};

/* A named entry of the man page's EXIT STATUS, ENVIRONMENT and FILES
 * sections; NULL name ends a list. */
struct lv_doc_item {
	const char *name, *text;
};

/* The whole program: main.c's own table (its synopsis, description and
 * common options as a struct lv_verb) and what only the man page says. */
struct lv_program {
	const struct lv_verb *main;
	const struct lv_verb *const *verbs;
	size_t nverbs;
	const char *opts_title;  /* "options (before or after the verb)" */
	const char *whatis;      /* the man page's NAME line, after "livec - " */
	const struct lv_doc_item *exit_status, *environment, *files;
	const char *see_also;
};

/* The next option of argv (getopt_long over the verb's table, with -h and
 * --help added): its key, with its value in optarg; LV_OPT_HELP after
 * printing the verb's help; -1 when no option is left (optind is the first
 * argument); '?' for an option that is not in the table or lacks its value
 * (getopt has said so on stderr). */
int lv_opt_next(const struct lv_verb *v, int argc, char **argv);

/* The option of `opts` that the word `arg` is (-K, --NAME, or --NAME=VALUE
 * for one that takes a value, with VALUE in *value, else *value = NULL), or
 * NULL. */
const struct lv_opt *lv_opt_match(const struct lv_opt *opts, const char *arg, const char **value);

/* 1 if the word `arg` is an option of `opts` whose value is the next word
 * (-K or --NAME of an option with a required value). */
int lv_opt_takes_value(const struct lv_opt *opts, const char *arg);

/* One entry of an option list: the option, its help, and for an option
 * with values but no help of its own, the run of values that share this
 * help ("tar|tar.gz|tar.zst"; else ""). */
struct lv_opt_row {
	const struct lv_opt *opt;
	char values[128];
	const char *help;
};
/* The rows of the options of `opts` that are not hidden, at most `max`;
 * returns how many. */
size_t lv_opt_rows(const struct lv_opt *opts, struct lv_opt_row *rows, size_t max);

/* `livec VERB --help` */
void lv_help_print(FILE *out, const struct lv_verb *v);
/* `livec --help`: the usage, the verb list and the common options */
void lv_usage_print(FILE *out, const struct lv_program *p);

/* The usage forms of `synopsis`, "livec FORM", each wrapped at spaces
 * outside brackets to `width` columns after `first` (then after `next`
 * and the space the verb name takes). */
void lv_synopsis_print(FILE *out, const char *synopsis, const char *first, const char *next, int width);

/* livec.1, in roff (man.c). */
void lv_man_write(FILE *out, const struct lv_program *p);
/* The bash completion script, a function _livec (completion.c). */
void lv_completion_write(FILE *out, const struct lv_program *p);

#endif
