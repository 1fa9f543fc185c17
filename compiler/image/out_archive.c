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
#include "base/fsutil.h"
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

static la_ssize_t out_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct lv_archive_out *o = arg;
	int r = lv_write_all(o->fd, buf, n);
	if (r < 0) {
		archive_set_error(a, -r, "%s", strerror(-r));
		return -1;
	}
	lv_sha256_update(&o->sha, buf, n);
	return (la_ssize_t)n;
}

int lv_archive_start(struct archive *a, const char *path, struct lv_archive_out *o, struct lv_diags *d)
{
	*o = (struct lv_archive_out){ .fd = -1 };
	lv_sha256_init(&o->sha);
	if (asprintf(&o->tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		o->tmp = NULL;
		return -ENOMEM;
	}
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	/* 0644 whatever the umask: the mode reaches the ISO's tree */
	if (o->fd >= 0 && fchmod(o->fd, 0644) < 0) {
		int e = errno;
		close(o->fd);
		o->fd = -1;
		errno = e; /* fchmod's, for the message */
	}
	if (o->fd < 0) {
		lv_error(d, "cannot write '%s': %s", o->tmp, strerror(errno));
		return -errno;
	}
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open2(a, o, NULL, out_write, NULL, NULL) != ARCHIVE_OK) {
		lv_error(d, "cannot write '%s': %s", o->tmp, archive_error_string(a));
		return -LVE_ARCHIVE;
	}
	return 0;
}

int lv_archive_finish(struct archive *a, struct lv_archive_out *o, const char *path, int r,
		      char sha256[LV_SHA256_HEX], struct lv_diags *d)
{
	if (archive_write_close(a) != ARCHIVE_OK && r == 0) {
		lv_error(d, "cannot finish '%s': %s", o->tmp, archive_error_string(a));
		r = -LVE_ARCHIVE;
	}
	archive_write_free(a);
	if (o->fd >= 0 && close(o->fd) < 0 && r == 0) {
		lv_error(d, "cannot write '%s': %s", o->tmp, strerror(errno));
		r = -errno;
	}
	if (r == 0 && rename(o->tmp, path) < 0)
		r = -errno;
	if (r < 0 && o->tmp)
		unlink(o->tmp);
	if (r == 0 && sha256)
		lv_sha256_hex(&o->sha, sha256);
	free(o->tmp);
	o->tmp = NULL;
	o->fd = -1;
	return r;
}
