/* ISO 9660 + Rock Ridge with libisofs (out_iso9660.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>
/* libisofs declares struct burn_source itself when libburn is not used */
#define LIBISOFS_WITHOUT_LIBBURN yes
#include <libisofs/libisofs.h>

#include "base/cleanup.h"
#include "base/sha256.h"
#include "base/err.h"
#include "image/out_iso9660.h"

static void attrs(IsoNode *n, const struct lv_node *src)
{
	iso_node_set_permissions(n, src->mode & 07777);
	iso_node_set_uid(n, src->uid);
	iso_node_set_gid(n, src->gid);
	iso_node_set_mtime(n, (time_t)src->mtime);
	iso_node_set_atime(n, (time_t)src->mtime);
	iso_node_set_ctime(n, (time_t)src->mtime);
}

static int iso_err(struct lv_diags *d, const char *what, int code)
{
	lv_error(d, "ISO 9660: %s: %s", what, iso_error_to_msg(code));
	return -LVE_ARCHIVE;
}

/* Node i of the tree under parent, named name: the libisofs call for its
 * type.  *node is the new node, NULL (with 0) for a socket, which is not
 * written; a directory is also stored in *dir.  Returns libisofs' code. */
static int add_node(IsoImage *image, IsoDir *parent, const struct lv_tree *t, size_t i, const char *name,
		    IsoDir **dir, IsoNode **node)
{
	const struct lv_node *n = &t->v[i];
	int e;

	*node = NULL;
	switch (n->type) {
	case 'd':
		e = iso_tree_add_new_dir(parent, name, dir);
		*node = (IsoNode *)*dir;
		return e;
	case 'l':
		return iso_tree_add_new_symlink(parent, name, n->link, (IsoSymlink **)node);
	case 'f': {
		_cleanup_free_ char *host = lv_tree_source(t, &t->v[n->hardlink >= 0 ? (size_t)n->hardlink : i]);
		return iso_tree_add_new_node(image, parent, name, host, node);
	}
	case 'c':
	case 'b':
	case 'p': {
		mode_t m = (n->type == 'c' ? S_IFCHR : n->type == 'b' ? S_IFBLK : S_IFIFO) | n->mode;
		e = iso_tree_add_new_special(parent, name, m, makedev(n->rdev_major, n->rdev_minor),
					     (IsoSpecial **)node);
		return e;
	}
	default:
		return 0;
	}
}

/* Every node of the tree into the image, with the tree's modes, owners and
 * times.  The nodes come sorted with parents first: a stack of the open
 * directories gives each node its parent. */
static int add_tree(IsoImage *image, const struct lv_tree *t, struct lv_diags *d)
{
	_cleanup_free_ IsoDir **dirs = calloc(t->n + 1, sizeof(*dirs));
	size_t stack[256], depth = 0;
	int e;

	dirs[0] = iso_image_get_root(image);
	attrs((IsoNode *)dirs[0], &t->v[0]);
	stack[0] = 0;
	for (size_t i = 1; i < t->n; i++) {
		const struct lv_node *n = &t->v[i];
		const char *slash = strrchr(n->path, '/');
		size_t plen = slash ? (size_t)(slash - n->path) : 0;
		const char *name = slash ? slash + 1 : n->path;
		while (depth > 0) {
			const char *top = t->v[stack[depth]].path;
			if (strlen(top) == plen && !strncmp(top, n->path, plen))
				break;
			depth--;
		}
		IsoNode *node;
		e = add_node(image, dirs[stack[depth]], t, i, name, &dirs[i], &node);
		if (e < 0) {
			char what[4200];
			snprintf(what, sizeof(what), "adding '/%s'", n->path);
			return iso_err(d, what, e);
		}
		if (!node)
			continue; /* sockets are not written */
		if (n->type == 'd' && depth + 1 < 256)
			stack[++depth] = i;
		attrs(node, n);
	}
	return 0;
}

/* El Torito (ECMA-119 boot record, El Torito 1.0): the BIOS entry
 * (ISOLINUX) first when there is one, then the EFI one (platform 0xef),
 * which is the appended EFI system partition itself: one copy of the
 * ESP serves a CD (El Torito) and a stick (its partition entry) */
static int add_boot(IsoImage *image, const struct lv_iso_opts *o, struct lv_diags *d)
{
	static char esp_interval[] = "--interval:appended_partition_2:all::";
	char cat[512];
	int e;

	snprintf(cat, sizeof(cat), "/%s", o->boot_catalog ? o->boot_catalog : "boot.cat");
	if (o->boot_image) {
		ElToritoBootImage *boot;
		char img[512];
		snprintf(img, sizeof(img), "/%s", o->boot_image);
		if ((e = iso_image_set_boot_image(image, img, ELTORITO_NO_EMUL, cat, &boot)) < 0)
			return iso_err(d, "El Torito boot image", e);
		el_torito_set_load_size(boot, 4);
		el_torito_set_isolinux_options(boot, 1, 0); /* patch the boot info table */
	}
	if (o->efi_image) {
		ElToritoBootImage *efi;
		e = o->boot_image ? iso_image_add_boot_image(image, esp_interval, ELTORITO_NO_EMUL, 0, &efi)
				  : iso_image_set_boot_image(image, esp_interval, ELTORITO_NO_EMUL, cat, &efi);
		if (e < 0)
			return iso_err(d, "El Torito EFI boot image", e);
		el_torito_set_boot_platform_id(efi, 0xef);
	}
	return 0;
}

/* The first 432 bytes of the system area: the isohybrid MBR's boot code. */
static int set_isohybrid_mbr(IsoWriteOpts *opts, const struct lv_iso_opts *o, struct lv_diags *d)
{
	char area[32768] = { 0 };
	int fd = open(o->isohybrid_mbr, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, area, 432) : -1;
	int e;

	if (fd >= 0)
		close(fd);
	if (got != 432) {
		lv_error(d, "cannot read the isohybrid MBR '%s'", o->isohybrid_mbr);
		return -EIO;
	}
	/* type 0 (MBR) with the isohybrid code (bit 1); with an ESP the MBR
	 * is GPT's protective one, marked active (bit 15) for BIOSes that
	 * boot only an active partition */
	int sa = 2 | (o->efi_image ? 1 << 15 : 0);
	if ((e = iso_write_opts_set_system_area(opts, area, sa, 0)) < 0)
		return iso_err(d, "isohybrid system area", e);
	return 0;
}

/* How libisofs writes: Rock Ridge 1.10 without hard links, the volume times
 * and uuid from the epoch, then the isohybrid MBR and the ESP if asked. */
static int set_write_opts(IsoWriteOpts *opts, const struct lv_iso_opts *o, struct lv_diags *d)
{
	char uuid[17];
	struct tm tm;
	time_t ep = (time_t)o->epoch;
	int r, e;

	iso_write_opts_set_iso_level(opts, 3);
	iso_write_opts_set_rrip_version_1_10(opts, 1);
	iso_write_opts_set_hardlinks(opts, 0);
	iso_write_opts_set_allow_deep_paths(opts, 1);
	iso_write_opts_set_always_gmt(opts, 1);
	gmtime_r(&ep, &tm);
	strftime(uuid, sizeof(uuid), "%Y%m%d%H%M%S00", &tm);
	iso_write_opts_set_pvd_times(opts, ep, ep, 0, ep, uuid);
	iso_write_opts_set_gpt_guid(opts, NULL, 2);
	if (o->isohybrid_mbr && (r = set_isohybrid_mbr(opts, o, d)) < 0)
		return r;
	if (o->efi_image) {
		/* the ESP after the ISO 9660 data, as partition 2 of a GPT (EFI
		 * System; partition 1 covers the ISO 9660 data), behind a protective
		 * MBR: a valid GPT for UEFI firmware reading a stick, a valid MBR
		 * that still carries the isohybrid boot code for BIOS */
		char *esp = (char *)o->efi_image;
		if ((e = iso_write_opts_set_partition_img(opts, 2, 0xef, esp, 0)) < 0 ||
		    (e = iso_write_opts_set_appended_as_gpt(opts, 1)) < 0)
			return iso_err(d, "EFI system partition", e);
	}
	return 0;
}

/* The bytes of src into path, through a temporary file renamed over it;
 * hashed on the way when o->sha256 asks (no reading it back). */
static int write_file(struct burn_source *src, const char *path, const struct lv_iso_opts *o, struct lv_diags *d)
{
	_cleanup_free_ char *tmp = NULL;
	unsigned char buf[2048];
	struct lv_sha256 sha;
	int r = 0, e;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		abort();
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		lv_error(d, "cannot write '%s': %s", tmp, strerror(errno));
		return -errno;
	}
	lv_sha256_init(&sha);
	/* sector by sector: libisofs's ring buffer answers a read with all of
	 * it or, at the end, nothing */
	while ((e = src->read_xt(src, buf, sizeof(buf))) == (int)sizeof(buf)) {
		if (o->sha256)
			lv_sha256_update(&sha, buf, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			r = -EIO;
			break;
		}
	}
	if (r == 0 && e != 0)
		r = iso_err(d, "writing", e < 0 ? e : (int)ISO_WRITE_ERROR);
	if (!o->scratch && fsync(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && o->sha256)
		lv_sha256_hex(&sha, o->sha256);
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int lv_iso_write(const struct lv_tree *t, const char *path, const struct lv_iso_opts *o, struct lv_diags *d)
{
	static int inited;
	IsoImage *image = NULL;
	IsoWriteOpts *opts = NULL;
	struct burn_source *src = NULL;
	time_t now = (time_t)o->epoch;
	int r = 0, e;

	if (!inited++ && (e = iso_init()) < 0)
		return iso_err(d, "init", e);
	/* every node libisofs makes on its own (the boot catalog, ...) gets the epoch */
	iso_nowtime(&now, 1);
	if ((e = iso_image_new(o->volume_id, &image)) < 0) {
		r = iso_err(d, "new image", e);
		goto out;
	}
	iso_image_set_volume_id(image, o->volume_id);
	iso_image_set_application_id(image, "LIVEC " LIVEC_VERSION);
	if ((r = add_tree(image, t, d)) < 0 || (r = add_boot(image, o, d)) < 0)
		goto out;
	iso_write_opts_new(&opts, 1); /* profile 1: Rock Ridge, our own modes and times */
	if ((r = set_write_opts(opts, o, d)) < 0)
		goto out;
	if ((e = iso_image_create_burn_source(image, opts, &src)) < 0) {
		r = iso_err(d, "writing", e);
		goto out;
	}
	r = write_file(src, path, o, d);
out:
	if (src) {
		src->free_data(src);
		free(src);
	}
	if (opts)
		iso_write_opts_free(opts);
	if (image)
		iso_image_unref(image);
	return r;
}
