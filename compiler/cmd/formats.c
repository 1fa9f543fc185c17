/* The output formats (formats.h). */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "cmd/formats.h"

static const char tree_only[] = "the root tree only";

static const struct lv_format formats[] = {
	{ "iso", LV_FORMAT_ISO, LV_COMPRESS_NONE, NULL, ".iso",
	  "the bootable live ISO (default): cloop image of the read-only directories, root_fs.tgz, "
	  "initramfs, ISOLINUX" },
	{ "tar", LV_FORMAT_TAR, LV_COMPRESS_NONE, "rootfs", ".tar", tree_only },
	{ "tar.gz", LV_FORMAT_TAR, LV_COMPRESS_GZIP, "rootfs", ".tar.gz", tree_only },
	{ "tar.zst", LV_FORMAT_TAR, LV_COMPRESS_ZSTD, "rootfs", ".tar.zst", tree_only },
	{ "dir", LV_FORMAT_DIR, LV_COMPRESS_NONE, "rootfs", "", tree_only },
};

const struct lv_format *lv_format_find(const char *name)
{
	for (size_t i = 0; i < LV_ARRAY_SIZE(formats); i++)
		if (!strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

/* The i-th format that is a file (or any, with files_only 0). */
static const struct lv_format *nth(size_t i, int files_only)
{
	for (size_t k = 0; k < LV_ARRAY_SIZE(formats); k++)
		if ((!files_only || formats[k].kind != LV_FORMAT_DIR) && i-- == 0)
			return &formats[k];
	return NULL;
}

const char *lv_format_value(size_t i, const char **help)
{
	const struct lv_format *f = nth(i, 0);
	*help = f ? f->help : NULL;
	return f ? f->name : NULL;
}

const char *lv_format_file_value(size_t i, const char **help)
{
	const struct lv_format *f = nth(i, 1);
	*help = f ? f->help : NULL;
	return f ? f->name : NULL;
}

void lv_format_names(char *buf, size_t n, int files_only)
{
	size_t len = 0;
	*buf = '\0';
	for (size_t i = 0; nth(i, files_only) && len < n; i++) {
		const char *sep = i == 0 ? "" : nth(i + 1, files_only) ? ", " : " or ";
		len += (size_t)snprintf(buf + len, n - len, "%s%s", sep, nth(i, files_only)->name);
	}
}
