/* Deterministic newc cpio (out_cpio.h). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "image/out_archive.h"
#include "image/out_cpio.h"

int lv_cpio_write(const struct lv_tree *t, const char *path, char sha256[LV_SHA256_HEX], struct lv_diags *d)
{
	struct lv_archive_out o;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_write_set_format_cpio_newc(a);
	archive_write_add_filter_gzip(a);
	archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	if ((r = lv_archive_start(a, path, &o, d)) < 0) {
		archive_entry_free(e);
		return lv_archive_finish(a, &o, path, r, NULL, d);
	}
	for (size_t i = 1; i < t->n && r == 0; i++) { /* the root itself is implied */
		const struct lv_node *n = &t->v[i];
		archive_entry_clear(e);
		archive_entry_set_pathname(e, n->path);
		archive_entry_set_ino(e, (la_int64_t)i);
		archive_entry_set_dev(e, 0);
		archive_entry_set_nlink(e, n->type == 'd' ? 2 : 1);
		archive_entry_set_uid(e, n->uid);
		archive_entry_set_gid(e, n->gid);
		archive_entry_set_mtime(e, n->mtime, 0);
		archive_entry_set_perm(e, n->mode);
		archive_entry_set_size(e, 0);
		switch (n->type) {
		case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, n->link);
			break;
		case 'c':
		case 'b':
			archive_entry_set_filetype(e, n->type == 'c' ? AE_IFCHR : AE_IFBLK);
			archive_entry_set_rdevmajor(e, n->rdev_major);
			archive_entry_set_rdevminor(e, n->rdev_minor);
			break;
		case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)n->size);
		}
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			lv_error(d, "cpio: '%s': %s", n->path, archive_error_string(a));
			r = -LVE_ARCHIVE;
			break;
		}
		if (n->type != 'f' || !n->size)
			continue;
		if ((r = lv_archive_write_data(a, t, n, d)) < 0)
			break;
	}
	archive_entry_free(e);
	return lv_archive_finish(a, &o, path, r, sha256, d);
}
