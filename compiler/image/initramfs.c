/* The initramfs (initramfs.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "build/runtime.h"
#include "build/tree.h"
#include "image/initramfs.h"
#include "image/kernel.h"
#include "image/out_cpio.h"
#include "image/stage.h"

/* The directories init expects, livec's runtime files and busybox. */
static int runtime(const struct lv_image *im, const char *dir, struct lv_diags *d)
{
	static const char *const dirs[] = { "bin", "dev", "proc", "sys", "cdrom", "ro", "newroot", "toram",
					    "tmp", "etc/livec/media" };
	/* init, the shutdown program, the cloop server, and what init installs into the live system for /media */
	static const struct { const char *name, *dest; mode_t mode; } files[] = {
		{ "init", "init", 0755 },
		{ "shutdown", "shutdown", 0755 },
		{ "livec-cloopd", "bin/livec-cloopd", 0755 },
		{ "livec-media", "etc/livec/media/livec-media", 0755 },
		{ "livec-media@.service", "etc/livec/media/livec-media@.service", 0644 },
		{ "90-livec-media.rules", "etc/livec/media/90-livec-media.rules", 0644 },
	};
	char p[4096], q[4096];
	int r;
	for (size_t i = 0; i < LV_ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		lv_mkdir_p(p, 0755);
	}
	for (size_t i = 0; i < LV_ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", lv_runtime_dir(), files[i].name);
		snprintf(q, sizeof(q), "%s/%s", dir, files[i].dest);
		if ((r = lv_stage_copy(-1, p, q, files[i].mode)) < 0) {
			lv_error(d, "cannot install livec's runtime file '%s': %s (build livec first)", p,
				 lv_strerror(r));
			return r;
		}
	}
	snprintf(q, sizeof(q), "%s/bin/busybox", dir);
	if ((r = lv_stage_from_boot_pkg(im, "busybox-static", "bin/busybox", q, d)) < 0)
		return r;
	/* the interpreter of init; init makes the other applet links itself */
	snprintf(q, sizeof(q), "%s/bin/sh", dir);
	return symlink("busybox", q) < 0 && errno != EEXIST ? -errno : 0;
}

static int copy_under(int rootfd, const char *from, const char *dir, const char *to)
{
	_cleanup_free_ char *q = lv_path_join(dir, to);
	_cleanup_free_ char *qd = lv_dirname(q);
	lv_mkdir_p(qd, 0755);
	return lv_stage_copy(rootfd, from, q, 0644);
}

/* The modules that find the medium, in load order, and their firmware;
 * /etc/livec/modules and modules.why. */
static int modules(const struct lv_image *im, int rootfd, const char *kver, const char *dir, struct lv_diags *d)
{
	struct lv_kmods km;
	struct lv_buf order = { 0 }, why = { 0 };
	char p[4096], q[4096];
	int r;
	if ((r = lv_kernel_modules(rootfd, kver, &km, d)) < 0)
		return r;
	for (size_t k = 0; k < km.n && r == 0; k++) {
		snprintf(p, sizeof(p), "usr/lib/modules/%s/%s", kver, km.v[k].path);
		snprintf(q, sizeof(q), "lib/modules/%s", km.v[k].path);
		if ((r = copy_under(rootfd, p, dir, q)) < 0)
			lv_error(d, "cannot copy module '%s': %s", km.v[k].path, lv_strerror(r));
		lv_buf_printf(&order, "%s\n", km.v[k].path);
		lv_buf_printf(&why, "module %s: %s\n", km.v[k].name, km.v[k].why);
	}
	for (size_t k = 0; k < km.nfirmware && r == 0; k++) {
		snprintf(p, sizeof(p), "usr/lib/firmware/%s", km.firmware[k]);
		snprintf(q, sizeof(q), "lib/firmware/%s", km.firmware[k]);
		if ((r = copy_under(rootfd, p, dir, q)) < 0)
			lv_error(d, "cannot copy firmware '%s': %s", km.firmware[k], lv_strerror(r));
		lv_buf_printf(&why, "firmware %s: declared by a module above\n", km.firmware[k]);
	}
	lv_kmods_release(&km);
	if (r == 0)
		r = lv_stage_text(dir, "etc/livec/modules", order.p ? order.p : "");
	if (r == 0)
		r = lv_stage_text(dir, "etc/livec/modules.why", why.p ? why.p : "");
	if (r == 0 && im->report)
		lv_buf_printf(im->report, "%s", why.p ? why.p : "");
	lv_buf_release(&order);
	lv_buf_release(&why);
	return r;
}

/* /etc/livec/{id,name,inner,root,readonly,persist,medium.sha256}: what init is
 * told of this image */
static int contract(const struct lv_image *im, const char *id, const char *readonly, const char *medium_sums,
		    const char *dir)
{
	static const char *const inners[] = { [LV_INNER_ISO9660] = "iso9660", [LV_INNER_EXT2] = "ext2" };
	static const char *const roots[] = { [LV_ROOT_TMPFS] = "tmpfs", [LV_ROOT_OVERLAY] = "overlay" };
	char line[128];
	int r;
	snprintf(line, sizeof(line), "%s\n", id);
	if ((r = lv_stage_text(dir, "etc/livec/id", line)) < 0)
		return r;
	snprintf(line, sizeof(line), "%s\n", im->m->name);
	if ((r = lv_stage_text(dir, "etc/livec/name", line)) < 0)
		return r;
	snprintf(line, sizeof(line), "%s\n", inners[im->m->image.inner]);
	if ((r = lv_stage_text(dir, "etc/livec/inner", line)) < 0 ||
	    (r = lv_stage_text(dir, "etc/livec/readonly", readonly)) < 0)
		return r;
	snprintf(line, sizeof(line), "%s\n", roots[im->m->image.root]);
	if ((r = lv_stage_text(dir, "etc/livec/root", line)) < 0 ||
	    (r = lv_stage_text(dir, "etc/livec/medium.sha256", medium_sums)) < 0)
		return r;
	const char *label = im->m->image.persistence.label;
	line[0] = '\0'; /* no label: persistence only when a boot option asks */
	if (label)
		snprintf(line, sizeof(line), "%s %s\n", label,
			 im->m->image.persistence.mode == LV_PERSIST_OVERLAY ? "overlay" : "home");
	return lv_stage_text(dir, "etc/livec/persist", line);
}

int lv_initramfs_write(const struct lv_image *im, int rootfd, const char *kver, const char *id,
		       const char *readonly, const char *medium_sums, const char *out, char sha256[LV_SHA256_HEX],
		       struct lv_diags *d)
{
	_cleanup_free_ char *dir = lv_path_join(im->work, "initramfs");
	int r;
	if ((r = runtime(im, dir, d)) < 0 || (r = modules(im, rootfd, kver, dir, d)) < 0 ||
	    (r = contract(im, id, readonly, medium_sums, dir)) < 0)
		return r;
	struct lv_tree t;
	if ((r = lv_tree_read(dir, LV_TREE_OWN_IDS, im->epoch, &t, d)) < 0)
		return r;
	/* the initramfs belongs to root whoever built it */
	for (size_t i = 0; i < t.n; i++)
		t.v[i].uid = t.v[i].gid = 0;
	r = lv_cpio_write(&t, out, sha256, d);
	lv_tree_release(&t);
	return r;
}
