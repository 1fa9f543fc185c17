/* Shared by the libarchive writers (out_archive.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "out_archive.h"

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
