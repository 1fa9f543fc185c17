/* .deb streaming (deb.h).  The outer ar is read with libarchive's ar
 * support; the data member is handed to a second archive reader through a
 * read callback, so the inner tar is decompressed as it is read. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "repo/deb.h"
#include "base/err.h"

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

/* Opens the .deb at path and runs scan() on its member whose name starts
 * with `member` (data.tar or control.tar). */
typedef int (*scan_fn)(struct archive *in, void *ud, char *why, size_t whylen);

static int with_member(const char *path, const char *member, scan_fn scan, void *ud, char *why,
		       size_t whylen)
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
		if (strncmp(archive_entry_pathname(e), member, strlen(member)))
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
		snprintf(why, whylen, "not a Debian package: no %s member", member);
	archive_read_free(outer);
	return r;
}

static int with_data_tar(const char *path, scan_fn scan, void *ud, char *why, size_t whylen)
{
	return with_member(path, "data.tar", scan, ud, why, whylen);
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

struct lv_debreader {
	struct archive *in;
};

long lv_deb_read_data(struct lv_debreader *rd, void *buf, size_t len)
{
	return (long)archive_read_data(rd->in, buf, len);
}

struct each_scan {
	lv_deb_extract_fn fn;
	void *ud;
};

static int each_scan(struct archive *in, void *ud, char *why, size_t whylen)
{
	struct each_scan *s = ud;
	struct archive_entry *e;
	struct lv_debreader rd = { .in = in };
	char path[4096], link[4096];
	int r;

	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		struct lv_debentry de = { 0 };
		snprintf(path, sizeof(path), "%s", norm(archive_entry_pathname(e)));
		size_t l = strlen(path);
		while (l && path[l - 1] == '/')
			path[--l] = '\0';
		if (!l)
			continue; /* "./" itself */
		de.path = path;
		const char *hl = archive_entry_hardlink(e);
		mode_t ft = archive_entry_filetype(e);
		if (hl) {
			de.type = 'h';
			snprintf(link, sizeof(link), "%s", norm(hl));
			de.link = link;
		} else if (ft == AE_IFREG)
			de.type = 'f';
		else if (ft == AE_IFDIR)
			de.type = 'd';
		else if (ft == AE_IFLNK) {
			de.type = 'l';
			de.link = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
		} else if (ft == AE_IFCHR || ft == AE_IFBLK) {
			de.type = ft == AE_IFCHR ? 'c' : 'b';
			de.rdev_major = archive_entry_rdevmajor(e);
			de.rdev_minor = archive_entry_rdevminor(e);
		} else if (ft == AE_IFIFO)
			de.type = 'p';
		else {
			snprintf(why, whylen, "%s: unsupported file type", path);
			return -LVE_ARCHIVE;
		}
		de.mode = archive_entry_perm(e) & 07777;
		de.uid = (unsigned)archive_entry_uid(e);
		de.gid = (unsigned)archive_entry_gid(e);
		de.mtime = archive_entry_mtime(e);
		de.size = archive_entry_size(e);
		if ((r = s->fn(&de, &rd, s->ud)) < 0) {
			snprintf(why, whylen, "%s", path);
			return r;
		}
		if (r > 0) /* the callback is done */
			return 0;
	}
	if (r != ARCHIVE_EOF) {
		snprintf(why, whylen, "data.tar: %s", archive_error_string(in));
		return -LVE_ARCHIVE;
	}
	return 0;
}

int lv_deb_each(const char *path, lv_deb_extract_fn fn, void *ud, char *why, size_t whylen)
{
	struct each_scan s = { .fn = fn, .ud = ud };
	return with_data_tar(path, each_scan, &s, why, whylen);
}

struct one_file {
	const char *member, *out;
	int found;
};

static int one_file(const struct lv_debentry *e, struct lv_debreader *rd, void *ud)
{
	struct one_file *o = ud;
	/* merged /usr: a package that moved bin/x to usr/bin/x (trixie's
	 * busybox-static) ships the same file */
	if (e->type != 'f' || (strcmp(e->path, o->member) &&
			       (strncmp(e->path, "usr/", 4) || strcmp(e->path + 4, o->member))))
		return 0;
	FILE *f = fopen(o->out, "we");
	if (!f)
		return -errno;
	char buf[65536];
	long n;
	while ((n = lv_deb_read_data(rd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, f) != (size_t)n)
			break;
	fclose(f);
	chmod(o->out, e->mode & 0111 ? 0755 : 0644);
	o->found = 1;
	return 1; /* stop: found */
}

int lv_deb_extract_file(const char *deb, const char *member, const char *out, char *why, size_t whylen)
{
	struct one_file o = { .member = member, .out = out };
	int r = lv_deb_each(deb, one_file, &o, why, whylen);
	if (r < 0)
		return r;
	if (!o.found) {
		snprintf(why, whylen, "no '%s' in the package", member);
		return -ENOENT;
	}
	return 0;
}

struct control_scan {
	char **text;
	size_t *len;
};

static int control_scan(struct archive *in, void *ud, char *why, size_t whylen)
{
	struct control_scan *s = ud;
	struct archive_entry *e;
	while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
		if (strcmp(norm(archive_entry_pathname(e)), "control"))
			continue;
		la_int64_t size = archive_entry_size(e);
		if (size < 0 || size > (1 << 20)) {
			snprintf(why, whylen, "control file too large");
			return -LVE_TOOBIG;
		}
		*s->text = malloc((size_t)size + 1);
		if (archive_read_data(in, *s->text, (size_t)size) != size) {
			snprintf(why, whylen, "cannot read control: %s", archive_error_string(in));
			return -LVE_ARCHIVE;
		}
		(*s->text)[size] = '\0';
		*s->len = (size_t)size;
		return 0;
	}
	snprintf(why, whylen, "no control file in control.tar");
	return -LVE_ARCHIVE;
}

int lv_deb_control(const char *path, char **text, size_t *len, char *why, size_t whylen)
{
	struct control_scan s = { .text = text, .len = len };
	*text = NULL;
	int r = with_member(path, "control.tar", control_scan, &s, why, whylen);
	if (r < 0) {
		free(*text);
		*text = NULL;
	}
	return r;
}

void lv_debdoc_release(struct lv_debdoc *d)
{
	free(d->copyright);
	free(d->doc_link);
	free(d->copyright_link);
	memset(d, 0, sizeof(*d));
}
