/* What `livec build --format` can write, one row per format; `livec verify`
 * builds and compares the formats that are files.  A new format is a row
 * here (and its writer in image/). */
#ifndef LV_FORMATS_H
#define LV_FORMATS_H

#include <stddef.h>

#include "image/out_tar.h"

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
