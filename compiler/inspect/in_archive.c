/* Archives read as entries (in_archive.h). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "inspect/in_archive.h"

static char type_of(struct archive_entry *ae)
{
	if (archive_entry_hardlink(ae))
		return 'h';
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG: return 'f';
	case AE_IFDIR: return 'd';
	case AE_IFLNK: return 'l';
	case AE_IFCHR: return 'c';
	case AE_IFBLK: return 'b';
	case AE_IFIFO: return 'p';
	case AE_IFSOCK: return 's';
	default: return '?';
	}
}

/* The path as the medium spells it, minus a leading "./" (livec's tar
 * writes "./etc/...") and a trailing "/"; "." is the root.  Copied into
 * out (a path that does not fit is refused by the caller as empty). */
static const char *plain(const char *raw, char *out, size_t size)
{
	if (!raw)
		return NULL;
	if (raw[0] == '.' && raw[1] == '/')
		raw += 2;
	else if (!strcmp(raw, "."))
		raw = "";
	size_t n = strlen(raw);
	while (n > 0 && raw[n - 1] == '/')
		n--;
	if (n >= size)
		return NULL;
	memcpy(out, raw, n);
	out[n] = '\0';
	return out;
}

static void capability(struct archive_entry *ae, struct lv_xentry *e)
{
	const char *name;
	const void *value;
	size_t len;
	archive_entry_xattr_reset(ae);
	while (archive_entry_xattr_next(ae, &name, &value, &len) == ARCHIVE_OK)
		if (!strcmp(name, "security.capability")) {
			e->cap = value;
			e->cap_len = len;
		}
}

static long read_data(void *src, void *buf, size_t len)
{
	la_ssize_t n = archive_read_data(src, buf, len);
	return n < 0 ? -1 : (long)n;
}

static void setup(struct archive *a, enum lv_xformat f)
{
	archive_read_support_filter_all(a);
	if (f == LV_XFORMAT_ISO9660)
		archive_read_support_format_iso9660(a);
	else if (f == LV_XFORMAT_TAR)
		archive_read_support_format_tar(a);
	else
		archive_read_support_format_cpio(a);
}

/* One header's entry into e (names copied into path and link). */
static int to_entry(struct archive_entry *ae, struct lv_xentry *e, char *path, char *link, size_t size)
{
	memset(e, 0, sizeof(*e));
	e->type = type_of(ae);
	e->path = plain(archive_entry_pathname(ae), path, size);
	e->link = e->type == 'h' ? plain(archive_entry_hardlink(ae), link, size)
		  : e->type == 'l' ? archive_entry_symlink(ae) : NULL;
	if (!e->path || ((e->type == 'h' || e->type == 'l') && !e->link))
		return -1;
	e->mode = archive_entry_perm(ae) & 07777;
	e->uid = (unsigned)archive_entry_uid(ae);
	e->gid = (unsigned)archive_entry_gid(ae);
	e->mtime = archive_entry_mtime(ae);
	e->size = archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0 ? (uint64_t)archive_entry_size(ae) : 0;
	e->rdev_major = archive_entry_rdevmajor(ae);
	e->rdev_minor = archive_entry_rdevminor(ae);
	capability(ae, e);
	return 0;
}

/* Reads the entries after open: fn's error, or -LVE_ARCHIVE (diagnosed). */
static int each_entry(struct archive *a, const char *name, lv_xentry_fn fn, void *ud, struct lv_diags *d)
{
	enum { NAME_MAX_LEN = 8192 };
	char *epath = malloc(NAME_MAX_LEN), *elink = malloc(NAME_MAX_LEN);
	struct archive_entry *ae;
	struct lv_xdata data = { read_data, a };
	int r = epath && elink ? 0 : -ENOMEM, ar = ARCHIVE_OK;

	while (r == 0 && ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN)) {
		struct lv_xentry e;
		if (to_entry(ae, &e, epath, elink, NAME_MAX_LEN) < 0) {
			lv_error(d, "%s: an entry without a usable name", name);
			r = -LVE_ARCHIVE;
		} else if ((r = fn(&e, &data, ud)) == -LVE_ARCHIVE && archive_error_string(a))
			lv_error(d, "%s: '%s': %s", name, e.path, archive_error_string(a));
	}
	if (r == 0 && ar != ARCHIVE_EOF) {
		const char *why = archive_error_string(a);
		lv_error(d, "%s: %s", name, why ? why : "damaged archive");
		r = -LVE_ARCHIVE;
	}
	free(epath);
	free(elink);
	return r;
}

int lv_archive_each(const char *path, const char *name, enum lv_xformat f, lv_xentry_fn fn, void *ud,
		    struct lv_diags *d)
{
	struct archive *a = archive_read_new();
	int r;

	if (!a)
		return -ENOMEM;
	setup(a, f);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		lv_error(d, "cannot read '%s': %s", name, archive_error_string(a));
		r = -LVE_ARCHIVE;
	} else
		r = each_entry(a, name, fn, ud, d);
	archive_read_free(a);
	return r;
}
