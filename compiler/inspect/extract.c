/* The live system's tree, out of a medium (extract.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "inspect/beneath.h"
#include "inspect/extract.h"
#include "inspect/facts.h"
#include "inspect/in_archive.h"
#include "inspect/in_ext2.h"

struct compose {
	struct lv_beneath *b;
	const struct lv_initramfs *ir;
	int overlay;
	int from_inner;         /* 1: the cloop image's file system; 0: root_fs.tgz */
};

static int under(const char *path, const char *dir)
{
	size_t l = strlen(dir);
	return !strncmp(path, dir, l) && (path[l] == '\0' || path[l] == '/');
}

/* 2: path is a read-only directory itself, 1: below one, 0: neither. */
static int readonly(const struct compose *c, const char *path)
{
	for (size_t i = 0; i < c->ir->nreadonly; i++)
		if (under(path, c->ir->readonly[i]))
			return strlen(path) == strlen(c->ir->readonly[i]) ? 2 : 1;
	return 0;
}

static int compose_entry(const struct lv_xentry *e, struct lv_xdata *data, void *ud)
{
	struct compose *c = ud;
	int ro = readonly(c, e->path);
	/* init binds /ro/DIR over DIR: only those directories of the cloop
	 * image are seen, and what root_fs.tgz has below them is hidden */
	if (!c->overlay && c->from_inner && !ro)
		return 0;
	if (!c->overlay && !c->from_inner && ro == 1)
		return 0;
	return lv_beneath_put(c->b, e, data);
}

static int inner_pass(const struct lv_medium *m, struct compose *c, struct lv_diags *d)
{
	char name[512];
	snprintf(name, sizeof(name), "%s:LIVEC/LIVEC:inner", m->name);
	c->b->source = name;
	c->from_inner = 1;
	int r = !strcmp(m->inner_type, "ext2") ? lv_ext2_each(m->inner, name, compose_entry, c, d)
					       : lv_archive_each(m->inner, name, LV_XFORMAT_ISO9660, compose_entry, c, d);
	c->b->source = NULL;
	return r;
}

static int rootfs_pass(const struct lv_medium *m, struct compose *c, struct lv_diags *d)
{
	_cleanup_free_ char *tgz = lv_medium_file(m, "LIVEC/root_fs.tgz");
	char name[512];
	snprintf(name, sizeof(name), "%s:LIVEC/root_fs.tgz", m->name);
	if (!tgz) {
		lv_error(d, "%s: not taken off the medium", name);
		return -LVE_ARCHIVE;
	}
	c->b->source = name;
	c->from_inner = 0;
	int r = lv_archive_each(tgz, name, LV_XFORMAT_TAR, compose_entry, c, d);
	c->b->source = NULL;
	return r;
}

static int compose(const struct lv_medium *m, struct lv_beneath *b, const struct lv_initramfs *ir,
		   struct lv_diags *d)
{
	struct compose c = { .b = b, .ir = ir, .overlay = ir->root && !strcmp(ir->root, "overlay") };
	if (ir->root && strcmp(ir->root, "overlay") && strcmp(ir->root, "tmpfs")) {
		lv_error(d, "%s: the initramfs names an unknown root mode '%s' (etc/livec/root)", m->name, ir->root);
		return -LVE_ARCHIVE;
	}
	if (!m->inner) {
		lv_error(d, "%s: the cloop image was not unpacked", m->name);
		return -LVE_ARCHIVE;
	}
	int r = c.overlay ? 0 : rootfs_pass(m, &c, d);
	if (r == 0)
		r = inner_pass(m, &c, d);
	return r;
}

int lv_medium_extract(const struct lv_medium *m, const char *dir, struct lv_extract_stats *st,
		      struct lv_diags *d)
{
	struct lv_initramfs ir;
	struct lv_beneath b = { .dirfd = -1 };
	memset(st, 0, sizeof(*st));
	int r = lv_facts_initramfs(m, &ir, d);
	if (r == 0)
		r = lv_beneath_open(&b, dir, d);
	if (r == 0)
		r = compose(m, &b, &ir, d);
	if (r == 0)
		r = lv_beneath_finish(&b);
	st->entries = b.entries;
	st->skipped_devices = b.skipped_devices;
	st->skipped_caps = b.skipped_caps;
	st->skipped_sockets = b.skipped_sockets;
	st->as_root = b.as_root;
	snprintf(st->root_mode, sizeof(st->root_mode), "%s", ir.root ? ir.root : "tmpfs");
	lv_beneath_release(&b);
	lv_initramfs_release(&ir);
	return r;
}
