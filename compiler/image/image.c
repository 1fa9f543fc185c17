/* The live ISO (image.h): the layers in order, then the outer ISO. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/sha256.h"
#include "build/clone.h"
#include "build/treecache.h"
#include "image/bootmenu.h"
#include "image/cloop.h"
#include "image/image.h"
#include "image/initramfs.h"
#include "image/kernel.h"
#include "image/loaders.h"
#include "image/out_ext2.h"
#include "image/out_iso9660.h"
#include "image/out_tar.h"
#include "image/stage.h"
#include "license/out_spdx.h"

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

/* The layers whose checksums a build publishes (sums.h), besides the
 * file system inside the cloop image and the ESP: each one's SHA-256 as
 * its writer took it ("" if it could not: the file is read then). */
struct layers {
	char cloop[LV_SHA256_HEX], rootfs[LV_SHA256_HEX], initrd[LV_SHA256_HEX], sbom[LV_SHA256_HEX];
};

int lv_image_layer_sum(const struct lv_image *im, const char *layer, const char *path, char hex[LV_SHA256_HEX],
		       struct lv_diags *d)
{
	char name[512], own[LV_SHA256_HEX];
	if (!hex)
		hex = own;
	int r = path ? lv_sha256_file(path, hex, NULL) : 0; /* no path: hex holds it, hashed while written */
	if (r < 0) {
		lv_error(d, "cannot hash the layer '%s': %s", path, lv_strerror(r));
		return r;
	}
	snprintf(name, sizeof(name), "%s:%s", im->name, layer);
	if (im->sums)
		lv_sums_add(im->sums, name, hex);
	return 0;
}

/* The build ID, what the initramfs looks for on the media: the lock, the
 * manifest in canonical form and livec's version. */
static void build_id(const struct lv_image *im, char id[17])
{
	struct lv_buf src = { 0 };
	char sha[LV_SHA256_HEX];
	lv_read_file(im->lock_path, &src);
	lv_manifest_canonical(im->m, NULL, &src);
	lv_buf_puts(&src, LIVEC_VERSION);
	lv_sha256_buf(src.p, src.len, sha);
	lv_buf_release(&src);
	snprintf(id, 17, "%.16s", sha);
}

/* The read-only directories, "checked twice": they go into the cloop
 * image, and are mount points (bind mounts) in the writable root; with
 * image.root: overlay the whole tree goes into the cloop image, and the
 * root is a tmpfs overlay over it (root_fs.tgz holds just "/").  Only
 * directories the tree has count; `list` gets them, one a line. */
static void split_tree(const struct lv_image *im, struct split *sp, struct lv_tree *inner, struct lv_tree *rest,
		       struct lv_buf *list)
{
	const struct lv_strs *ro = &im->m->image.read_only;
	sp->all = im->m->image.root == LV_ROOT_OVERLAY;
	sp->ro = calloc(ro->n + 1, sizeof(char *));
	for (size_t i = 0; !sp->all && i < ro->n; i++) {
		int present = 0;
		for (size_t k = 0; k < im->tree->n && !present; k++)
			present = im->tree->v[k].type == 'd' && !strcmp(im->tree->v[k].path, ro->v[i]);
		if (!present)
			continue;
		sp->ro[sp->n++] = strdup(ro->v[i]);
		lv_buf_printf(list, "%s\n", ro->v[i]);
	}
	sp->inner = 1;
	lv_tree_filter(im->tree, keep_split, sp, inner);
	sp->inner = 0;
	lv_tree_filter(im->tree, keep_split, sp, rest);
}

/* The cache key of a cloop image: the inner image it compresses and how. */
static void cloop_key(const struct lv_image *im, const char *inner_sha, char key[LV_SHA256_HEX])
{
	char text[1024];
	/* and what compresses: livec's binary and the compressors' libraries,
	 * whose output may change with their versions */
	snprintf(text, sizeof(text), "livec-cloop %s %s %s %ld %d %ld", LIVEC_VERSION, lv_cloop_writer_id(), inner_sha,
		 im->m->image.cloop.block_size, (int)im->m->image.cloop.compression, im->m->image.cloop.level);
	lv_sha256_buf(text, strlen(text), key);
}

/* The cloop image and its hash list from the build cache: 1 when it had
 * them (copied to p and h), 0 when not. */
static int cloop_cached(const struct lv_image *im, const char *key, const char *p, const char *h,
			char sha[LV_SHA256_HEX])
{
	int fd = -1, r = 0;
	_cleanup_free_ char *name = lv_treecache_name(LV_TREECACHE_CLOOP, key);
	_cleanup_free_ char *dir = im->use_cache ? lv_treecache_lookup(im->cache, name, &fd) : NULL;
	if (dir) {
		_cleanup_free_ char *cp = lv_path_join(dir, "LIVEC"), *ch = lv_path_join(dir, "LIVEC.sha256");
		r = lv_file_clone(cp, p, 0644) == 0 && lv_file_clone(ch, h, 0644) == 0;
		/* the copy is hashed by reading it: a hash kept beside the cached
		 * image would vouch for bytes no one looked at since */
		sha[0] = '\0';
		close(fd);
		if (r)
			lv_treecache_claim(im->cache, im->m->name, LV_TREECACHE_CLOOP, key);
	}
	return r;
}

/* A copy of the cloop image and its hash list into the build cache; a
 * failure costs the next build time, not this one its output. */
static void cloop_keep(const struct lv_image *im, const char *key, const char *p, const char *h)
{
	_cleanup_free_ char *stored = NULL;
	char tmp[4200], cp[4300], ch[4300];
	int fd = -1, held;
	if (!im->use_cache || (held = lv_treecache_staging(im->cache, tmp, sizeof(tmp))) < 0)
		return;
	snprintf(cp, sizeof(cp), "%s/LIVEC", tmp);
	snprintf(ch, sizeof(ch), "%s/LIVEC.sha256", tmp);
	if (lv_file_clone(p, cp, 0644) == 0 && lv_file_clone(h, ch, 0644) == 0 &&
	    (stored = lv_treecache_store(im->cache, im->m->name, LV_TREECACHE_CLOOP, key, tmp, &fd)))
		close(fd);
	else
		lv_remove_tree(tmp);
	close(held);
}

/* The read-only part: ISO 9660 or ext2 (inner.img), then cloop, with its
 * hash list beside it (LIVEC/LIVEC.sha256, cloopsum.h).  The cloop image
 * of an inner image compressed before is taken from the build cache. */
static int readonly_layer(const struct lv_image *im, const struct lv_tree *inner, const char *iso_dir,
			  char cloop_sha[LV_SHA256_HEX], struct lv_diags *d)
{
	char p[4096], q[4096], h[4096], inner_sha[LV_SHA256_HEX], key[LV_SHA256_HEX];
	int r;
	snprintf(q, sizeof(q), "%s/inner.img", im->work);
	if (im->m->image.inner == LV_INNER_EXT2) {
		struct lv_ext2_opts eo = { .label = "LIVEC_RO", .epoch = im->epoch };
		r = lv_ext2_write(inner, q, &eo, d);
	} else {
		struct lv_iso_opts io = { .volume_id = "LIVEC_RO", .epoch = im->epoch, .sha256 = inner_sha,
					  .scratch = !im->keep_layers };
		r = lv_iso_write(inner, q, &io, d);
	}
	if (r < 0)
		return r;
	struct lv_cloop_opts co = { .block_size = (uint32_t)im->m->image.cloop.block_size,
				    .compressor = im->m->image.cloop.compression == LV_CLOOPCOMP_XZ ? LV_CLOOP_XZ
												  : LV_CLOOP_ZLIB,
				    .level = (int)im->m->image.cloop.level, .threads = im->threads, .hashes = h,
				    .sha256 = cloop_sha };
	snprintf(p, sizeof(p), "%s/LIVEC/LIVEC", iso_dir);
	snprintf(h, sizeof(h), "%s/LIVEC/LIVEC.sha256", iso_dir);
	if ((r = lv_image_layer_sum(im, "LIVEC/LIVEC:inner", im->m->image.inner == LV_INNER_EXT2 ? q : NULL,
				    inner_sha, d)) < 0)
		return r;
	cloop_key(im, inner_sha, key);
	if (cloop_cached(im, key, p, h, cloop_sha)) {
		if (im->report)
			lv_buf_printf(im->report, "cache: the read-only layer: reused (the inner image is one "
						  "compressed before, SHA-256 %.12s…)\n", inner_sha);
	} else {
		if (im->report && im->use_cache)
			lv_buf_printf(im->report, "cache: the read-only layer: compressing (no cached cloop image "
						  "of this inner image, SHA-256 %.12s…)\n", inner_sha);
		if ((r = lv_cloop_write(q, p, &co, d)) < 0)
			return r;
		cloop_keep(im, key, p, h);
	}
	if (!im->keep_layers)
		unlink(q);
	return 0;
}

/* What the initramfs vouches for (/etc/livec/medium.sha256): the cloop
 * image's hash list and root_fs.tgz, by SHA-256, as sha256sum writes them.
 * The initramfs is what the boot loader loaded; init and livec-cloopd
 * check the rest of the medium against it. */
static int medium_sums(const char *iso_dir, const struct layers *l, struct lv_buf *out, struct lv_diags *d)
{
	char p[4096], sha[LV_SHA256_HEX];
	/* the hash list, a small file (from the writer or the cache) */
	snprintf(p, sizeof(p), "%s/LIVEC/LIVEC.sha256", iso_dir);
	int r = lv_sha256_file(p, sha, NULL);
	if (r < 0) {
		lv_error(d, "cannot hash '%s': %s", p, lv_strerror(r));
		return r;
	}
	lv_buf_printf(out, "%s  LIVEC/LIVEC.sha256\n%s  LIVEC/root_fs.tgz\n", sha, l->rootfs);
	return 0;
}

/* What the medium says about itself: its ID, what wrote it, the lock and
 * manifest it was built from, and the SBOM. */
static int medium_files(const struct lv_image *im, const char *id, const char *iso_dir, char sbom_sha[LV_SHA256_HEX],
			struct lv_diags *d)
{
	char q[4096], line[32], lock_sha[LV_SHA256_HEX];
	struct lv_buf text = { 0 };
	int r;
	snprintf(line, sizeof(line), "%s\n", id);
	snprintf(q, sizeof(q), "%s/LIVEC/livec.lock", iso_dir);
	if ((r = lv_stage_text(iso_dir, "LIVEC/ID", line)) == 0 && im->buildinfo)
		r = lv_stage_text(iso_dir, "LIVEC/buildinfo", im->buildinfo);
	if (r == 0)
		r = lv_stage_copy(-1, im->lock_path, q, 0644);
	if (r == 0) {
		lv_manifest_canonical(im->m, NULL, &text);
		r = lv_stage_text(iso_dir, "LIVEC/manifest.yaml", text.p);
	}
	if (r == 0) {
		text.len = 0;
		lv_sha256_file(im->lock_path, lock_sha, NULL);
		lv_spdx_write(im->lock, im->m, lock_sha, im->epoch, &text);
		lv_sha256_buf(text.p, strlen(text.p), sbom_sha); /* what lv_stage_text writes */
		r = lv_stage_text(iso_dir, "LIVEC/licenses/sbom.spdx.json", text.p);
	}
	lv_buf_release(&text);
	if (r < 0)
		lv_error(d, "cannot prepare the ISO tree: %s", lv_strerror(r));
	return r;
}

/* The kernel and the boot loaders, from one menu: ISOLINUX for BIOS, shim
 * and GRUB (signed by Microsoft's UEFI CA and by Debian) for UEFI. */
static int boot_files(const struct lv_image *im, int rootfd, const char *kver, const char *id, const char *iso_dir,
		      const char *mbr, const char *esp, struct lv_diags *d)
{
	char p[4096], q[4096];
	int r;
	snprintf(p, sizeof(p), "boot/vmlinuz-%s", kver);
	snprintf(q, sizeof(q), "%s/boot/vmlinuz", iso_dir);
	if ((r = lv_stage_copy(rootfd, p, q, 0644)) < 0) {
		lv_error(d, "cannot copy the kernel '%s': %s", p, lv_strerror(r));
		return r;
	}
	struct lv_bootmenu menu = { .name = im->m->name, .label = im->m->image.label,
				    .cmdline = im->m->image.boot.cmdline, .timeout = (int)im->m->image.boot.timeout };
	if (im->m->image.bios && (r = lv_loaders_bios(im, &menu, iso_dir, mbr, d)) < 0)
		return r;
	if (im->m->image.uefi && (r = lv_loaders_efi(im, &menu, id, iso_dir, esp, d)) < 0)
		return r;
	return 0;
}

/* The outer ISO: El Torito for BIOS and UEFI, isohybrid, the ESP as GPT
 * partition 2. */
static int outer_iso(const struct lv_image *im, const char *iso_dir, struct layers *l, const char *mbr,
		     const char *esp, struct lv_diags *d)
{
	struct { const char *name; char *sha; } each[] = {
		{ "LIVEC/LIVEC", l->cloop }, { "LIVEC/root_fs.tgz", l->rootfs }, { "boot/initrd.gz", l->initrd },
		{ "LIVEC/licenses/sbom.spdx.json", l->sbom },
	};
	char p[4096];
	int r = 0;
	for (size_t i = 0; r == 0 && i < LV_ARRAY_SIZE(each); i++) {
		snprintf(p, sizeof(p), "%s/%s", iso_dir, each[i].name);
		r = lv_image_layer_sum(im, each[i].name, *each[i].sha ? NULL : p, each[i].sha, d);
	}
	struct lv_tree outer;
	if (r < 0 || (r = lv_tree_read(iso_dir, LV_TREE_OWN_IDS, im->epoch, &outer, d)) < 0)
		return r;
	for (size_t i = 0; i < outer.n; i++)
		outer.v[i].uid = outer.v[i].gid = 0;
	int bios = im->m->image.bios;
	char sha[LV_SHA256_HEX];
	struct lv_iso_opts oo = { .volume_id = im->m->image.label, .epoch = im->epoch, .sha256 = sha,
				  .boot_image = bios ? "boot/isolinux/isolinux.bin" : NULL,
				  .boot_catalog = bios ? "boot/isolinux/boot.cat" : "boot/boot.cat",
				  .isohybrid_mbr = bios ? mbr : NULL, .efi_image = im->m->image.uefi ? esp : NULL };
	r = lv_iso_write(&outer, im->output, &oo, d);
	lv_tree_release(&outer);
	if (r == 0 && im->sums) /* the ISO's own line, hashed while written */
		lv_sums_add(im->sums, im->name, sha);
	return r;
}

int lv_image_write(const struct lv_image *im, struct lv_diags *d)
{
	char p[4096], id[17];
	_cleanup_close_ int rootfd = open(im->tree->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *kver = rootfd >= 0 ? lv_kernel_pick(rootfd, im->m, d) : NULL;
	_cleanup_free_ char *mbr = lv_path_join(im->work, "isohdpfx.bin");
	_cleanup_free_ char *esp = lv_path_join(im->work, "efi.img");
	_cleanup_free_ char *iso_dir = lv_path_join(im->work, "iso");
	struct split sp = { 0 };
	struct layers l = { 0 };
	struct lv_buf ro_list = { 0 }, sums = { 0 };
	struct lv_tree inner, rest;
	int r;

	if (rootfd < 0) {
		lv_error(d, "cannot open the tree '%s': %s", im->tree->root, strerror(errno));
		return -errno;
	}
	if (!kver)
		return -LVE_MISSING;
	build_id(im, id);
	split_tree(im, &sp, &inner, &rest, &ro_list);
	snprintf(p, sizeof(p), "%s/LIVEC", iso_dir);
	lv_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/boot/isolinux", iso_dir);
	lv_mkdir_p(p, 0755);
	/* 1. the writable part, 2. the read-only part, 3. the initramfs */
	snprintf(p, sizeof(p), "%s/LIVEC/root_fs.tgz", iso_dir);
	if ((r = lv_tar_write(&rest, p, LV_COMPRESS_GZIP, l.rootfs, d)) < 0 ||
	    (r = readonly_layer(im, &inner, iso_dir, l.cloop, d)) < 0)
		goto out;
	snprintf(p, sizeof(p), "%s/boot/initrd.gz", iso_dir);
	if ((r = medium_sums(iso_dir, &l, &sums, d)) < 0 ||
	    (r = lv_initramfs_write(im, rootfd, kver, id, ro_list.p ? ro_list.p : "", sums.p, p, l.initrd, d)) < 0)
		goto out;
	/* 4. the kernel and loaders, 5. what the medium says of itself, 6. the ISO */
	if ((r = boot_files(im, rootfd, kver, id, iso_dir, mbr, esp, d)) < 0 ||
	    (r = medium_files(im, id, iso_dir, l.sbom, d)) < 0)
		goto out;
	r = outer_iso(im, iso_dir, &l, mbr, esp, d);
out:
	lv_tree_release(&inner);
	lv_tree_release(&rest);
	for (size_t i = 0; i < sp.n; i++)
		free(sp.ro[i]);
	free(sp.ro);
	lv_buf_release(&ro_list);
	lv_buf_release(&sums);
	return r;
}
