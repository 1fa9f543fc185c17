/* The live ISO (image.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/bootmenu.h"
#include "base/buf.h"
#include "base/cleanup.h"
#include "image/cloop.h"
#include "repo/deb.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "image/image.h"
#include "build/inroot.h"
#include "image/kernel.h"
#include "image/out_cpio.h"
#include "image/out_ext2.h"
#include "image/out_fat.h"
#include "image/out_iso9660.h"
#include "license/out_spdx.h"
#include "image/out_tar.h"
#include "base/sha256.h"
#include "manifest/yamltree.h"

const char *lv_runtime_dir(void)
{
	const char *e = getenv("LIVEC_RUNTIME_DIR");
	return e && *e ? e : LIVEC_RUNTIME_DIR;
}

struct split {
	char **ro;
	size_t n;
	int all;       /* image.root: overlay: the whole tree is read-only */
	int inner;     /* 1: keep the read-only part; 0: keep the rest */
};

static int under(const char *path, const char *dir)
{
	size_t l = strlen(dir);
	return !strncmp(path, dir, l) && (path[l] == '\0' || path[l] == '/');
}

static int keep_split(const struct lv_node *n, void *ud)
{
	struct split *s = ud;
	if (s->all)
		return s->inner;
	for (size_t i = 0; i < s->n; i++) {
		if (!strcmp(n->path, s->ro[i]))
			return 1; /* the directory itself is in both: a mount point in the root */
		if (under(n->path, s->ro[i]))
			return s->inner;
	}
	return !s->inner;
}

/* Copies a regular file to a host path of livec's own: from the image's
 * tree (read inside its root) when rootfd >= 0, else from livec's own
 * host path. */
static int copy_in(int rootfd, const char *from, const char *to, mode_t mode)
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

static int copy_file(const char *from, const char *to, mode_t mode)
{
	return copy_in(-1, from, to, mode);
}

static int write_text(const char *dir, const char *name, const char *text)
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

static int from_boot_pkg(const struct lv_image *im, const char *pkg, const char *member, const char *out,
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


static int initramfs(const struct lv_image *im, int rootfd, const char *kver, const char *id,
		     const char *inner_type, const char *root_mode, const char *readonly, const char *out,
		     struct lv_diags *d)
{
	_cleanup_free_ char *dir = lv_path_join(im->work, "initramfs");
	char p[4096], q[4096];
	int r;

	static const char *const dirs[] = { "bin", "dev", "proc", "sys", "cdrom", "ro", "newroot", "toram",
					    "tmp", "etc/livec" };
	for (size_t i = 0; i < LV_ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		lv_mkdir_p(p, 0755);
	}
	/* livec's runtime (runtime/): init, the cloop server, and what init
	 * installs into the live system for /media */
	static const struct { const char *name, *dest; mode_t mode; } files[] = {
		{ "init", "init", 0755 },
		{ "livec-cloopd", "bin/livec-cloopd", 0755 },
		{ "livec-media", "etc/livec/media/livec-media", 0755 },
		{ "livec-media@.service", "etc/livec/media/livec-media@.service", 0644 },
		{ "90-livec-media.rules", "etc/livec/media/90-livec-media.rules", 0644 },
	};
	snprintf(p, sizeof(p), "%s/etc/livec/media", dir);
	lv_mkdir_p(p, 0755);
	for (size_t i = 0; i < LV_ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", lv_runtime_dir(), files[i].name);
		snprintf(q, sizeof(q), "%s/%s", dir, files[i].dest);
		if ((r = copy_file(p, q, files[i].mode)) < 0) {
			lv_error(d, "cannot install livec's runtime file '%s': %s (build livec first)", p,
				 lv_strerror(r));
			return r;
		}
	}
	snprintf(q, sizeof(q), "%s/bin/busybox", dir);
	if ((r = from_boot_pkg(im, "busybox-static", "bin/busybox", q, d)) < 0)
		return r;
	/* the interpreter of init; init makes the other applet links itself */
	snprintf(q, sizeof(q), "%s/bin/sh", dir);
	if (symlink("busybox", q) < 0 && errno != EEXIST)
		return -errno;

	/* the modules that find the medium, in load order, and their firmware */
	struct lv_kmods km;
	struct lv_buf order = { 0 }, why = { 0 };
	if ((r = lv_kernel_modules(rootfd, kver, &km, d)) < 0)
		return r;
	for (size_t k = 0; k < km.n && r == 0; k++) {
		snprintf(p, sizeof(p), "usr/lib/modules/%s/%s", kver, km.v[k].path);
		snprintf(q, sizeof(q), "%s/lib/modules/%s", dir, km.v[k].path);
		_cleanup_free_ char *qd = lv_dirname(q);
		lv_mkdir_p(qd, 0755);
		if ((r = copy_in(rootfd, p, q, 0644)) < 0)
			lv_error(d, "cannot copy module '%s': %s", km.v[k].path, lv_strerror(r));
		lv_buf_printf(&order, "%s\n", km.v[k].path);
		lv_buf_printf(&why, "module %s: %s\n", km.v[k].name, km.v[k].why);
	}
	for (size_t k = 0; k < km.nfirmware && r == 0; k++) {
		snprintf(p, sizeof(p), "usr/lib/firmware/%s", km.firmware[k]);
		snprintf(q, sizeof(q), "%s/lib/firmware/%s", dir, km.firmware[k]);
		_cleanup_free_ char *qd = lv_dirname(q);
		lv_mkdir_p(qd, 0755);
		if ((r = copy_in(rootfd, p, q, 0644)) < 0)
			lv_error(d, "cannot copy firmware '%s': %s", km.firmware[k], lv_strerror(r));
		lv_buf_printf(&why, "firmware %s: declared by a module above\n", km.firmware[k]);
	}
	lv_kmods_release(&km);
	if (r == 0)
		r = write_text(dir, "etc/livec/modules", order.p ? order.p : "");
	if (r == 0)
		r = write_text(dir, "etc/livec/modules.why", why.p ? why.p : "");
	if (r == 0 && im->report)
		lv_buf_printf(im->report, "%s", why.p ? why.p : "");
	lv_buf_release(&order);
	lv_buf_release(&why);
	char line[128];
	snprintf(line, sizeof(line), "%s\n", id);
	if (r == 0)
		r = write_text(dir, "etc/livec/id", line);
	snprintf(line, sizeof(line), "%s\n", inner_type);
	if (r == 0)
		r = write_text(dir, "etc/livec/inner", line);
	if (r == 0)
		r = write_text(dir, "etc/livec/readonly", readonly);
	snprintf(line, sizeof(line), "%s\n", root_mode);
	if (r == 0)
		r = write_text(dir, "etc/livec/root", line);
	if (r < 0)
		return r;

	struct lv_tree t;
	if ((r = lv_tree_read(dir, im->epoch, &t, d)) < 0)
		return r;
	/* the initramfs belongs to root whoever built it */
	for (size_t i = 0; i < t.n; i++)
		t.v[i].uid = t.v[i].gid = 0;
	r = lv_cpio_write(&t, out, d);
	lv_tree_release(&t);
	return r;
}

static const char *str_at(const struct lv_ynode *root, const char *a, const char *b, const char *def)
{
	const char *v = lv_yscalar(lv_ymap_get(b ? lv_ymap_get(root, a) : root, b ? b : a));
	return v && *v ? v : def;
}

/* The layers whose checksums a build publishes (sums.h), besides the
 * file system inside the cloop image. */
static const char *const layers[] = { "LIVEC/LIVEC", "LIVEC/root_fs.tgz", "boot/initrd.gz",
				      "LIVEC/licenses/sbom.spdx.json" };

static int layer_sum(const struct lv_image *im, const char *layer, const char *path, struct lv_diags *d)
{
	char name[512];
	if (!im->sums)
		return 0;
	snprintf(name, sizeof(name), "%s:%s", im->name, layer);
	int r = lv_sums_add_file(im->sums, name, path);
	if (r < 0)
		lv_error(d, "cannot hash the layer '%s': %s", path, lv_strerror(r));
	return r;
}

/* The UEFI boot path: the EFI system partition image (shim as the
 * removable-media loader BOOTX64.EFI, Debian's signed CD GRUB as the
 * grubx64.efi shim chains to, MokManager when the boot set has it, and a
 * grub.cfg that finds this build's medium by its ID file), the full GRUB
 * menu on the ISO, and /.disk: info (the signed GRUB's own fallback
 * search) and livec-ID (this build's ID file). */
static int efi_boot(const struct lv_image *im, const struct lv_bootmenu *menu, const char *id, const char *iso_dir,
		    const char *esp, struct lv_diags *d)
{
	_cleanup_free_ char *dir = lv_path_join(im->work, "esp");
	char shim[4096], grub[4096], mm[4096], espcfg[4096], idfile[64], text[512];
	struct lv_buf cfg = { 0 };
	int r;

	snprintf(shim, sizeof(shim), "%s/shimx64.efi", dir);
	snprintf(grub, sizeof(grub), "%s/grubx64.efi", dir);
	snprintf(mm, sizeof(mm), "%s/mmx64.efi", dir);
	snprintf(espcfg, sizeof(espcfg), "%s/grub.cfg", dir);
	snprintf(idfile, sizeof(idfile), "/.disk/livec-%s", id);
	lv_mkdir_p(dir, 0755);
	if ((r = from_boot_pkg(im, "shim-signed", "usr/lib/shim/shimx64.efi.signed", shim, d)) < 0 ||
	    (r = from_boot_pkg(im, "grub-efi-amd64-signed", "usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed", grub,
			       d)) < 0)
		return r;
	struct lv_fat_file files[4] = { { "EFI/BOOT/BOOTX64.EFI", shim }, { "EFI/BOOT/grubx64.efi", grub },
					{ "boot/grub/grub.cfg", espcfg } };
	size_t nfiles = 3;
	if (boot_pkg(im->lock, "shim-helpers-amd64-signed")) {
		if ((r = from_boot_pkg(im, "shim-helpers-amd64-signed", "usr/lib/shim/mmx64.efi.signed", mm, d)) < 0)
			return r;
		files[nfiles++] = (struct lv_fat_file){ "EFI/BOOT/mmx64.efi", mm };
	}
	lv_bootmenu_grub_esp(idfile, &cfg);
	r = lv_write_atomic(espcfg, cfg.p, cfg.len);
	lv_buf_release(&cfg);
	if (r < 0)
		lv_error(d, "cannot write '%s': %s", espcfg, lv_strerror(r));
	/* the volume serial: the build id's first 32 bits */
	char serial[9];
	snprintf(serial, sizeof(serial), "%.8s", id);
	struct lv_fat_opts fo = { .label = "LIVEC_EFI", .serial = (uint32_t)strtoul(serial, NULL, 16),
				  .epoch = im->epoch };
	if (r == 0)
		r = lv_fat_write(files, nfiles, esp, &fo, d);
	if (r < 0)
		return r;
	if ((r = layer_sum(im, "efi.img", esp, d)) < 0)
		return r;

	lv_bootmenu_grub(menu, &cfg);
	r = write_text(iso_dir, "boot/grub/grub.cfg", cfg.p);
	lv_buf_release(&cfg);
	snprintf(text, sizeof(text), "livec %s %s\n", im->m->name, id);
	if (r == 0)
		r = write_text(iso_dir, ".disk/info", text);
	if (r == 0)
		r = write_text(iso_dir, idfile + 1, "");
	if (r < 0)
		lv_error(d, "cannot write the UEFI boot files: %s", lv_strerror(r));
	return r;
}

int lv_image_write(const struct lv_image *im, struct lv_diags *d)
{
	const struct lv_ynode *img = lv_ymap_get(im->m->root, "image");
	const char *label = str_at(img, "label", NULL, "LIVEC");
	const char *inner_type = str_at(img, "inner", NULL, "iso9660");
	const char *root_mode = str_at(img, "root", NULL, "tmpfs");
	char p[4096], q[4096], id[17], sha[LV_SHA256_HEX];
	_cleanup_close_ int rootfd = open(im->tree->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *kver = rootfd >= 0 ? lv_kernel_pick(rootfd, im->m, d) : NULL;
	_cleanup_free_ char *mbr = lv_path_join(im->work, "isohdpfx.bin");
	_cleanup_free_ char *esp = lv_path_join(im->work, "efi.img");
	int r;

	if (rootfd < 0) {
		lv_error(d, "cannot open the tree '%s': %s", im->tree->root, strerror(errno));
		return -errno;
	}
	if (!kver)
		return -LVE_MISSING;
	/* the build id: what the initramfs looks for on the media */
	struct lv_buf idsrc = { 0 };
	lv_read_file(im->lock_path, &idsrc);
	lv_read_file(im->m->path, &idsrc);
	lv_buf_puts(&idsrc, LIVEC_VERSION);
	lv_sha256_buf(idsrc.p, idsrc.len, sha);
	lv_buf_release(&idsrc);
	snprintf(id, sizeof(id), "%.16s", sha);

	/* the read-only directories, "checked twice": they go into the cloop
	 * image, and are mount points (bind mounts) in the writable root; with
	 * image.root: overlay the whole tree goes into the cloop image, and the
	 * root is a tmpfs overlay over it (root_fs.tgz holds just "/") */
	struct split sp = { .all = !strcmp(root_mode, "overlay") };
	struct lv_buf ro_list = { 0 };
	const struct lv_ynode *ro = lv_ymap_get(img, "read-only");
	static const char *const defaults[] = { "usr", "opt" };
	size_t nro = sp.all ? 0 : ro && ro->kind == LV_YSEQ ? ro->n : 2;
	sp.ro = calloc(nro + 1, sizeof(char *));
	for (size_t i = 0; i < nro; i++) {
		const char *v = ro && ro->kind == LV_YSEQ ? lv_yscalar(ro->kids[i]) : defaults[i];
		while (v && *v == '/')
			v++;
		if (!v || !*v)
			continue;
		int present = 0;
		for (size_t k = 0; k < im->tree->n && !present; k++)
			present = im->tree->v[k].type == 'd' && !strcmp(im->tree->v[k].path, v);
		if (!present)
			continue;
		sp.ro[sp.n++] = strdup(v);
		lv_buf_printf(&ro_list, "%s\n", v);
	}
	struct lv_tree inner, rest;
	sp.inner = 1;
	lv_tree_filter(im->tree, keep_split, &sp, &inner);
	sp.inner = 0;
	lv_tree_filter(im->tree, keep_split, &sp, &rest);

	_cleanup_free_ char *iso_dir = lv_path_join(im->work, "iso");
	snprintf(p, sizeof(p), "%s/LIVEC", iso_dir);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/boot/isolinux", iso_dir);
	lv_mkdir_p(p, 0755);

	/* 1. the writable part */
	snprintf(p, sizeof(p), "%s/LIVEC/root_fs.tgz", iso_dir);
	if ((r = lv_tar_write(&rest, p, LV_COMPRESS_GZIP, d)) < 0)
		goto out;
	/* 2. the read-only part: ISO 9660, then cloop */
	snprintf(q, sizeof(q), "%s/inner.img", im->work);
	if (!strcmp(inner_type, "ext2")) {
		struct lv_ext2_opts eo = { .label = "LIVEC_RO", .epoch = im->epoch };
		r = lv_ext2_write(&inner, q, &eo, d);
	} else {
		struct lv_iso_opts io = { .volume_id = "LIVEC_RO", .epoch = im->epoch };
		r = lv_iso_write(&inner, q, &io, d);
	}
	if (r < 0)
		goto out;
	int xz = !strcmp(str_at(img, "cloop", "compression", "zlib"), "xz");
	const char *bs = str_at(img, "cloop", "block-size", "131072");
	const char *lvl = str_at(img, "cloop", "level", xz ? "6" : "9");
	struct lv_cloop_opts co = { .block_size = (uint32_t)strtoul(bs, NULL, 10),
				    .compressor = xz ? LV_CLOOP_XZ : LV_CLOOP_ZLIB, .level = atoi(lvl),
				    .threads = im->threads };
	snprintf(p, sizeof(p), "%s/LIVEC/LIVEC", iso_dir);
	if ((r = lv_cloop_write(q, p, &co, d)) < 0 || (r = layer_sum(im, "LIVEC/LIVEC:inner", q, d)) < 0)
		goto out;
	if (!im->keep_layers)
		unlink(q);
	/* 3. the initramfs */
	snprintf(p, sizeof(p), "%s/boot/initrd.gz", iso_dir);
	if ((r = initramfs(im, rootfd, kver, id, inner_type, root_mode, ro_list.p ? ro_list.p : "", p, d)) < 0)
		goto out;
	/* 4. the kernel, and what the medium says about itself */
	snprintf(p, sizeof(p), "boot/vmlinuz-%s", kver);
	snprintf(q, sizeof(q), "%s/boot/vmlinuz", iso_dir);
	if ((r = copy_in(rootfd, p, q, 0644)) < 0) {
		lv_error(d, "cannot copy the kernel '%s': %s", p, lv_strerror(r));
		goto out;
	}
	/* 5. the boot loaders, from one menu: ISOLINUX for BIOS, shim and
	 * GRUB (signed by Microsoft's UEFI CA and by Debian) for UEFI */
	struct lv_bootmenu menu = { .name = im->m->name, .label = label,
				    .cmdline = str_at(img, "boot", "cmdline", "quiet"),
				    .timeout = atoi(str_at(img, "boot", "timeout", "50")) };
	struct lv_buf cfg = { 0 };
	if (im->m->image.bios) {
		snprintf(q, sizeof(q), "%s/boot/isolinux/isolinux.bin", iso_dir);
		if ((r = from_boot_pkg(im, "isolinux", "usr/lib/ISOLINUX/isolinux.bin", q, d)) < 0)
			goto out;
		snprintf(q, sizeof(q), "%s/boot/isolinux/ldlinux.c32", iso_dir);
		if ((r = from_boot_pkg(im, "syslinux-common", "usr/lib/syslinux/modules/bios/ldlinux.c32", q, d)) < 0)
			goto out;
		if ((r = from_boot_pkg(im, "isolinux", "usr/lib/ISOLINUX/isohdpfx.bin", mbr, d)) < 0)
			goto out;
		lv_bootmenu_isolinux(&menu, &cfg);
		r = write_text(iso_dir, "boot/isolinux/isolinux.cfg", cfg.p);
		lv_buf_release(&cfg);
		if (r < 0)
			goto out;
	}
	if (im->m->image.uefi && (r = efi_boot(im, &menu, id, iso_dir, esp, d)) < 0)
		goto out;
	char idline[32];
	snprintf(idline, sizeof(idline), "%s\n", id);
	if (r == 0)
		r = write_text(iso_dir, "LIVEC/ID", idline);
	if (r == 0 && im->buildinfo)
		r = write_text(iso_dir, "LIVEC/buildinfo", im->buildinfo);
	snprintf(q, sizeof(q), "%s/LIVEC/livec.lock", iso_dir);
	if (r == 0)
		r = copy_file(im->lock_path, q, 0644);
	snprintf(q, sizeof(q), "%s/LIVEC/manifest.yaml", iso_dir);
	if (r == 0)
		r = copy_file(im->m->path, q, 0644);
	if (r == 0) {
		char lock_sha[LV_SHA256_HEX];
		struct lv_buf sbom = { 0 };
		lv_sha256_file(im->lock_path, lock_sha, NULL);
		lv_spdx_write(im->lock, im->m, lock_sha, im->epoch, &sbom);
		r = write_text(iso_dir, "LIVEC/licenses/sbom.spdx.json", sbom.p);
		lv_buf_release(&sbom);
	}
	if (r < 0) {
		lv_error(d, "cannot prepare the ISO tree: %s", lv_strerror(r));
		goto out;
	}
	for (size_t i = 0; r == 0 && i < LV_ARRAY_SIZE(layers); i++) {
		snprintf(p, sizeof(p), "%s/%s", iso_dir, layers[i]);
		r = layer_sum(im, layers[i], p, d);
	}
	if (r < 0)
		goto out;
	/* 5. the outer ISO */
	struct lv_tree outer;
	if ((r = lv_tree_read(iso_dir, im->epoch, &outer, d)) < 0)
		goto out;
	for (size_t i = 0; i < outer.n; i++)
		outer.v[i].uid = outer.v[i].gid = 0;
	struct lv_iso_opts oo = { .volume_id = label, .epoch = im->epoch,
				  .boot_image = im->m->image.bios ? "boot/isolinux/isolinux.bin" : NULL,
				  .boot_catalog = im->m->image.bios ? "boot/isolinux/boot.cat" : "boot/boot.cat",
				  .isohybrid_mbr = im->m->image.bios ? mbr : NULL,
				  .efi_image = im->m->image.uefi ? esp : NULL };
	r = lv_iso_write(&outer, im->output, &oo, d);
	lv_tree_release(&outer);
out:
	lv_tree_release(&inner);
	lv_tree_release(&rest);
	for (size_t i = 0; i < sp.n; i++)
		free(sp.ro[i]);
	free(sp.ro);
	lv_buf_release(&ro_list);
	return r;
}
