/* What shaped the bytes (buildinfo.h).
 *
 * Two builds of the same manifest and lock give the same bytes when the
 * code that writes them is the same.  That code is livec and the libraries
 * and tools it writes with: libarchive (tar, cpio, gzip), libisofs (ISO
 * 9660), libdeflate and liblzma (cloop blocks), zlib, genext2fs (an ext2
 * inner file system), and from the lock busybox (the initramfs), syslinux
 * (BIOS) and shim and GRUB (the EFI system partition).  The buildinfo names their versions, so a
 * rebuild that differs can say which of them changed. */
#define _GNU_SOURCE
#include <archive.h>
#include <errno.h>
#include <libdeflate.h>
#include <libisofs/libisofs.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "image/buildinfo.h"
#include "base/child.h"
#include "base/cleanup.h"
#include "base/fsutil.h"

/* The Debian package version of a host tool (dpkg-query), else "?". */
static void tool_version(const char *pkg, char *out, size_t size)
{
	char dq[256];
	snprintf(out, size, "?");
	if (!lv_find_tool("dpkg-query", dq, sizeof(dq)))
		return;
	const char *argv[] = { dq, "-W", "-f=${Version}", pkg, NULL };
	struct lv_buf version = { .max = size - 1 };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_BUFFER, .buf = &version },
			      .err = { LV_CHILD_NULL }, .timeout_s = 30 };
	if (lv_child_run(&c) == 0 && version.len && version.p[0] != '\n')
		snprintf(out, size, "%.*s", (int)strcspn(version.p, "\n"), version.p);
	lv_child_release(&c);
	lv_buf_release(&version);
}

static const char *locked_version(const struct lv_lock *l, const char *name)
{
	for (size_t i = 0; i < l->boot.n; i++)
		if (!strcmp(l->boot.v[i].name, name))
			return l->boot.v[i].version;
	return NULL;
}

void lv_buildinfo(const struct lv_lock *l, int uses_ext2, struct lv_buf *out)
{
	int maj, min, mic;
	char v[128];

	lv_buf_printf(out, "livec: %s\n", LIVEC_VERSION);
	lv_buf_printf(out, "libarchive: %s\n", archive_version_string() + strlen("libarchive "));
	iso_lib_version(&maj, &min, &mic);
	lv_buf_printf(out, "libisofs: %d.%d.%d\n", maj, min, mic);
	lv_buf_printf(out, "libdeflate: %s\n", LIBDEFLATE_VERSION_STRING);
	lv_buf_printf(out, "liblzma: %s\n", lzma_version_string());
	lv_buf_printf(out, "zlib: %s\n", zlibVersion());
	if (uses_ext2) {
		tool_version("genext2fs", v, sizeof(v));
		lv_buf_printf(out, "genext2fs: %s\n", v);
	}
	static const char *const boot[] = { "busybox-static", "isolinux", "syslinux-common", "shim-signed",
					    "shim-helpers-amd64-signed", "grub-efi-amd64-signed" };
	for (size_t i = 0; i < sizeof(boot) / sizeof(boot[0]); i++) {
		const char *bv = locked_version(l, boot[i]);
		if (bv)
			lv_buf_printf(out, "%s: %s\n", boot[i], bv);
	}
}

/* The value of "key: value" in text, as a new string, or NULL. */
static char *value_of(const char *text, const char *key, size_t kl)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > kl + 1 && !strncmp(p, key, kl) && p[kl] == ':' && p[kl + 1] == ' ')
			return strndup(p + kl + 2, len - kl - 2);
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

size_t lv_buildinfo_compare(const char *ours, const char *theirs, struct lv_diags *d)
{
	size_t n = 0;
	/* every key of either side, ours first */
	const char *texts[2] = { ours, theirs };
	for (int side = 0; side < 2; side++)
		for (const char *p = texts[side]; p && *p;) {
			const char *nl = strchr(p, '\n'), *colon = strchr(p, ':');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			if (colon && colon < p + len) {
				size_t kl = (size_t)(colon - p);
				_cleanup_free_ char *key = strndup(p, kl);
				_cleanup_free_ char *a = value_of(ours, key, kl);
				_cleanup_free_ char *b = value_of(theirs, key, kl);
				if ((side == 0 || !a) && (!a || !b || strcmp(a, b))) {
					lv_note(d, "%s differs: this build used %s, the other %s", key,
						a ? a : "none", b ? b : "none");
					n++;
				}
			}
			p = nl ? nl + 1 : NULL;
		}
	return n;
}
