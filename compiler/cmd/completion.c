/* The bash completion of livec, from the same tables as --help
 * (options.h).  `livec --dump-bash-completion` prints it; the build
 * installs it.  It completes the verbs, each verb's long options and the
 * common ones, the words a value can be (--format), directories and file
 * names for values named DIR, FILE, PATH ..., and file names for the
 * verb's arguments (the manifest, the image).  It needs bash only, not
 * the bash-completion package. */
#include <stdio.h>
#include <string.h>

#include "cmd/options.h"

static const char head[] =
	"# bash completion for livec, written by 'livec --dump-bash-completion'\n"
	"# from livec's option tables.\n"
	"\n"
	"_livec_files()\n"
	"{\n"
	"\tcompopt -o filenames 2>/dev/null\n"
	"\tmapfile -t COMPREPLY < <(compgen \"$1\" -- \"$2\")\n"
	"}\n"
	"\n"
	"_livec_words()\n"
	"{\n"
	"\tmapfile -t COMPREPLY < <(compgen -W \"$1\" -- \"$2\")\n"
	"}\n"
	"\n"
	"_livec()\n"
	"{\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= verb= words= i\n"
	"\tCOMPREPLY=()\n"
	"\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	"\t# bash splits --opt=value at the '='\n"
	"\tif [[ $cur == = ]]; then\n"
	"\t\tcur=\n"
	"\telif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
	"\t\tprev=${COMP_WORDS[COMP_CWORD-2]}\n"
	"\tfi\n";

static const char tail[] =
	"\tif [[ -n $verb && $cur != -* ]]; then\n"
	"\t\t_livec_files -f \"$cur\"\n"
	"\t\treturn\n"
	"\tfi\n"
	"\t_livec_words \"$words\" \"$cur\"\n"
	"}\n"
	"\n"
	"complete -F _livec livec\n";

/* How a value is completed, from its name in help: directories for a
 * DIR, file names for a FILE, PATH or SHA256SUMS; else nothing. */
static const char *arg_action(const char *arg)
{
	if (strstr(arg, "DIR"))
		return "_livec_files -d \"$cur\"; ";
	if (strstr(arg, "FILE") || strstr(arg, "PATH") || strstr(arg, "SHA256SUMS"))
		return "_livec_files -f \"$cur\"; ";
	return "";
}

static void value_words(FILE *out, const struct lv_opt *o)
{
	const char *word, *help;
	fputs("_livec_words '", out);
	for (size_t i = 0; (word = o->values(i, &help)); i++)
		fprintf(out, "%s%s", i ? " " : "", word);
	fputs("' \"$cur\"; ", out);
}

/* A case arm per option whose value is the next word: the value's words,
 * file names, or nothing to offer. */
static void value_cases(FILE *out, const struct lv_opt *opts, const char *indent)
{
	fprintf(out, "%scase $prev in\n", indent);
	for (const struct lv_opt *o = opts; o->name; o++) {
		if (!o->arg || (o->flags & (LV_OPT_OPTIONAL | LV_OPT_HIDDEN)))
			continue;
		fputs(indent, out);
		if (o->flags & LV_OPT_SHORT)
			fprintf(out, "-%c|", o->key);
		fprintf(out, "--%s) ", o->name);
		if (o->values)
			value_words(out, o);
		else
			fputs(arg_action(o->arg), out);
		fputs("return ;;\n", out);
	}
	fprintf(out, "%sesac\n", indent);
}

/* The long options that are not hidden, space-separated. */
static void long_names(FILE *out, const struct lv_opt *opts)
{
	int first = 1;
	for (const struct lv_opt *o = opts; o->name; o++)
		if (!(o->flags & LV_OPT_HIDDEN)) {
			fprintf(out, "%s--%s", first ? "" : " ", o->name);
			first = 0;
		}
}

/* Which verb: the first word that is neither a common option nor its value. */
static void find_verb(FILE *out, const struct lv_opt *common)
{
	fputs("\tfor ((i = 1; i < COMP_CWORD; i++)); do\n\t\tcase ${COMP_WORDS[i]} in\n\t\t", out);
	for (const struct lv_opt *o = common, *sep = NULL; o->name; o++)
		if (o->arg && !(o->flags & (LV_OPT_OPTIONAL | LV_OPT_HIDDEN))) {
			fprintf(out, "%s--%s", sep ? "|" : "", o->name);
			sep = o;
		}
	fputs(")\n\t\t\t((i++))\n\t\t\t[[ ${COMP_WORDS[i]} == = ]] && ((i++)) ;;\n"
	      "\t\t-*) ;;\n"
	      "\t\t*) verb=${COMP_WORDS[i]}; break ;;\n"
	      "\t\tesac\n\tdone\n", out);
}

void lv_completion_write(FILE *out, const struct lv_program *p)
{
	const struct lv_opt *common = p->main->opts;
	fputs(head, out);
	find_verb(out, common);
	value_cases(out, common, "\t");
	fputs("\tcase $verb in\n\t'')\n\t\tif [[ $cur == -* ]]; then\n\t\t\twords='", out);
	long_names(out, common);
	fputs("'\n\t\telse\n\t\t\twords='", out);
	for (size_t i = 0; i < p->nverbs; i++)
		fprintf(out, "%s%s", i ? " " : "", p->verbs[i]->name);
	fputs("'\n\t\tfi ;;\n", out);
	for (size_t i = 0; i < p->nverbs; i++) {
		const struct lv_verb *v = p->verbs[i];
		fprintf(out, "\t%s)\n", v->name);
		value_cases(out, v->opts, "\t\t");
		fputs("\t\twords='", out);
		long_names(out, v->opts);
		fputc(' ', out);
		long_names(out, common);
		fputs("' ;;\n", out);
	}
	fputs("\tesac\n", out);
	fputs(tail, out);
}
