/* Staging files for the medium and the initramfs (stage.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/inroot.h"
#include "image/stage.h"
#include "repo/deb.h"

int lv_stage_copy(int rootfd, const char *from, const char *to, mode_t mode)
{
	struct lv_buf b = { .max = 4u << 30 };
	int r = rootfd >= 0 ? lv_inroot_read(rootfd, from, &b) : lv_read_file(from, &b);
	if (r == 0)
		r = lv_write_atomic(to, b.p ? b.p : "", b.len);
	if (r == 0)
		r = chmod(to, mode) < 0 ? -errno : 0;
	lv_buf_release(&b);
	return r;
}

int lv_stage_text(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = lv_path_join(dir, name);
	_cleanup_free_ char *pd = lv_dirname(p);
	lv_mkdir_p(pd, 0755);
	int r = lv_write_atomic(p, text, strlen(text));
	return r == 0 && chmod(p, 0644) < 0 ? -errno : r;
}

static const struct lv_lockpkg *boot_pkg(const struct lv_lock *l, const char *name)
{
	for (size_t i = 0; i < l->boot.n; i++)
		if (!strcmp(l->boot.v[i].name, name))
			return &l->boot.v[i];
	return NULL;
}

int lv_stage_has_boot_pkg(const struct lv_image *im, const char *pkg)
{
	return boot_pkg(im->lock, pkg) != NULL;
}

int lv_stage_from_boot_pkg(const struct lv_image *im, const char *pkg, const char *member, const char *out,
			   struct lv_diags *d)
{
	char why[256];
	const struct lv_lockpkg *p = boot_pkg(im->lock, pkg);
	if (!p) {
		lv_error(d, "the boot set has no '%s': add it to packages.boot and run 'livec lock'", pkg);
		return -LVE_MISSING;
	}
	_cleanup_free_ char *deb = lv_cache_blob(im->cache, p->sha256);
	int r = lv_deb_extract_file(deb, member, out, why, sizeof(why));
	if (r < 0)
		lv_error(d, "package '%s': %s", pkg, why);
	return r;
}
