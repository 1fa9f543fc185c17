/* A livec medium taken apart without mounting it (`livec inspect`; the
 * by-hand recipe: mount the ISO, extract_compressed_fs the cloop image,
 * mount the file system inside, untar root_fs.tgz).
 *
 * Takes: an ISO file, possibly from another machine.  Gives: the files of
 * the medium that were asked for, copied into a private scratch directory
 * (docs/live.md lists them: /LIVEC/ID, the lock, the SBOM, the cloop
 * image, root_fs.tgz, the kernel, the initramfs, the menus), and with
 * LV_MEDIUM_LAYERS the SHA-256 and size of each layer under the names
 * SHA256SUMS gives them (sums.h: NAME.iso, NAME.iso:LIVEC/LIVEC,
 * NAME.iso:LIVEC/LIVEC:inner, ..., NAME.iso:efi.img), so a user can
 * compare.  NAME.iso is the file name of the ISO as given.
 *
 * Where each layer is: the files in the ISO 9660 tree (Rock Ridge, read
 * with libarchive); the inner file system by unpacking the cloop image
 * (its size from its own header: the ISO 9660 volume space size or the
 * ext2 block count, as the build hashed it before cloop padded the last
 * block); efi.img as the GPT partition of type EFI System (partition 2,
 * after the ISO 9660 data), as long as the FAT file system in it says.
 *
 * Errors, diagnosed: not an ISO 9660 image, a truncated one, not a livec
 * medium (no /LIVEC/ID), a layer missing, a damaged cloop image. */
#ifndef LV_MEDIUM_H
#define LV_MEDIUM_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/sha256.h"

enum lv_medium_want {
	LV_MEDIUM_LAYERS = 1,   /* every layer's checksum; the files the report reads */
	LV_MEDIUM_TREE = 2,     /* the inner file system and root_fs.tgz, to extract */
	LV_MEDIUM_LOCK = 4,     /* the lock only */
	LV_MEDIUM_SBOM = 8,     /* the SBOM only */
};

struct lv_layer {
	char *name;             /* as SHA256SUMS names it */
	uint64_t size;
	char sha256[LV_SHA256_HEX];
};

struct lv_medium {
	char *path, *name;      /* the ISO, and its file name */
	char *scratch;          /* private directory of the files taken off it */
	char id[65];            /* /LIVEC/ID */
	struct lv_layer *layers;/* sorted by name */
	size_t nlayers;
	char inner_type[8];     /* "iso9660" or "ext2" once the cloop image is unpacked */
	char *inner;            /* with LV_MEDIUM_TREE: the inner file system (scratch) */
	char cloop_version[4];  /* "2.0" or "4.0" */
	uint32_t cloop_block_size, cloop_blocks;
	unsigned found;         /* one bit per file of the medium read (medium.c) */
};

int lv_medium_read(const char *iso, unsigned want, struct lv_medium *m, struct lv_diags *d);
/* Host path (malloc'd) of a file taken off the medium, e.g.
 * "LIVEC/livec.lock"; NULL when the medium has none or it was not asked
 * for. */
char *lv_medium_file(const struct lv_medium *m, const char *path_on_medium);
void lv_medium_release(struct lv_medium *m);

#endif
