/* What `livec build --format` can write, one row per format: its name, the
 * default output's name, and the writer; `livec verify` builds and
 * compares the formats that are files.  A new format is a row here, with a
 * writer in formats.c that calls its module in image/. */
#ifndef LV_FORMATS_H
#define LV_FORMATS_H

#include <stddef.h>

#include "image/image.h"
#include "image/out_tar.h"

struct lv_ctx;
struct lv_format;

/* Writes im->tree as im->output in format f; diagnostics to ctx. */
typedef int lv_format_writer(struct lv_ctx *ctx, const struct lv_image *im, const struct lv_format *f);

enum lv_format_kind {
	LV_FORMAT_ISO, /* the live medium: lv_image_write() (image/image.h) */
	LV_FORMAT_TAR, /* the root tree as a tarball: lv_tar_write() (image/out_tar.h) */
	LV_FORMAT_DIR, /* the root tree itself, moved into place */
};

struct lv_format {
	const char *name;          /* --format NAME */
	enum lv_format_kind kind;
	enum lv_compress comp;     /* LV_FORMAT_TAR: the tarball's compression */
	const char *stem;          /* default output: out/NAME/STEM EXT; NULL: the manifest's name */
	const char *ext;           /* ".iso", ".tar.gz", "" (a directory) */
	const char *help;          /* for --help, the man page */
	lv_format_writer *write;
};

/* The format called `name`, or NULL. */
const struct lv_format *lv_format_find(const char *name);

/* lv_opt values (options.h): every format's name and help; only the files'. */
const char *lv_format_value(size_t i, const char **help);
const char *lv_format_file_value(size_t i, const char **help);

/* "iso, tar, tar.gz, tar.zst or dir" (every format, or the files only),
 * for messages. */
void lv_format_names(char *buf, size_t n, int files_only);

#endif
