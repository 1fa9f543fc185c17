/* The output formats (formats.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "cmd/cli.h"
#include "cmd/formats.h"

/* The live medium: the layers in im->work, then the ISO; with --layers the
 * work directory is kept.  -v lists what the initramfs holds and why. */
static int write_iso(struct lv_ctx *ctx, const struct lv_image *im, const struct lv_format *f)
{
	struct lv_buf report = { 0 };
	struct lv_image with_report = *im;
	(void)f;
	lv_remove_tree(im->work);
	lv_mkdir_p(im->work, 0755);
	with_report.report = &report;
	lv_say(ctx, "writing the layers and %s", im->output);
	int r = lv_image_write(&with_report, &ctx->d);
	for (char *line = report.p, *nl; line && *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = '\0';
		if (!strncmp(line, "cache: ", 7))
			lv_debug(ctx, "%s", line + 7);
		else
			lv_debug(ctx, "initramfs: %s", line);
	}
	lv_buf_release(&report);
	if (r == 0 && im->layers) {
		lv_remove_tree(im->layers);
		if (rename(im->work, im->layers) < 0) {
			r = -errno;
			lv_error(&ctx->d, "cannot keep the layers in '%s': %s", im->layers, strerror(errno));
		}
	}
	lv_remove_tree(im->work);
	return r;
}

static int write_tar(struct lv_ctx *ctx, const struct lv_image *im, const struct lv_format *f)
{
	lv_say(ctx, "writing %s (%zu entries)", im->output, im->tree->n);
	return lv_tar_write(im->tree, im->output, f->comp, NULL, &ctx->d);
}

/* The tree itself: owners, modes and times as the IR has them (the
 * image's ids, not the range they had on disk), then moved into place. */
static int write_dir(struct lv_ctx *ctx, const struct lv_image *im, const struct lv_format *f)
{
	const struct lv_tree *t = im->tree;
	(void)f;
	size_t stripped;
	int r = lv_tree_apply(t, &stripped);
	if (r < 0) {
		lv_error(&ctx->d, "cannot give the tree in '%s' its owners and times: %s", t->root, lv_strerror(r));
		return r;
	}
	if (stripped)
		lv_note(&ctx->d, "rootless: %zu setuid or setgid programs of root's are not setuid or setgid in "
				 "the directory (they would run as you); the ISO and tarballs keep them", stripped);
	lv_remove_tree(im->output);
	if (rename(t->root, im->output) < 0) {
		r = -errno;
		lv_error(&ctx->d, "cannot move the tree to '%s': %s", im->output, strerror(errno));
		return r;
	}
	lv_say(ctx, "wrote %s (%zu entries)", im->output, t->n);
	return 0;
}

static const char tree_only[] = "the root tree only";

static const struct lv_format formats[] = {
	{ "iso", LV_FORMAT_ISO, LV_COMPRESS_NONE, NULL, ".iso",
	  "the bootable live ISO (default): cloop image of the read-only directories, root_fs.tgz, "
	  "initramfs, ISOLINUX", write_iso },
	{ "tar", LV_FORMAT_TAR, LV_COMPRESS_NONE, "rootfs", ".tar", tree_only, write_tar },
	{ "tar.gz", LV_FORMAT_TAR, LV_COMPRESS_GZIP, "rootfs", ".tar.gz", tree_only, write_tar },
	{ "tar.zst", LV_FORMAT_TAR, LV_COMPRESS_ZSTD, "rootfs", ".tar.zst", tree_only, write_tar },
	{ "dir", LV_FORMAT_DIR, LV_COMPRESS_NONE, "rootfs", "", tree_only, write_dir },
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
