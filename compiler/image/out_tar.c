/* Deterministic tar (out_tar.h). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "image/out_archive.h"
#include "image/out_tar.h"

static mode_t ftype(char t)
{
	switch (t) {
	case 'd': return AE_IFDIR;
	case 'l': return AE_IFLNK;
	case 'c': return AE_IFCHR;
	case 'b': return AE_IFBLK;
	case 'p': return AE_IFIFO;
	default: return AE_IFREG;
	}
}

int lv_tar_write(const struct lv_tree *t, const char *path, enum lv_compress c, char sha256[LV_SHA256_HEX],
		 struct lv_diags *d)
{
	struct lv_archive_out o;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_write_set_format_pax_restricted(a);
	if (c == LV_COMPRESS_GZIP) {
		archive_write_add_filter_gzip(a);
		/* the gzip header would carry the current time */
		archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	} else if (c == LV_COMPRESS_ZSTD)
		archive_write_add_filter_zstd(a);
	if ((r = lv_archive_start(a, path, &o, d)) < 0) {
		archive_entry_free(e);
		return lv_archive_finish(a, &o, path, r, NULL, d);
	}
	for (size_t i = 0; i < t->n && r == 0; i++) {
		const struct lv_node *n = &t->v[i];
		char name[4200];
		snprintf(name, sizeof(name), "./%s%s", n->path, n->type == 'd' && *n->path ? "/" : "");
		archive_entry_clear(e);
		archive_entry_set_pathname(e, name);
		archive_entry_set_uid(e, n->uid);
		archive_entry_set_gid(e, n->gid);
		archive_entry_set_mtime(e, n->mtime, 0);
		archive_entry_set_perm(e, n->mode);
		archive_entry_set_filetype(e, ftype(n->type));
		if (n->type == 'l')
			archive_entry_set_symlink(e, n->link);
		if (n->type == 'c' || n->type == 'b') {
			archive_entry_set_rdevmajor(e, n->rdev_major);
			archive_entry_set_rdevminor(e, n->rdev_minor);
		}
		if (n->cap)
			archive_entry_xattr_add_entry(e, "security.capability", n->cap, n->cap_len);
		int data = n->type == 'f' && n->hardlink < 0;
		if (n->type == 'f' && n->hardlink >= 0) {
			char first[4200];
			snprintf(first, sizeof(first), "./%s", t->v[n->hardlink].path);
			archive_entry_set_hardlink(e, first);
			archive_entry_set_size(e, 0);
		} else
			archive_entry_set_size(e, data ? (la_int64_t)n->size : 0);
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			lv_error(d, "tar: '/%s': %s", n->path, archive_error_string(a));
			r = -LVE_ARCHIVE;
			break;
		}
		if (!data || !n->size)
			continue;
		if ((r = lv_archive_write_data(a, t, n, d)) < 0)
			break;
	}
	archive_entry_free(e);
	return lv_archive_finish(a, &o, path, r, sha256, d);
}
