/* What a livec medium says about itself (facts.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "inspect/facts.h"
#include "inspect/in_archive.h"
#include "manifest/yamltree.h"

#define TEXT_MAX (64u << 20)   /* the lock, the SBOM, a menu */

/* A file of the medium as text; 0, or -LVE_ARCHIVE when it was not taken
 * off the medium. */
static int read_text(const struct lv_medium *m, const char *path, struct lv_buf *b)
{
	_cleanup_free_ char *host = lv_medium_file(m, path);
	b->max = TEXT_MAX;
	if (!host)
		return -LVE_ARCHIVE;
	int r = lv_read_file(host, b);
	if (r == 0 && !b->p)
		r = lv_buf_puts(b, "");
	return r;
}

static struct lv_ynode *load_yaml(const struct lv_medium *m, const char *path, struct lv_diags *d)
{
	struct lv_buf b = { 0 };
	char name[512];
	snprintf(name, sizeof(name), "%s:%s", m->name, path);
	int r = read_text(m, path, &b);
	struct lv_ynode *root = r == 0 ? lv_yaml_load_mem(name, b.p, b.len, d) : NULL;
	if (r < 0)
		lv_error(d, "cannot read %s: %s", name, lv_strerror(r));
	else if (root && root->kind != LV_YMAP) {
		lv_error(d, "%s: not a mapping", name);
		lv_ynode_free(root);
		root = NULL;
	}
	lv_buf_release(&b);
	return root;
}

static int push(struct lv_pkgvers *p, const char *name, const char *version, const char *license)
{
	struct lv_pkgver *v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->v = v;
	v[p->n].name = strdup(name);
	v[p->n].version = strdup(version ? version : "-");
	v[p->n].license = license ? strdup(license) : NULL;
	p->n++;
	return 0;
}

static int by_name_version(const void *a, const void *b)
{
	const struct lv_pkgver *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->version, y->version);
}

/* One package set of the lock: a mapping of names to mappings with a
 * version (lockfile.h). */
static int read_set(const struct lv_ynode *root, const char *key, struct lv_pkgvers *out)
{
	const struct lv_ynode *set = lv_ymap_get(root, key);
	if (!set)
		return 0;
	if (set->kind != LV_YMAP)
		return -LVE_PARSE;
	for (size_t i = 0; i + 1 < set->n; i += 2) {
		const struct lv_ynode *p = set->kids[i + 1];
		const char *version = lv_yscalar(lv_ymap_get(p, "version"));
		if (!set->kids[i]->value || !version)
			return -LVE_PARSE;
		int r = push(out, set->kids[i]->value, version, lv_yscalar(lv_ymap_get(p, "license")));
		if (r < 0)
			return r;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_name_version);
	return 0;
}

int lv_facts_packages(const struct lv_medium *m, struct lv_pkgvers *rootfs, struct lv_pkgvers *boot,
		      struct lv_diags *d)
{
	struct lv_ynode *root = load_yaml(m, "LIVEC/livec.lock", d);
	if (!root)
		return -LVE_PARSE;
	int r = read_set(root, "rootfs", rootfs);
	if (r == 0 && boot)
		r = read_set(root, "boot", boot);
	if (r == -LVE_PARSE)
		lv_error(d, "%s:LIVEC/livec.lock: a package set that is not the lockfile's (name: {version: ...})",
			 m->name);
	lv_ynode_free(root);
	return r;
}

/* Drops repeated lines (a package in both sets) from a sorted list. */
static void unique(struct lv_pkgvers *p)
{
	size_t keep = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct lv_pkgver *v = &p->v[i], *last = keep ? &p->v[keep - 1] : NULL;
		if (last && !by_name_version(last, v) && !strcmp(last->license, v->license)) {
			free(v->name);
			free(v->version);
			free(v->license);
			continue;
		}
		p->v[keep++] = *v;
	}
	p->n = keep;
}

int lv_facts_licenses(const struct lv_medium *m, struct lv_pkgvers *out, struct lv_diags *d)
{
	struct lv_ynode *root = load_yaml(m, "LIVEC/licenses/sbom.spdx.json", d);
	if (!root)
		return -LVE_PARSE;
	const struct lv_ynode *pkgs = lv_ymap_get(root, "packages");
	int r = pkgs && pkgs->kind == LV_YSEQ ? 0 : -LVE_PARSE;
	for (size_t i = 0; r == 0 && i < pkgs->n; i++) {
		const char *name = lv_yscalar(lv_ymap_get(pkgs->kids[i], "name"));
		const char *license = lv_yscalar(lv_ymap_get(pkgs->kids[i], "licenseDeclared"));
		if (!name || !license) {
			r = -LVE_PARSE;
			break;
		}
		/* out_spdx.c names a files: entry "files: /PATH": one word here */
		_cleanup_free_ char *word = strdup(name);
		for (char *s = word; s && *s; s++)
			if (*s == ' ')
				memmove(s, s + 1, strlen(s));
		r = push(out, word ? word : name, lv_yscalar(lv_ymap_get(pkgs->kids[i], "versionInfo")), license);
	}
	if (r == -LVE_PARSE)
		lv_error(d, "%s:LIVEC/licenses/sbom.spdx.json: not an SPDX 2.3 document livec wrote (packages: "
			    "name, licenseDeclared)", m->name);
	if (r == 0 && out->n) {
		qsort(out->v, out->n, sizeof(*out->v), by_name_version);
		unique(out);
	}
	lv_ynode_free(root);
	return r;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static int push_entry(struct lv_facts *f, const char *loader, char *id)
{
	struct lv_bootentry *v = realloc(f->boot, (f->nboot + 1) * sizeof(*v));
	if (!v) {
		free(id);
		return -ENOMEM;
	}
	f->boot = v;
	v[f->nboot++] = (struct lv_bootentry){ loader, id, NULL, NULL };
	return 0;
}

/* isolinux.cfg: LABEL starts an entry, MENU LABEL titles it, APPEND is
 * its command line (syslinux's keywords are case-insensitive). */
static int isolinux_line(struct lv_facts *f, const char *s, size_t n)
{
	struct lv_bootentry *e = f->nboot && !strcmp(f->boot[f->nboot - 1].loader, "isolinux")
					 ? &f->boot[f->nboot - 1] : NULL;
	if (n > 6 && !strncasecmp(s, "LABEL ", 6))
		return push_entry(f, "isolinux", trimmed(s + 6, n - 6));
	if (e && n > 11 && !strncasecmp(s, "MENU LABEL ", 11) && !e->title)
		e->title = trimmed(s + 11, n - 11);
	else if (e && n > 7 && !strncasecmp(s, "APPEND ", 7) && !e->cmdline)
		e->cmdline = trimmed(s + 7, n - 7);
	return 0;
}

/* grub.cfg: "menuentry 'TITLE' --id ID {", then "linux KERNEL ARGS". */
static int grub_line(struct lv_facts *f, const char *s, size_t n)
{
	struct lv_bootentry *e = f->nboot && !strcmp(f->boot[f->nboot - 1].loader, "grub")
					 ? &f->boot[f->nboot - 1] : NULL;
	_cleanup_free_ char *line = strndup(s, n);
	if (!line)
		return -ENOMEM;
	if (!strncmp(line, "menuentry '", 11)) {
		char *end = strchr(line + 11, '\''), *id = strstr(line, "--id ");
		char *idw = id ? trimmed(id + 5, strcspn(id + 5, " {")) : strdup("");
		int r = push_entry(f, "grub", idw);
		if (r == 0 && end)
			f->boot[f->nboot - 1].title = strndup(line + 11, (size_t)(end - line - 11));
		return r;
	}
	if (e && !strncmp(line, "linux ", 6) && !e->cmdline) {
		const char *args = line + 6 + strcspn(line + 6, " ");
		e->cmdline = trimmed(args, strlen(args));
	}
	return 0;
}

static int read_menu(const struct lv_medium *m, struct lv_facts *f, const char *path,
		     int (*line)(struct lv_facts *, const char *, size_t))
{
	struct lv_buf b = { 0 };
	if (read_text(m, path, &b) < 0)
		return 0; /* a BIOS-only or UEFI-only medium has one menu */
	int r = 0;
	for (const char *s = b.p; r == 0 && s && *s;) {
		size_t n = strcspn(s, "\n");
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		r = line(f, s, n);
		s += n + (s[n] == '\n');
	}
	lv_buf_release(&b);
	return r;
}

/* The version string of a bzImage (Linux boot protocol, boot.rst: "HdrS"
 * at 0x202, its offset minus 0x200 at 0x20e), first word. */
static char *kernel_version(const struct lv_medium *m)
{
	_cleanup_free_ char *host = lv_medium_file(m, "boot/vmlinuz");
	unsigned char head[65536];
	_cleanup_fclose_ FILE *fp = host ? fopen(host, "rb") : NULL;
	size_t n = fp ? fread(head, 1, sizeof(head) - 1, fp) : 0;
	if (n < 0x210 || memcmp(head + 0x202, "HdrS", 4))
		return NULL;
	size_t at = 0x200 + (head[0x20e] | (size_t)head[0x20f] << 8);
	if (at >= n)
		return NULL;
	head[n] = '\0';
	const char *v = (const char *)head + at;
	return strndup(v, strcspn(v, " \t\n"));
}

struct initramfs_pass {
	struct lv_initramfs *ir;
	struct lv_buf readonly;
};

static char *small_text(struct lv_xdata *data)
{
	char buf[4096];
	size_t have = 0;
	long n;
	while (have < sizeof(buf) - 1 && (n = data->read(data->src, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	return trimmed(buf, have);
}

static int initramfs_entry(const struct lv_xentry *e, struct lv_xdata *data, void *ud)
{
	struct initramfs_pass *p = ud;
	struct lv_initramfs *ir = p->ir;
	const char *mod = !strncmp(e->path, "usr/", 4) ? e->path + 4 : e->path;
	if (e->type != 'f')
		return 0;
	ir->files++;
	if (!fnmatch("lib/modules/*.ko", mod, 0) || !fnmatch("lib/modules/*.ko.*", mod, 0))
		ir->modules++;
	else if (!strcmp(e->path, "etc/livec/root") && !ir->root)
		ir->root = small_text(data);
	else if (!strcmp(e->path, "etc/livec/inner") && !ir->inner)
		ir->inner = small_text(data);
	else if (!strcmp(e->path, "etc/livec/readonly") && !p->readonly.p) {
		char *t = small_text(data);
		lv_buf_puts(&p->readonly, t ? t : "");
		free(t);
	}
	return 0;
}

/* etc/livec/readonly: one directory a line. */
static int split_lines(const char *text, char ***out, size_t *n)
{
	for (const char *s = text; s && *s;) {
		size_t len = strcspn(s, "\n");
		char **v = len ? realloc(*out, (*n + 1) * sizeof(char *)) : *out;
		if (!v)
			return -ENOMEM;
		*out = v;
		if (len)
			v[(*n)++] = trimmed(s, len);
		s += len + (s[len] == '\n');
	}
	return 0;
}

int lv_facts_initramfs(const struct lv_medium *m, struct lv_initramfs *ir, struct lv_diags *d)
{
	_cleanup_free_ char *host = lv_medium_file(m, "boot/initrd.gz");
	char name[512];
	struct initramfs_pass p = { ir, { 0 } };
	memset(ir, 0, sizeof(*ir));
	snprintf(name, sizeof(name), "%s:boot/initrd.gz", m->name);
	if (!host) {
		lv_error(d, "%s: not taken off the medium", name);
		return -LVE_ARCHIVE;
	}
	int r = lv_archive_each(host, name, LV_XFORMAT_CPIO, initramfs_entry, &p, d);
	if (r == 0)
		r = split_lines(p.readonly.p, &ir->readonly, &ir->nreadonly);
	lv_buf_release(&p.readonly);
	return r;
}

/* "key: value" of the buildinfo (buildinfo.h). */
static char *buildinfo_value(const char *text, const char *key)
{
	size_t k = strlen(key);
	for (const char *s = text; s && *s; s += strcspn(s, "\n"), s += *s == '\n')
		if (!strncmp(s, key, k) && s[k] == ':')
			return trimmed(s + k + 1, strcspn(s + k + 1, "\n"));
	return NULL;
}

static void epoch_and_version(const struct lv_medium *m, const struct lv_ynode *lock, struct lv_facts *f)
{
	struct lv_buf b = { 0 };
	read_text(m, "LIVEC/buildinfo", &b);
	f->livec = buildinfo_value(b.p, "livec");
	_cleanup_free_ char *epoch = buildinfo_value(b.p, "source-date-epoch");
	const char *lock_epoch = lv_yscalar(lv_ymap_get(lock, "source-date-epoch"));
	f->epoch = -1;
	if (epoch || lock_epoch) {
		f->epoch = strtoll(epoch ? epoch : lock_epoch, NULL, 10);
		f->epoch_from = epoch ? "buildinfo" : "lock";
	}
	lv_buf_release(&b);
}

int lv_facts_read(const struct lv_medium *m, struct lv_facts *f, struct lv_diags *d)
{
	memset(f, 0, sizeof(*f));
	struct lv_ynode *lock = load_yaml(m, "LIVEC/livec.lock", d);
	if (!lock)
		return -LVE_PARSE;
	const char *name = lv_yscalar(lv_ymap_get(lock, "manifest"));
	f->manifest = strdup(name ? name : "?");
	epoch_and_version(m, lock, f);
	lv_ynode_free(lock);
	f->kernel = kernel_version(m);
	int r = read_menu(m, f, "boot/isolinux/isolinux.cfg", isolinux_line);
	if (r == 0)
		r = read_menu(m, f, "boot/grub/grub.cfg", grub_line);
	if (r == 0)
		r = lv_facts_initramfs(m, &f->initramfs, d);
	if (r == 0)
		r = lv_facts_packages(m, &f->rootfs, &f->bootset, d);
	return r;
}

void lv_pkgvers_release(struct lv_pkgvers *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].version);
		free(p->v[i].license);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

void lv_initramfs_release(struct lv_initramfs *ir)
{
	for (size_t i = 0; i < ir->nreadonly; i++)
		free(ir->readonly[i]);
	free(ir->readonly);
	free(ir->root);
	free(ir->inner);
	memset(ir, 0, sizeof(*ir));
}

void lv_facts_release(struct lv_facts *f)
{
	for (size_t i = 0; i < f->nboot; i++) {
		free(f->boot[i].id);
		free(f->boot[i].title);
		free(f->boot[i].cmdline);
	}
	free(f->boot);
	free(f->manifest);
	free(f->livec);
	free(f->kernel);
	lv_initramfs_release(&f->initramfs);
	lv_pkgvers_release(&f->rootfs);
	lv_pkgvers_release(&f->bootset);
	memset(f, 0, sizeof(*f));
}
