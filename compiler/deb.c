/* .deb streaming (deb.h).  The outer ar is read with libarchive's ar
 * support; the data member is handed to a second archive reader through a
 * read callback, so the inner tar is decompressed as it is read. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deb.h"
#include "err.h"

#define LV_COPYRIGHT_MAX (8u << 20)

struct inner_src {
	struct archive *outer;
	char buf[65536];
};

static la_ssize_t inner_read(struct archive *a, void *ud, const void **out)
{
	struct inner_src *s = ud;
	(void)a;
	la_ssize_t n = archive_read_data(s->outer, s->buf, sizeof(s->buf));
	*out = s->buf;
	return n;
}

/* "./usr/share/doc/x" -> "usr/share/doc/x" */
static const char *norm(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	return p;
}

static int scan_data(struct archive *in, const char *pkg, struct lv_debdoc *out, char *why, size_t whylen)
{
	struct archive_entry *e;
	char dir[512], file[600];
	int r;

	snprintf(dir, sizeof(dir), "usr/share/doc/%s", pkg);
	snprintf(file, sizeof(file), "%s/copyright", dir);
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *p = norm(archive_entry_pathname(e));
		size_t pl = strlen(p);
		while (pl && p[pl - 1] == '/')
			pl--;
		int is_dir = pl == strlen(dir) && !strncmp(p, dir, pl);
		int is_file = pl == strlen(file) && !strncmp(p, file, pl);
		if (!is_dir && !is_file)
			continue;
		if (archive_entry_filetype(e) == AE_IFLNK) {
			const char *t = archive_entry_symlink(e);
			if (is_dir)
				out->doc_link = strdup(t ? t : "");
			else
				out->copyright_link = strdup(t ? t : "");
			return 0;
		}
		if (is_file && archive_entry_filetype(e) == AE_IFREG) {
			la_int64_t size = archive_entry_size(e);
			if (size < 0 || size > (la_int64_t)LV_COPYRIGHT_MAX) {
				snprintf(why, whylen, "%s is too large", file);
				return -LVE_TOOBIG;
			}
			out->copyright = malloc((size_t)size + 1);
			la_ssize_t got = archive_read_data(in, out->copyright, (size_t)size);
			if (got != size) {
				snprintf(why, whylen, "cannot read %s: %s", file, archive_error_string(in));
				return -LVE_ARCHIVE;
			}
			out->copyright[size] = '\0';
			out->copyright_len = (size_t)size;
			return 0;
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(why, whylen, "data.tar: %s", archive_error_string(in));
		return -LVE_ARCHIVE;
	}
	return 0;
}

/* Opens the .deb at path and runs scan() on its data tar. */
typedef int (*scan_fn)(struct archive *in, void *ud, char *why, size_t whylen);

static int with_data_tar(const char *path, scan_fn scan, void *ud, char *why, size_t whylen)
{
	struct archive *outer = archive_read_new();
	struct archive_entry *e;
	int r = -LVE_ARCHIVE, found = 0;

	archive_read_support_format_ar(outer);
	if (archive_read_open_filename(outer, path, 65536) != ARCHIVE_OK) {
		snprintf(why, whylen, "%s", archive_error_string(outer));
		archive_read_free(outer);
		return -LVE_ARCHIVE;
	}
	while (archive_read_next_header(outer, &e) == ARCHIVE_OK) {
		if (strncmp(archive_entry_pathname(e), "data.tar", 8))
			continue;
		found = 1;
		struct inner_src *src = malloc(sizeof(*src));
		src->outer = outer;
		struct archive *in = archive_read_new();
		archive_read_support_filter_all(in);
		archive_read_support_format_tar(in);
		if (archive_read_open(in, src, NULL, inner_read, NULL) != ARCHIVE_OK) {
			snprintf(why, whylen, "data.tar: %s", archive_error_string(in));
			r = -LVE_ARCHIVE;
		} else
			r = scan(in, ud, why, whylen);
		archive_read_free(in);
		free(src);
		break;
	}
	if (!found)
		snprintf(why, whylen, "not a Debian package: no data.tar member");
	archive_read_free(outer);
	return r;
}

struct doc_scan {
	const char *pkg;
	struct lv_debdoc *out;
};

static int doc_scan(struct archive *in, void *ud, char *why, size_t whylen)
{
	struct doc_scan *s = ud;
	return scan_data(in, s->pkg, s->out, why, whylen);
}

int lv_deb_read_doc(const char *path, const char *pkg, struct lv_debdoc *out, char *why, size_t whylen)
{
	struct doc_scan s = { .pkg = pkg, .out = out };
	memset(out, 0, sizeof(*out));
	int r = with_data_tar(path, doc_scan, &s, why, whylen);
	if (r < 0)
		lv_debdoc_release(out);
	return r;
}

struct list_scan {
	lv_deb_entry_fn fn;
	void *ud;
};

static int list_scan(struct archive *in, void *ud, char *why, size_t whylen)
{
	struct list_scan *s = ud;
	struct archive_entry *e;
	int r;
	char path[4096];

	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		snprintf(path, sizeof(path), "%s", norm(archive_entry_pathname(e)));
		size_t l = strlen(path);
		while (l && path[l - 1] == '/')
			path[--l] = '\0';
		if (!l)
			continue;
		char type = archive_entry_hardlink(e) ? 'h'
			    : archive_entry_filetype(e) == AE_IFREG ? 'f'
			    : archive_entry_filetype(e) == AE_IFDIR ? 'd'
			    : archive_entry_filetype(e) == AE_IFLNK ? 'l' : 'o';
		s->fn(path, type, s->ud);
	}
	if (r != ARCHIVE_EOF) {
		snprintf(why, whylen, "data.tar: %s", archive_error_string(in));
		return -LVE_ARCHIVE;
	}
	return 0;
}

int lv_deb_list(const char *path, lv_deb_entry_fn fn, void *ud, char *why, size_t whylen)
{
	struct list_scan s = { .fn = fn, .ud = ud };
	return with_data_tar(path, list_scan, &s, why, whylen);
}

void lv_debdoc_release(struct lv_debdoc *d)
{
	free(d->copyright);
	free(d->doc_link);
	free(d->copyright_link);
	memset(d, 0, sizeof(*d));
}
