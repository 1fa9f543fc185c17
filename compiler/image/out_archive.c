/* Shared by the libarchive writers (out_archive.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "image/out_archive.h"

int lv_archive_write_data(struct archive *a, const struct lv_tree *t, const struct lv_node *n,
			  struct lv_diags *d)
{
	const struct lv_node *data = n->hardlink >= 0 ? &t->v[n->hardlink] : n;
	_cleanup_free_ char *src = lv_tree_source(t, data);
	_cleanup_close_ int fd = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[65536];
	ssize_t got;
	uint64_t left = n->size;

	if (fd < 0) {
		lv_error(d, "cannot read '%s': %s", src, strerror(errno));
		return -errno;
	}
	while (left && (got = read(fd, buf, sizeof(buf))) > 0) {
		size_t w = (size_t)got > left ? (size_t)left : (size_t)got;
		if (archive_write_data(a, buf, w) != (la_ssize_t)w) {
			lv_error(d, "cannot archive '%s': %s", src, archive_error_string(a));
			return -LVE_ARCHIVE;
		}
		left -= w;
	}
	if (left) {
		lv_error(d, "'%s' changed while being archived", src);
		return -EIO;
	}
	return 0;
}

int lv_archive_start(struct archive *a, const char *path, char **tmp, struct lv_diags *d)
{
	if (asprintf(tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -ENOMEM;
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_filename(a, *tmp) != ARCHIVE_OK) {
		lv_error(d, "cannot write '%s': %s", *tmp, archive_error_string(a));
		return -LVE_ARCHIVE;
	}
	return 0;
}

int lv_archive_finish(struct archive *a, char *tmp, const char *path, int r, struct lv_diags *d)
{
	if (archive_write_close(a) != ARCHIVE_OK && r == 0) {
		lv_error(d, "cannot finish '%s': %s", tmp, archive_error_string(a));
		r = -LVE_ARCHIVE;
	}
	archive_write_free(a);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0 && tmp)
		unlink(tmp);
	free(tmp);
	return r;
}
