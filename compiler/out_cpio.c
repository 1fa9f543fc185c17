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

#include "cleanup.h"
#include "err.h"
#include "out_archive.h"
#include "out_cpio.h"

int lv_cpio_write(const struct lv_tree *t, const char *path, struct lv_diags *d)
{
	_cleanup_free_ char *tmp = NULL;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -ENOMEM;
	archive_write_set_format_cpio_newc(a);
	archive_write_add_filter_gzip(a);
	archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		lv_error(d, "cannot write '%s': %s", tmp, archive_error_string(a));
		archive_write_free(a);
		archive_entry_free(e);
		return -LVE_ARCHIVE;
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
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = -LVE_ARCHIVE;
	archive_write_free(a);
	archive_entry_free(e);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}
