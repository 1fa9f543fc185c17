/* What a livec medium says about itself, read from the files medium.c
 * took off it: the lock it carries (the manifest's name, the epoch, each
 * package's version), the SBOM (each package's license), the boot menus,
 * the kernel's version (from its bzImage header) and the initramfs (its
 * files, its kernel modules, and /etc/livec/{root,readonly,inner}, which
 * tell init how to compose the live root: docs/runtime-contract.md).
 *
 * The lock and the SBOM are read for these few fields only, so a medium
 * written by another livec version, whose lock format this one would not
 * build from, can still be inspected. */
#ifndef LV_FACTS_H
#define LV_FACTS_H

#include <stddef.h>

#include "base/diag.h"
#include "inspect/medium.h"

struct lv_pkgver {
	char *name, *version, *license;
};

struct lv_pkgvers {
	struct lv_pkgver *v;   /* sorted by name, then version */
	size_t n;
};

struct lv_bootentry {
	const char *loader;    /* "isolinux" or "grub" */
	char *id, *title, *cmdline;
};

struct lv_initramfs {
	size_t files, modules;  /* regular files; kernel modules (*.ko*) among them */
	char *root;             /* etc/livec/root: "tmpfs" or "overlay" */
	char *inner;            /* etc/livec/inner: "iso9660" or "ext2" */
	char **readonly;        /* etc/livec/readonly: the directories bound from the cloop image */
	size_t nreadonly;
};

struct lv_facts {
	char *manifest;         /* the lock's manifest name */
	long long epoch;        /* SOURCE_DATE_EPOCH: the buildinfo's, else the lock's; -1 unknown */
	const char *epoch_from; /* "buildinfo" or "lock" */
	char *livec;            /* the buildinfo's livec version, or NULL */
	char *kernel;           /* from /boot/vmlinuz's header, or NULL */
	struct lv_bootentry *boot;
	size_t nboot;
	struct lv_initramfs initramfs;
	struct lv_pkgvers rootfs, bootset;
};

/* The lock's package sets (rootfs: what the image has installed; boot: what
 * wrote the boot loaders and initramfs). */
int lv_facts_packages(const struct lv_medium *m, struct lv_pkgvers *rootfs, struct lv_pkgvers *boot,
		      struct lv_diags *d);
/* Every package of the SBOM (both sets, and the manifest's files:
 * entries, named "files:/PATH" with version "-") with its declared
 * license; duplicates (a package in both sets) once. */
int lv_facts_licenses(const struct lv_medium *m, struct lv_pkgvers *out, struct lv_diags *d);
/* The initramfs's contents. */
int lv_facts_initramfs(const struct lv_medium *m, struct lv_initramfs *ir, struct lv_diags *d);
/* Everything the report shows (the medium read with LV_MEDIUM_LAYERS). */
int lv_facts_read(const struct lv_medium *m, struct lv_facts *f, struct lv_diags *d);

void lv_pkgvers_release(struct lv_pkgvers *p);
void lv_initramfs_release(struct lv_initramfs *ir);
void lv_facts_release(struct lv_facts *f);

#endif
