/* Direct boot files from a livec ISO (isoboot.h), read with libarchive's
 * ISO 9660 reader; what livec's own image writer put there (boot/vmlinuz,
 * boot/initrd.gz, boot/isolinux/isolinux.cfg). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "run/isoboot.h"

/* A memfd without close-on-exec: the child inherits it. */
static int memfd_path(const char *name, char *path, size_t n)
{
	int fd = memfd_create(name, 0);
	if (fd < 0)
		return -errno;
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

static void memfd_close(const char *path)
{
	int fd;
	if (sscanf(path, "/proc/self/fd/%d", &fd) == 1)
		close(fd);
}

/* The current member of a into a memfd. */
static int member_to_memfd(struct archive *a, const char *name, char *path, size_t n)
{
	int fd = memfd_path(name, path, n);
	char buf[1 << 16];
	ssize_t got;
	if (fd < 0)
		return fd;
	while ((got = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)got) != got) {
			got = -1;
			break;
		}
	return got < 0 ? -LVE_ARCHIVE : 0;
}

/* The first APPEND of the menu, without its initrd=. */
static int first_append(const char *cfg, struct lv_buf *out)
{
	const char *line = cfg ? strstr(cfg, "APPEND ") : NULL;
	if (!line)
		return -LVE_USAGE;
	const char *end = strchr(line, '\n');
	_cleanup_free_ char *args = strndup(line + 7, end ? (size_t)(end - line - 7) : strlen(line + 7));
	char *save = NULL;
	for (char *w = strtok_r(args, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (strncmp(w, "initrd=", 7))
			lv_buf_printf(out, "%s%s", out->len ? " " : "", w);
	return 0;
}

int lv_isoboot_read(const char *iso, struct lv_isoboot *b, struct lv_diags *d)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct lv_buf cfg = { .max = 1 << 20 };
	int r = 0;
	archive_read_support_format_iso9660(a);
	if (archive_read_open_filename(a, iso, 1 << 16) != ARCHIVE_OK) {
		lv_error(d, "cannot read '%s' as an ISO image: %s", iso, archive_error_string(a));
		archive_read_free(a);
		return -LVE_ARCHIVE;
	}
	while (r == 0 && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		if (!strcmp(p, "boot/vmlinuz") && !*b->kernel)
			r = member_to_memfd(a, "vmlinuz", b->kernel, sizeof(b->kernel));
		else if (!strcmp(p, "boot/initrd.gz") && !*b->initrd)
			r = member_to_memfd(a, "initrd", b->initrd, sizeof(b->initrd));
		else if (!strcmp(p, "boot/isolinux/isolinux.cfg")) {
			char buf[4096];
			ssize_t got;
			while ((got = archive_read_data(a, buf, sizeof(buf))) > 0)
				lv_buf_append(&cfg, buf, (size_t)got);
		}
	}
	archive_read_free(a);
	if (r == 0 && (!*b->kernel || !*b->initrd || first_append(cfg.p, &b->append) < 0)) {
		lv_error(d, "'%s' is not a livec image (no boot/vmlinuz, boot/initrd.gz or boot menu)", iso);
		r = -LVE_USAGE;
	}
	lv_buf_release(&cfg);
	return r;
}

void lv_isoboot_release(struct lv_isoboot *b)
{
	memfd_close(b->kernel);
	memfd_close(b->initrd);
	*b->kernel = *b->initrd = '\0';
	lv_buf_release(&b->append);
}
