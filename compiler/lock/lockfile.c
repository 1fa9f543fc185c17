/* Lockfile writer and reader (lockfile.h).
 *
 * The writer emits a fixed subset of YAML by hand, so the bytes depend on
 * nothing but the data: keys in sorted order at every level, every string
 * double-quoted, numbers plain, two-space indentation, LF line ends. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"
#include "repo/local.h"
#include "base/sha256.h"
#include "manifest/yamltree.h"

/* ---- the inputs digest ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void digest_pkgs(struct lv_buf *b, const char *key, const struct lv_mpkgs *p)
{
	char **v = calloc(p->n + 1, sizeof(char *));
	for (size_t i = 0; i < p->n; i++)
		if (asprintf(&v[i], "%s%s%s%s%s", p->v[i].name, p->v[i].version ? "=" : "",
			     p->v[i].version ? p->v[i].version : "", p->v[i].suite ? "/" : "",
			     p->v[i].suite ? p->v[i].suite : "") < 0)
			abort();
	qsort(v, p->n, sizeof(char *), cmp_str);
	lv_buf_printf(b, "%s", key);
	for (size_t i = 0; i < p->n; i++) {
		lv_buf_printf(b, " %s", v[i]);
		free(v[i]);
	}
	lv_buf_puts(b, "\n");
	free(v);
}

void lv_lock_inputs_digest(const struct lv_manifest *m, char out[72])
{
	struct lv_buf b = { 0 };
	char hex[LV_SHA256_HEX];
	char **keys = calloc(m->dist.keys.n + 1, sizeof(char *));

	/* The mirror URL is not an input: the lock pins content by hash. */
	lv_buf_printf(&b, "lockfile-format %d\nsuite %s\narchitecture %s\ncomponents", LV_LOCK_FORMAT,
		      m->dist.suite, m->dist.architecture);
	for (size_t i = 0; i < m->dist.components.n; i++)
		lv_buf_printf(&b, " %s", m->dist.components.v[i]);
	lv_buf_printf(&b, "\nupdates %d\nsecurity %d\nvariant %s\nrecommends %d\n", m->dist.updates,
		      m->dist.security, lv_variant_name(m->pkgs.variant), m->pkgs.recommends);
	digest_pkgs(&b, "install", &m->pkgs.install);
	digest_pkgs(&b, "exclude", &m->pkgs.exclude);
	digest_pkgs(&b, "boot", &m->pkgs.boot);
	for (size_t i = 0; i < m->dist.keys.n; i++)
		keys[i] = m->dist.keys.v[i];
	qsort(keys, m->dist.keys.n, sizeof(char *), cmp_str);
	lv_buf_puts(&b, "keys");
	for (size_t i = 0; i < m->dist.keys.n; i++)
		lv_buf_printf(&b, " %s", keys[i]);
	lv_buf_printf(&b, "\nkeyring %s\n", m->dist.keyring ? m->dist.keyring : "debian");
	if (m->dist.snapshot)
		lv_buf_puts(&b, "snapshot 1\n");
	/* extra repositories in the order given (the order is apt's among
	 * equal versions); their URIs, like the mirror's, are not inputs */
	for (size_t i = 0; i < m->dist.repos.n; i++) {
		const struct lv_mrepo *e = &m->dist.repos.v[i];
		lv_buf_printf(&b, "repository %s suite %s priority %ld keyring %s components", e->name, e->suite,
			      e->priority, e->keyring ? e->keyring : "debian");
		for (size_t k = 0; k < e->components.n; k++)
			lv_buf_printf(&b, " %s", e->components.v[k]);
		lv_buf_puts(&b, " keys");
		for (size_t k = 0; k < e->keys.n; k++)
			lv_buf_printf(&b, " %s", e->keys.v[k]);
		lv_buf_puts(&b, "\n");
	}
	/* packages.local: what is in it, file by file */
	if (m->pkgs.local_dir)
		lv_local_digest(m->pkgs.local_dir, &b);
	free(keys);
	lv_sha256_buf(b.p, b.len, hex);
	lv_buf_release(&b);
	snprintf(out, 72, "sha256:%s", hex);
}

/* ---- writing ---- */

static void put_str(struct lv_buf *b, int indent, const char *key, const char *v)
{
	lv_buf_printf(b, "%*s%s: ", indent, "", key);
	lv_yaml_quote(b, v);
	lv_buf_puts(b, "\n");
}

static void put_num(struct lv_buf *b, int indent, const char *key, unsigned long long v)
{
	lv_buf_printf(b, "%*s%s: %llu\n", indent, "", key, v);
}

static void put_set(struct lv_buf *b, const char *key, const struct lv_lockset *s)
{
	if (!s->n) {
		lv_buf_printf(b, "%s: {}\n", key);
		return;
	}
	lv_buf_printf(b, "%s:\n", key);
	for (size_t i = 0; i < s->n; i++) {
		const struct lv_lockpkg *p = &s->v[i];
		lv_buf_printf(b, "  %s:\n", p->name);
		put_str(b, 4, "architecture", p->arch);
		put_str(b, 4, "copyright-from", p->copyright_from);
		put_str(b, 4, "copyright-sha256", p->copyright_sha256);
		put_str(b, 4, "filename", p->filename);
		put_str(b, 4, "license", p->license);
		put_str(b, 4, "license-method", p->license_method);
		put_str(b, 4, "maintainer", p->maintainer);
		put_str(b, 4, "reason", p->reason);
		put_str(b, 4, "repository", p->repo);
		put_str(b, 4, "sha256", p->sha256);
		put_num(b, 4, "size", p->size);
		put_str(b, 4, "source", p->source);
		put_str(b, 4, "source-version", p->source_version);
		put_str(b, 4, "version", p->version);
	}
}

int lv_lock_format(const struct lv_lock *l, struct lv_buf *b)
{
	lv_buf_puts(b, "# livec lockfile: written by `livec lock`, read by `livec build`; do not edit.\n"
		       "# Every package that goes into the image, pinned by SHA256.\n");
	put_set(b, "boot", &l->boot);
	put_num(b, 0, "format", (unsigned long long)l->format);
	put_str(b, 0, "inputs-digest", l->inputs_digest);
	put_str(b, 0, "livec-version", l->livec_version);
	put_str(b, 0, "manifest", l->manifest);
	lv_buf_puts(b, "repositories:\n");
	for (size_t i = 0; i < l->nrepos; i++) {
		const struct lv_lockrepo *r = &l->repos[i];
		int local = !strcmp(r->mirror, "local");
		lv_buf_printf(b, "  %s:\n", r->name);
		if (!local) {
			put_str(b, 4, "codename", r->codename);
			put_str(b, 4, "date", r->date);
		}
		lv_buf_puts(b, "    indexes:\n");
		for (size_t k = 0; k < r->nidx; k++) {
			put_str(b, 6, "- path", r->idx[k].path);
			put_str(b, 8, "sha256", r->idx[k].sha256);
			put_num(b, 8, "size", r->idx[k].size);
		}
		if (!local)
			put_str(b, 4, "inrelease-sha256", r->inrelease_sha256);
		put_str(b, 4, "mirror", r->mirror);
		if (r->priority > 0)
			put_num(b, 4, "priority", (unsigned long long)r->priority);
		if (r->rolled_back_from)
			put_str(b, 4, "rolled-back-from", r->rolled_back_from);
		if (!local)
			put_str(b, 4, "signed-by", r->signed_by);
		if (r->snapshot)
			lv_buf_puts(b, "    snapshot: true\n");
		put_str(b, 4, "suite", r->suite);
		if (r->valid_until)
			put_str(b, 4, "valid-until", r->valid_until);
	}
	put_set(b, "rootfs", &l->rootfs);
	put_num(b, 0, "source-date-epoch", (unsigned long long)l->source_date_epoch);
	return 0;
}

int lv_lock_write(const char *path, const struct lv_lock *l)
{
	struct lv_buf b = { 0 };
	int r = lv_lock_format(l, &b);
	if (r == 0)
		r = lv_write_atomic(path, b.p, b.len);
	lv_buf_release(&b);
	return r;
}

/* ---- reading ---- */

struct reader {
	const char *path;
	struct lv_diags *d;
	int bad;
};

static const struct lv_ynode *need(struct reader *rd, const struct lv_ynode *map, const char *key,
				   enum lv_ykind kind)
{
	const struct lv_ynode *n = lv_ymap_get(map, key);
	if (!n) {
		if (!rd->bad++)
			lv_diag_at(rd->d, LV_ERROR, rd->path, map->line, map->col,
				   "regenerate it with 'livec lock --update'",
				   "malformed lockfile: missing '%s'", key);
		return NULL;
	}
	if (n->kind != kind) {
		if (!rd->bad++)
			lv_diag_at(rd->d, LV_ERROR, rd->path, n->line, n->col, NULL,
				   "malformed lockfile: '%s' must be %s", key, lv_ykind_name(kind));
		return NULL;
	}
	return n;
}

static char *need_str(struct reader *rd, const struct lv_ynode *map, const char *key)
{
	const struct lv_ynode *n = need(rd, map, key, LV_YSCALAR);
	return n ? strdup(n->value) : strdup("");
}

/* A SHA-256 field (it becomes a cache path): 64 lowercase hex digits, or
 * the lockfile is malformed; KIND 'NAME' owns it, in the message. */
static char *need_sha256(struct reader *rd, const struct lv_ynode *map, const char *key, const char *kind,
			 const char *name)
{
	char *v = need_str(rd, map, key);
	if (!rd->bad && !lv_sha256_valid(v)) {
		rd->bad++;
		lv_diag_at(rd->d, LV_ERROR, rd->path, map->line, map->col, NULL,
			   "malformed lockfile: %s '%s' has an invalid %s", kind, name, key);
	}
	return v;
}

/* An optional string: NULL when absent (or not a string). */
static char *opt_str(const struct lv_ynode *map, const char *key)
{
	const struct lv_ynode *n = lv_ymap_get(map, key);
	return n && n->kind == LV_YSCALAR ? strdup(n->value) : NULL;
}

static unsigned long long need_num(struct reader *rd, const struct lv_ynode *map, const char *key)
{
	const struct lv_ynode *n = need(rd, map, key, LV_YSCALAR);
	char *end = NULL;
	if (!n)
		return 0;
	unsigned long long v = strtoull(n->value, &end, 10);
	if (!*n->value || *end) {
		if (!rd->bad++)
			lv_diag_at(rd->d, LV_ERROR, rd->path, n->line, n->col, NULL,
				   "malformed lockfile: '%s' must be a number", key);
	}
	return v;
}

static void read_set(struct reader *rd, const struct lv_ynode *root, const char *key, struct lv_lockset *s)
{
	const struct lv_ynode *m = need(rd, root, key, LV_YMAP);
	if (!m)
		return;
	s->v = calloc(m->n / 2 + 1, sizeof(*s->v));
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct lv_ynode *pn = m->kids[i + 1];
		if (pn->kind != LV_YMAP) {
			need(rd, m, m->kids[i]->value, LV_YMAP);
			return;
		}
		struct lv_lockpkg *p = &s->v[s->n++];
		p->name = strdup(m->kids[i]->value);
		p->arch = need_str(rd, pn, "architecture");
		p->copyright_from = need_str(rd, pn, "copyright-from");
		p->copyright_sha256 = need_str(rd, pn, "copyright-sha256");
		p->filename = need_str(rd, pn, "filename");
		p->license = need_str(rd, pn, "license");
		p->license_method = need_str(rd, pn, "license-method");
		p->maintainer = need_str(rd, pn, "maintainer");
		p->reason = need_str(rd, pn, "reason");
		p->repo = need_str(rd, pn, "repository");
		p->sha256 = need_sha256(rd, pn, "sha256", "package", p->name);
		p->size = need_num(rd, pn, "size");
		p->source = need_str(rd, pn, "source");
		p->source_version = need_str(rd, pn, "source-version");
		p->version = need_str(rd, pn, "version");
		/* a name reaches paths (the .debs placed in the tree, the
		 * cache's file lists): a Debian package name or nothing */
		if (!rd->bad && !lv_valid_pkgname(p->name)) {
			rd->bad++;
			lv_diag_at(rd->d, LV_ERROR, rd->path, m->kids[i]->line, m->kids[i]->col, NULL,
				   "malformed lockfile: '%s' is not a Debian package name", p->name);
		}
		if (!rd->bad && (strstr(p->filename, "..") || p->filename[0] == '/' || strstr(p->filename, "://"))) {
			rd->bad++;
			lv_diag_at(rd->d, LV_ERROR, rd->path, pn->line, pn->col, NULL,
				   "malformed lockfile: package '%s' has an unsafe filename '%s'", p->name,
				   p->filename);
		}
	}
}

int lv_lock_read(const char *path, struct lv_lock *l, struct lv_diags *d)
{
	struct reader rd = { .path = path, .d = d };
	struct lv_ynode *root;

	memset(l, 0, sizeof(*l));
	if (!lv_exists(path)) {
		lv_error(d, "no lockfile '%s': run 'livec lock' first", path);
		return -LVE_NOLOCK;
	}
	root = lv_yaml_load(path, d);
	if (!root)
		return -LVE_PARSE;
	if (root->kind != LV_YMAP) {
		lv_diag_at(d, LV_ERROR, path, root->line, root->col, NULL, "malformed lockfile");
		lv_ynode_free(root);
		return -LVE_PARSE;
	}
	l->format = (int)need_num(&rd, root, "format");
	if (!rd.bad && l->format != LV_LOCK_FORMAT) {
		lv_error(d, "lockfile '%s' has format %d; this livec reads format %d: run 'livec lock "
			    "--update'", path, l->format, LV_LOCK_FORMAT);
		lv_ynode_free(root);
		return -LVE_STALE;
	}
	l->livec_version = need_str(&rd, root, "livec-version");
	l->manifest = need_str(&rd, root, "manifest");
	l->inputs_digest = need_str(&rd, root, "inputs-digest");
	l->source_date_epoch = (long long)need_num(&rd, root, "source-date-epoch");
	const struct lv_ynode *repos = need(&rd, root, "repositories", LV_YMAP);
	if (repos) {
		l->repos = calloc(repos->n / 2 + 1, sizeof(*l->repos));
		for (size_t i = 0; i + 1 < repos->n && !rd.bad; i += 2) {
			const struct lv_ynode *rn = repos->kids[i + 1];
			if (rn->kind != LV_YMAP) {
				need(&rd, repos, repos->kids[i]->value, LV_YMAP);
				break;
			}
			struct lv_lockrepo *r = &l->repos[l->nrepos++];
			r->name = strdup(repos->kids[i]->value);
			r->mirror = need_str(&rd, rn, "mirror");
			if (r->mirror && !strcmp(r->mirror, "local")) { /* nothing signed: no InRelease */
				r->codename = strdup("");
				r->date = strdup("");
				r->inrelease_sha256 = strdup("");
				r->signed_by = strdup("");
			} else {
				r->codename = need_str(&rd, rn, "codename");
				r->date = need_str(&rd, rn, "date");
				r->inrelease_sha256 = need_sha256(&rd, rn, "inrelease-sha256", "suite", r->name);
				r->signed_by = need_str(&rd, rn, "signed-by");
			}
			const struct lv_ynode *prio = lv_ymap_get(rn, "priority");
			if (prio)
				r->priority = (long)need_num(&rd, rn, "priority");
			r->suite = need_str(&rd, rn, "suite");
			r->valid_until = opt_str(rn, "valid-until");
			r->rolled_back_from = opt_str(rn, "rolled-back-from");
			const struct lv_ynode *snap = lv_ymap_get(rn, "snapshot");
			r->snapshot = snap && snap->kind == LV_YSCALAR && !strcmp(snap->value, "true");
			const struct lv_ynode *ix = need(&rd, rn, "indexes", LV_YSEQ);
			if (ix) {
				r->idx = calloc(ix->n + 1, sizeof(*r->idx));
				for (size_t k = 0; k < ix->n && !rd.bad; k++) {
					if (ix->kids[k]->kind != LV_YMAP) {
						rd.bad++;
						break;
					}
					r->idx[r->nidx].path = need_str(&rd, ix->kids[k], "path");
					r->idx[r->nidx].sha256 = need_sha256(&rd, ix->kids[k], "sha256", "suite", r->name);
					r->idx[r->nidx].size = need_num(&rd, ix->kids[k], "size");
					r->nidx++;
				}
			}
		}
	}
	read_set(&rd, root, "rootfs", &l->rootfs);
	if (!rd.bad)
		read_set(&rd, root, "boot", &l->boot);
	lv_ynode_free(root);
	if (rd.bad) {
		if (!d->errors)
			lv_error(d, "malformed lockfile '%s'", path);
		lv_lock_release(l);
		return -LVE_PARSE;
	}
	return 0;
}

void lv_lockpkg_release(struct lv_lockpkg *p)
{
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->repo);
	free(p->filename);
	free(p->sha256);
	free(p->source);
	free(p->source_version);
	free(p->reason);
	free(p->maintainer);
	free(p->license);
	free(p->license_method);
	free(p->copyright_sha256);
	free(p->copyright_from);
}

static void set_release(struct lv_lockset *s)
{
	for (size_t i = 0; i < s->n; i++)
		lv_lockpkg_release(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void lv_lock_release(struct lv_lock *l)
{
	free(l->livec_version);
	free(l->manifest);
	free(l->inputs_digest);
	for (size_t i = 0; i < l->nrepos; i++) {
		struct lv_lockrepo *r = &l->repos[i];
		free(r->name);
		free(r->mirror);
		free(r->suite);
		free(r->codename);
		free(r->date);
		free(r->valid_until);
		free(r->rolled_back_from);
		free(r->inrelease_sha256);
		free(r->signed_by);
		for (size_t k = 0; k < r->nidx; k++) {
			free(r->idx[k].path);
			free(r->idx[k].sha256);
		}
		free(r->idx);
	}
	free(l->repos);
	set_release(&l->rootfs);
	set_release(&l->boot);
	memset(l, 0, sizeof(*l));
}

static int cmp_pkg(const void *a, const void *b)
{
	return strcmp(((const struct lv_lockpkg *)a)->name, ((const struct lv_lockpkg *)b)->name);
}

void lv_lockset_sort(struct lv_lockset *s)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_pkg);
}

char *lv_lock_default_path(const char *manifest_path, const char *name)
{
	char *abs = realpath(manifest_path, NULL);
	char *dir = lv_dirname(abs ? abs : manifest_path);
	char *out = NULL;

	free(abs);
	for (char *d = strdup(dir); d;) {
		_cleanup_free_ char *cand = lv_path_join(d, "lockfiles");
		if (lv_exists(cand)) {
			if (asprintf(&out, "%s/%s.lock", cand, name) < 0)
				out = NULL;
			free(d);
			break;
		}
		if (!strcmp(d, "/")) {
			free(d);
			break;
		}
		char *up = lv_dirname(d);
		free(d);
		d = up;
	}
	if (!out)
		out = lv_path_join(dir, "livec.lock");
	free(dir);
	return out;
}
