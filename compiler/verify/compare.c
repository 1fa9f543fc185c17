/* Member-by-member comparison of two archives (compare.h). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#include "verify/compare.h"
#include "base/err.h"
#include "base/sha256.h"

static struct archive *open_archive(const char *path)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* ARCHIVE_OK, ARCHIVE_EOF or an error */
static int next(struct archive *a, struct archive_entry **e)
{
	int r = archive_read_next_header(a, e);
	return r == ARCHIVE_WARN ? ARCHIVE_OK : r;
}

static void content_hash(struct archive *a, char hex[LV_SHA256_HEX])
{
	struct lv_sha256 s;
	char buf[1 << 16];
	ssize_t n;
	lv_sha256_init(&s);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		lv_sha256_update(&s, buf, (size_t)n);
	lv_sha256_hex(&s, hex);
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* What differs between two entries with the same path, or NULL. */
static const char *entry_diff(struct archive_entry *x, struct archive_entry *y)
{
	if (archive_entry_filetype(x) != archive_entry_filetype(y))
		return "file type differs";
	if (archive_entry_perm(x) != archive_entry_perm(y))
		return "mode differs";
	if (archive_entry_uid(x) != archive_entry_uid(y) || archive_entry_gid(x) != archive_entry_gid(y))
		return "owner differs";
	if (archive_entry_mtime(x) != archive_entry_mtime(y))
		return "modification time differs";
	if (archive_entry_size(x) != archive_entry_size(y))
		return "size differs";
	if (strcmp(str(archive_entry_symlink(x)), str(archive_entry_symlink(y))))
		return "symlink target differs";
	if (strcmp(str(archive_entry_hardlink(x)), str(archive_entry_hardlink(y))))
		return "hard link differs";
	return NULL;
}

int lv_compare_members(const char *pa, const char *pb, struct lv_buf *what)
{
	struct archive *a = open_archive(pa), *b = open_archive(pb);
	struct archive_entry *x, *y;
	int r = 0, members = 0;

	if (!a || !b) {
		r = -LVE_ARCHIVE;
		goto out;
	}
	for (;;) {
		int ra = next(a, &x), rb = next(b, &y);
		if (ra == ARCHIVE_EOF && rb == ARCHIVE_EOF)
			break;
		if ((ra != ARCHIVE_OK && ra != ARCHIVE_EOF) || (rb != ARCHIVE_OK && rb != ARCHIVE_EOF)) {
			r = members ? 1 : -LVE_ARCHIVE;
			if (r == 1)
				lv_buf_printf(what, "(unreadable after %d members)", members);
			break;
		}
		members++;
		if (ra == ARCHIVE_EOF || rb == ARCHIVE_EOF) {
			lv_buf_printf(what, "%s: only in the %s build", archive_entry_pathname(ra == ARCHIVE_EOF ? y : x),
				      ra == ARCHIVE_EOF ? "second" : "first");
			r = 1;
			break;
		}
		const char *na = str(archive_entry_pathname(x)), *nb = str(archive_entry_pathname(y));
		int c = strcmp(na, nb);
		if (c) {
			lv_buf_printf(what, "%s: only in the %s build", c < 0 ? na : nb, c < 0 ? "first" : "second");
			r = 1;
			break;
		}
		const char *why = entry_diff(x, y);
		if (!why && archive_entry_filetype(x) == AE_IFREG && archive_entry_size(x) > 0) {
			char ha[LV_SHA256_HEX], hb[LV_SHA256_HEX];
			content_hash(a, ha);
			content_hash(b, hb);
			if (strcmp(ha, hb))
				why = "content differs";
		}
		if (why) {
			lv_buf_printf(what, "%s: %s", na, why);
			r = 1;
			break;
		}
	}
out:
	if (a)
		archive_read_free(a);
	if (b)
		archive_read_free(b);
	return r;
}
