/* Index decompression (decompress.h). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "repo/decompress.h"
#include "base/err.h"

/* Any compression, no archive format: the stream itself is the one
 * "entry".  The raw format does not bid on an empty stream; the empty
 * format takes it and reports the end at once (an empty index, as
 * trixie-updates' non-free-firmware often is). */
static void raw_formats(struct archive *a)
{
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
}

int lv_decompress_file(const char *in, const char *out, uint64_t max, char sha256[LV_SHA256_HEX],
		       uint64_t *size)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	_cleanup_free_ char *tmp = NULL;
	struct lv_sha256 s;
	char buf[65536];
	la_ssize_t n = 0;
	int r = 0;

	if (!a || asprintf(&tmp, "%s.tmp.%ld", out, (long)getpid()) < 0)
		return -ENOMEM;
	raw_formats(a);
	int h = archive_read_open_filename(a, in, 65536) == ARCHIVE_OK ? archive_read_next_header(a, &e)
									: ARCHIVE_FATAL;
	if (h != ARCHIVE_OK && h != ARCHIVE_EOF) {
		archive_read_free(a);
		return -LVE_ARCHIVE;
	}
	FILE *f = fopen(tmp, "we");
	if (!f) {
		archive_read_free(a);
		return -errno;
	}
	lv_sha256_init(&s);
	while (h == ARCHIVE_OK && (n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		if (s.bytes + (uint64_t)n > max) {
			r = -LVE_TOOBIG;
			break;
		}
		lv_sha256_update(&s, buf, (size_t)n);
		if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
			r = -EIO;
			break;
		}
	}
	if (!r && n < 0)
		r = -LVE_ARCHIVE;
	if (fclose(f) != 0 && !r)
		r = -EIO;
	archive_read_free(a);
	if (!r && rename(tmp, out) < 0)
		r = -errno;
	if (r) {
		unlink(tmp);
		return r;
	}
	*size = s.bytes;
	lv_sha256_hex(&s, sha256);
	return 0;
}

int lv_decompress_buf(const void *in, size_t len, struct lv_buf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char buf[65536];
	la_ssize_t n = 0;
	int r = 0;

	if (!a)
		return -ENOMEM;
	raw_formats(a);
	int h = archive_read_open_memory(a, in, len) == ARCHIVE_OK ? archive_read_next_header(a, &e)
								   : ARCHIVE_FATAL;
	if (h != ARCHIVE_OK && h != ARCHIVE_EOF)
		r = -LVE_ARCHIVE;
	while (r == 0 && h == ARCHIVE_OK && (n = archive_read_data(a, buf, sizeof(buf))) > 0)
		r = lv_buf_append(out, buf, (size_t)n);
	if (r == 0 && n < 0)
		r = -LVE_ARCHIVE;
	archive_read_free(a);
	return r;
}
