/* The option tables (cmd/options.h): parsing a verb's argv with
 * lv_opt_next(), what main.c asks of them (lv_opt_match,
 * lv_opt_takes_value), the layout of --help, and the output formats'
 * table (cmd/formats.h). */
#define _GNU_SOURCE
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/formats.h"
#include "cmd/options.h"

static const char *color(size_t i, const char **help)
{
	static const char *const names[] = { "red", "green", "blue" };
	*help = i == 0 ? "warm" : "cold";
	return i < 3 ? names[i] : NULL;
}

static const struct lv_opt opts[] = {
	{ 'c', "color", LV_OPT_SHORT, "COLOR", NULL, color },
	{ 'o', "output", LV_OPT_SHORT, "FILE", "write there instead of standard output, which is where "
	  "it goes by default when no file is named", NULL },
	{ 'k', "keep", 0, NULL, "keep it", NULL },
	{ 'V', "vnc", LV_OPT_OPTIONAL, "HOST:N", "show the screen", NULL },
	{ 'L', "a-rather-long-option", 0, "VALUE", "on a line of its own", NULL },
	{ 'X', "secret", LV_OPT_HIDDEN, NULL, NULL, NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

static int run(struct lv_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc, (void)argv;
	return 0;
}

static const struct lv_verb verb = {
	.name = "paint",
	.run = run,
	.synopsis = "paint [--color COLOR] [--output FILE] [--keep] [--vnc[=HOST:N]] [--a-rather-long-option "
		    "VALUE] MANIFEST\npaint info FILE",
	.summary = "paint the image",
	.description = "Paints.\n  a list line",
	.opts = opts,
	.epilogue = "Dries.",
};

static void next_returns_each_option_and_its_value(void **s)
{
	(void)s;
	char *argv[] = { "paint", "-c", "red", "m.yaml", "--output=o.txt", "--keep", "--vnc", "--secret",
			 "--vnc=:1", NULL };
	int argc = 9;
	optind = 0;
	assert_int_equal(lv_opt_next(&verb, argc, argv), 'c');
	assert_string_equal(optarg, "red");
	assert_int_equal(lv_opt_next(&verb, argc, argv), 'o');
	assert_string_equal(optarg, "o.txt");
	assert_int_equal(lv_opt_next(&verb, argc, argv), 'k');
	assert_int_equal(lv_opt_next(&verb, argc, argv), 'V');
	assert_null(optarg);
	assert_int_equal(lv_opt_next(&verb, argc, argv), 'X');
	assert_int_equal(lv_opt_next(&verb, argc, argv), 'V');
	assert_string_equal(optarg, ":1");
	assert_int_equal(lv_opt_next(&verb, argc, argv), -1);
	assert_int_equal(optind, argc - 1);
	assert_string_equal(argv[optind], "m.yaml");
}

static void next_refuses_what_the_table_does_not_have(void **s)
{
	(void)s;
	char *long_only[] = { "paint", "-k", NULL };
	char *unknown[] = { "paint", "--frob", NULL };
	char *no_value[] = { "paint", "--output", NULL };
	optind = 0;
	opterr = 0;
	assert_int_equal(lv_opt_next(&verb, 2, long_only), '?');
	optind = 0;
	assert_int_equal(lv_opt_next(&verb, 2, unknown), '?');
	optind = 0;
	assert_int_equal(lv_opt_next(&verb, 2, no_value), '?');
	opterr = 1;
}

static void next_prints_the_help_for_dash_h(void **s)
{
	(void)s;
	char *argv[] = { "paint", "-h", NULL };
	optind = 0;
	fflush(stdout);
	FILE *saved = stdout;
	char *buf = NULL;
	size_t n = 0;
	stdout = open_memstream(&buf, &n);
	int c = lv_opt_next(&verb, 2, argv);
	fclose(stdout);
	stdout = saved;
	assert_int_equal(c, LV_OPT_HELP);
	assert_non_null(strstr(buf, "usage: livec paint"));
	free(buf);
}

static void match_knows_short_long_and_inline_values(void **s)
{
	(void)s;
	const char *v;
	assert_ptr_equal(lv_opt_match(opts, "-c", &v), &opts[0]);
	assert_null(v);
	assert_ptr_equal(lv_opt_match(opts, "--output=x", &v), &opts[1]);
	assert_string_equal(v, "x");
	assert_ptr_equal(lv_opt_match(opts, "--keep", &v), &opts[2]);
	assert_null(lv_opt_match(opts, "-k", &v));        /* no short form */
	assert_null(lv_opt_match(opts, "--keep=1", &v));  /* a flag takes no value */
	assert_null(lv_opt_match(opts, "--kee", &v));
	assert_null(lv_opt_match(opts, "--keeps", &v));
	assert_null(lv_opt_match(opts, "keep", &v));
}

static void takes_value_means_the_next_word_is_the_value(void **s)
{
	(void)s;
	assert_true(lv_opt_takes_value(opts, "-c"));
	assert_true(lv_opt_takes_value(opts, "--color"));
	assert_true(lv_opt_takes_value(opts, "--a-rather-long-option"));
	assert_false(lv_opt_takes_value(opts, "--color=red"));
	assert_false(lv_opt_takes_value(opts, "--keep"));
	assert_false(lv_opt_takes_value(opts, "--vnc"));   /* optional: only as --vnc=V */
	assert_false(lv_opt_takes_value(opts, "m.yaml"));
}

static void help_lists_values_wraps_and_hides(void **s)
{
	(void)s;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	lv_help_print(f, &verb);
	fclose(f);
	assert_string_equal(buf,
		"usage: livec paint [--color COLOR] [--output FILE] [--keep] [--vnc[=HOST:N]]\n"
		"                   [--a-rather-long-option VALUE] MANIFEST\n"
		"       livec paint info FILE\n"
		"\n"
		"Paints.\n"
		"  a list line\n"
		"\n"
		"  -c, --color red     warm\n"
		"  -c, --color green|blue\n"
		"                      cold\n"
		"  -o, --output FILE   write there instead of standard output, which is where it\n"
		"                      goes by default when no file is named\n"
		"      --keep          keep it\n"
		"      --vnc[=HOST:N]  show the screen\n"
		"      --a-rather-long-option VALUE\n"
		"                      on a line of its own\n"
		"\n"
		"Dries.\n");
	free(buf);
}

static void formats_name_their_writer_and_default_output(void **s)
{
	(void)s;
	const struct lv_format *f = lv_format_find("tar.gz");
	assert_non_null(f);
	assert_int_equal(f->kind, LV_FORMAT_TAR);
	assert_int_equal(f->comp, LV_COMPRESS_GZIP);
	assert_string_equal(f->stem, "rootfs");
	assert_string_equal(f->ext, ".tar.gz");
	f = lv_format_find("iso");
	assert_int_equal(f->kind, LV_FORMAT_ISO);
	assert_null(f->stem);
	assert_string_equal(f->ext, ".iso");
	assert_int_equal(lv_format_find("dir")->kind, LV_FORMAT_DIR);
	assert_int_equal(lv_format_find("tar.zst")->comp, LV_COMPRESS_ZSTD);
	assert_null(lv_format_find("zip"));
	assert_null(lv_format_find("ISO"));
}

static void format_lists_for_messages_and_values(void **s)
{
	(void)s;
	char names[128];
	const char *help;
	lv_format_names(names, sizeof(names), 0);
	assert_string_equal(names, "iso, tar, tar.gz, tar.zst or dir");
	lv_format_names(names, sizeof(names), 1);
	assert_string_equal(names, "iso, tar, tar.gz or tar.zst");
	assert_string_equal(lv_format_value(4, &help), "dir");
	assert_null(lv_format_value(5, &help));
	assert_string_equal(lv_format_file_value(3, &help), "tar.zst");
	assert_null(lv_format_file_value(4, &help));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(next_returns_each_option_and_its_value),
		cmocka_unit_test(next_refuses_what_the_table_does_not_have),
		cmocka_unit_test(next_prints_the_help_for_dash_h),
		cmocka_unit_test(match_knows_short_long_and_inline_values),
		cmocka_unit_test(takes_value_means_the_next_word_is_the_value),
		cmocka_unit_test(help_lists_values_wraps_and_hides),
		cmocka_unit_test(formats_name_their_writer_and_default_output),
		cmocka_unit_test(format_lists_for_messages_and_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
