/* The live ISO: wheels within wheels (docs/live.md).
 *
 *   tree --split by image.read-only--> inner tree | writable tree
 *   inner tree --ISO 9660 (Rock Ridge) or ext2--> inner.img --cloop--> LIVEC/LIVEC
 *   writable tree --tar.gz--> LIVEC/root_fs.tgz
 *   busybox + modules + livec-cloopd + init --cpio.gz--> boot/initrd.gz
 *   all that + ISOLINUX --ISO 9660, El Torito, isohybrid--> the image
 *
 * Every layer is written from an IR, so every layer is deterministic. */
#ifndef LV_IMAGE_H
#define LV_IMAGE_H

#include "repo/cache.h"
#include "base/diag.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"
#include "image/sums.h"
#include "build/tree.h"

struct lv_image {
	const struct lv_tree *tree;     /* the installed, normalised root */
	const struct lv_manifest *m;
	const struct lv_lock *lock;
	const char *lock_path;
	const struct lv_cache *cache;
	int use_cache;                  /* reuse a cloop image compressed before (build cache) */
	long long epoch;
	const char *work;               /* scratch directory (absolute) */
	const char *output;             /* the ISO */
	unsigned threads;               /* cloop compression threads (0 = all) */
	const char *name;               /* the output's name in `sums` */
	struct lv_sums *sums;           /* gets a checksum for every layer */
	int keep_layers;                /* leave the inner file system in `work` */
	const char *layers;             /* if set, `work` is moved there at the end (build --layers) */
	struct lv_buf *report;          /* if set, gets what the initramfs holds and why */
	const char *buildinfo;          /* written to /LIVEC/buildinfo (buildinfo.h) */
};

/* Writes the layers under im->work (iso/ is the outer ISO's tree, inner.img
 * the file system inside the cloop image, removed unless keep_layers), then
 * the ISO. */
int lv_image_write(const struct lv_image *im, struct lv_diags *d);

/* Adds the checksum of one layer (a file at `path`) to im->sums, as
 * "NAME.iso:LAYER"; hex (if not NULL) gets it too. */
int lv_image_layer_sum(const struct lv_image *im, const char *layer, const char *path, char hex[65],
		       struct lv_diags *d);

#endif
