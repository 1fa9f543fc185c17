/* Repository metadata acquisition (repo.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "repo/decompress.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "repo/net.h"
#include "repo/repo.h"
#include "repo/sources.h"
#include "repo/gpgv.h"
#include "repo/local.h"

#define LV_INRELEASE_MAX (32u << 20)
#define LV_PACKAGES_MAX (1u << 30)

static const char *const role_names[] = { [LV_MIRROR_PRIMARY] = "primary", [LV_MIRROR_SECURITY] = "security",
					  [LV_MIRROR_EXTRA] = "repository", [LV_MIRROR_LOCAL] = "local" };

const char *lv_mirror_role_name(enum lv_mirror_role role)
{
	return role_names[role];
}

int lv_mirror_role_parse(const char *s, enum lv_mirror_role *role)
{
	for (size_t i = 0; i < LV_ARRAY_SIZE(role_names); i++)
		if (!strcmp(s, role_names[i])) {
			*role = (enum lv_mirror_role)i;
			return 0;
		}
	return -1;
}

/* Who may sign: the given keyring and keys, else Debian's. */
static struct lv_sigcheck sigcheck_for(const char *keyring, const struct lv_strs *keys)
{
	struct lv_sigcheck sc = { .keyring = keyring ? keyring : LV_DEBIAN_KEYRING,
				  .allowed = lv_debian_keys,
				  .nallowed = lv_debian_nkeys };
	if (keys->n) {
		sc.allowed = (const char *const *)keys->v;
		sc.nallowed = keys->n;
	}
	return sc;
}

/* A host path as the path of a file:// URL: what is not plain,
 * percent-encoded (RFC 3986). */
static char *file_url(const char *path)
{
	struct lv_buf b = { 0 };
	lv_buf_puts(&b, "file://");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++)
		if (('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') || ('0' <= *c && *c <= '9') ||
		    strchr("/._~-", *c))
			lv_buf_printf(&b, "%c", *c);
		else
			lv_buf_printf(&b, "%%%02X", *c);
	return b.p;
}

static struct lv_repo *add_repo(struct lv_repos *r, const char *name, const char *suite, const char *base,
				enum lv_mirror_role role)
{
	struct lv_repo *v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v)
		abort();
	r->v = v;
	v += r->n++;
	*v = (struct lv_repo){ .name = strdup(name), .suite = strdup(suite), .base = strdup(base), .role = role,
			       .priority = -1 };
	return v;
}

/* A Debian suite of the manifest's distribution section. */
static void add_debian(struct lv_repos *r, const struct lv_manifest *m, const char *suite, const char *base,
		       enum lv_mirror_role role)
{
	struct lv_repo *rp = add_repo(r, suite, suite, base, role);
	rp->components = m->dist.components.v;
	rp->ncomponents = m->dist.components.n;
	rp->arch = m->dist.architecture;
	rp->sc = sigcheck_for(m->dist.keyring, &m->dist.keys);
}

/* Suites that have no -updates or -security companions. */
static int rolling(const char *suite)
{
	return !strcmp(suite, "sid") || !strcmp(suite, "unstable") || !strcmp(suite, "experimental") ||
	       !strcmp(suite, "rc-buggy");
}

int lv_repos_plan(const struct lv_manifest *m, struct lv_repos *out, struct lv_diags *d)
{
	_cleanup_free_ char *mirror = NULL, *security = NULL;
	char name[256];
	int r = lv_sources_pick(m->dist.mirror, m->dist.security_mirror, m->dist.suite, &mirror,
				&security, d);
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	add_debian(out, m, m->dist.suite, mirror, LV_MIRROR_PRIMARY);
	int updates = m->dist.updates >= 0 ? m->dist.updates : !rolling(m->dist.suite);
	int sec = m->dist.security >= 0 ? m->dist.security : !rolling(m->dist.suite);
	if (updates) {
		snprintf(name, sizeof(name), "%s-updates", m->dist.suite);
		add_debian(out, m, name, mirror, LV_MIRROR_PRIMARY);
	}
	if (sec) {
		snprintf(name, sizeof(name), "%s-security", m->dist.suite);
		add_debian(out, m, name, security, LV_MIRROR_SECURITY);
	}
	for (size_t i = 0; i < m->dist.repos.n; i++) {
		const struct lv_mrepo *e = &m->dist.repos.v[i];
		size_t l = strlen(e->uri ? e->uri : "");
		_cleanup_free_ char *base = e->uri ? strndup(e->uri, l - (l && e->uri[l - 1] == '/')) : NULL;
		struct lv_repo *rp = add_repo(out, e->name, e->suite, base ? base : mirror, LV_MIRROR_EXTRA);
		rp->components = e->components.v;
		rp->ncomponents = e->components.n;
		rp->arch = m->dist.architecture;
		/* on the distribution's mirror, signed as the distribution is
		 * unless it says otherwise (a vendor's must say: manifest.c) */
		rp->sc = sigcheck_for(e->keyring_path ? e->keyring_path : m->dist.keyring,
				      e->keys.n ? &e->keys : &m->dist.keys);
		rp->priority = e->priority;
	}
	if (m->pkgs.local_dir) {
		_cleanup_free_ char *abs = realpath(m->pkgs.local_dir, NULL), *base = abs ? file_url(abs) : NULL;
		if (!base) {
			lv_error(d, "packages.local: cannot find '%s': %s", m->pkgs.local_dir, strerror(errno));
			return -LVE_MISSING;
		}
		struct lv_repo *rp = add_repo(out, "local", "local", base, LV_MIRROR_LOCAL);
		rp->arch = m->dist.architecture;
		rp->priority = 500;
	}
	return 0;
}

struct lv_repo *lv_repos_find(const struct lv_repos *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return &r->v[i];
	return NULL;
}

char *lv_repo_url(const struct lv_repo *r, const char *filename)
{
	char *u;
	if (asprintf(&u, "%s/%s", r->base, filename) < 0)
		return NULL;
	return u;
}

/* The InRelease downloaded to dest (from url): its signature checked by
 * gpgv, the signed text parsed into rp->rel and the signer recorded. */
static int read_inrelease(const struct lv_sigcheck *sc, struct lv_repo *rp, const char *dest, const char *url,
			  struct lv_diags *d)
{
	_cleanup_free_ char *signed_text = NULL;
	struct lv_buf text = { .max = LV_INRELEASE_MAX };
	char why[256];
	int r;

	/* beside the input, by process: two builds may prove one cached blob */
	if (asprintf(&signed_text, "%s.signed.%ld", dest, (long)getpid()) < 0)
		abort();
	r = lv_gpgv_inrelease(sc, dest, signed_text, rp->signer, url, d);
	if (r < 0) {
		unlink(signed_text);
		return r;
	}
	r = lv_read_file(signed_text, &text);
	unlink(signed_text);
	if (r >= 0)
		r = lv_release_parse(text.p, text.len, &rp->rel, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s", lv_strerror(r));
	lv_buf_release(&text);
	if (r < 0)
		lv_error(d, "InRelease of suite '%s' (%s): %s", rp->suite, url, why);
	return r;
}

/* A signed Release is not yet the one asked for: it must name the suite
 * and (when `now`) still be valid. */
static int check_release(const struct lv_repo *rp, const char *url, int now, struct lv_diags *d)
{
	/* The signature says who made the file, not which suite it is: a
	 * correctly signed InRelease of another suite (last year's
	 * oldstable-security as bookworm-security) must not pass for the
	 * one asked for.  apt checks the same (Suite or Codename). */
	if (!((rp->rel.suite && !strcmp(rp->rel.suite, rp->suite)) ||
	      (rp->rel.codename && !strcmp(rp->rel.codename, rp->suite)))) {
		lv_error(d, "InRelease at %s is for suite '%s' (codename '%s'), not '%s': refused (a "
			    "mirror serving other metadata under this name)", url,
			 rp->rel.suite ? rp->rel.suite : "?", rp->rel.codename ? rp->rel.codename : "?",
			 rp->suite);
		return -LVE_SIGNATURE;
	}
	/* Valid-Until guards against a mirror replaying old, signed metadata.
	 * The wall clock is read here only to check, never to write. */
	if (now && lv_release_expired(&rp->rel)) {
		lv_error(d, "InRelease of suite '%s' expired on %s (Valid-Until): the mirror "
			    "serves stale metadata (distribution.snapshot: true if it is meant to serve "
			    "the past)", rp->name, rp->rel.valid_until);
		return -LVE_SIGNATURE;
	}
	return 0;
}

void lv_index_path(const struct lv_repo *rp, size_t k, char *buf, size_t n)
{
	snprintf(buf, n, "%s/binary-%s/Packages", rp->components[k], rp->arch);
}

/* rp->idx: the Packages index of each component, with the hash and size
 * the Release gives it. */
static int find_indexes(struct lv_repo *rp, struct lv_diags *d)
{
	rp->idx = calloc(rp->ncomponents + 1, sizeof(*rp->idx));
	for (size_t k = 0; k < rp->ncomponents; k++) {
		const char *comp = rp->components[k];
		char path[256];
		lv_index_path(rp, k, path, sizeof(path));
		const struct lv_relfile *f = lv_release_find(&rp->rel, path);
		if (!f) {
			lv_error(d, "suite '%s' has no index '%s' (is '%s' a component, and '%s' an "
				    "architecture of it?)", rp->suite, path, comp, rp->arch);
			return -LVE_MISSING;
		}
		struct lv_index *ix = &rp->idx[rp->nidx++];
		ix->component = strdup(comp);
		ix->path = strdup(path);
		memcpy(ix->sha256, f->sha256, 65);
		ix->size = f->size;
	}
	return 0;
}

int lv_repo_verify_inrelease(const char *path, struct lv_repo *rp, const char *what, int now,
			     struct lv_diags *d)
{
	int r = read_inrelease(&rp->sc, rp, path, what, d);
	return r < 0 ? r : check_release(rp, what, now, d);
}

int lv_repos_acquire(const struct lv_manifest *m, const struct lv_cache *c, struct lv_repos *repos,
		     struct lv_diags *d)
{
	struct lv_dl *dl = calloc(repos->n, sizeof(*dl));
	char **urls = calloc(repos->n, sizeof(char *)), **dests = calloc(repos->n, sizeof(char *));
	int r = 0;

	for (size_t i = 0; i < repos->n; i++) {
		if (repos->v[i].role == LV_MIRROR_LOCAL) {
			dl[i] = (struct lv_dl){ .url = "" };
			continue;
		}
		if (asprintf(&urls[i], "%s/dists/%s/InRelease", repos->v[i].base, repos->v[i].suite) < 0 ||
		    asprintf(&dests[i], "%s/tmp/InRelease.%ld.%zu", c->root, (long)getpid(), i) < 0)
			abort();
		dl[i] = (struct lv_dl){ .url = urls[i], .dest = dests[i], .max = LV_INRELEASE_MAX };
	}
	size_t nremote = 0;
	for (size_t i = 0; i < repos->n; i++)
		if (repos->v[i].role != LV_MIRROR_LOCAL)
			dl[nremote++] = dl[i];
	lv_net_fetch(dl, nremote, 4, "InRelease");
	for (size_t i = 0, k = 0; i < repos->n && !r; i++) {
		struct lv_repo *rp = &repos->v[i];
		if (rp->role == LV_MIRROR_LOCAL) {
			r = lv_local_index(c, rp, d);
			continue;
		}
		size_t j = k++;
		if (dl[j].status) {
			lv_error(d, "cannot get InRelease of suite '%s': %s", rp->suite, dl[j].error);
			r = dl[j].status == -LVE_MISSING ? -LVE_MISSING : -LVE_NET;
			break;
		}
		memcpy(rp->inrelease_sha256, dl[j].got_sha256, 65);
		if ((r = lv_repo_verify_inrelease(dests[i], rp, urls[i], !m->dist.snapshot, d)) < 0)
			break;
		if (rp->priority < 0)
			rp->priority = lv_release_priority(&rp->rel);
		if (m->dist.snapshot && lv_release_expired(&rp->rel))
			lv_note(d, "suite '%s': its Valid-Until (%s) has passed; accepted, as distribution.snapshot "
				   "says the mirror serves the past (the lock records it)", rp->name, rp->rel.valid_until);
		r = find_indexes(rp, d);
		/* kept by hash: the lock names it, and fetch and build re-prove
		 * the pins from it (prove.c) */
		_cleanup_free_ char *blob = lv_cache_blob(c, rp->inrelease_sha256);
		if (r == 0 && (!blob || rename(dests[i], blob) < 0))
			lv_warn(d, "cannot keep InRelease of suite '%s' in the cache: %s", rp->name, strerror(errno));
	}
	for (size_t i = 0; i < repos->n; i++) {
		if (dests[i])
			unlink(dests[i]);
		free(urls[i]);
		free(dests[i]);
	}
	free(urls);
	free(dests);
	free(dl);
	return r;
}

int lv_index_fetch(const struct lv_cache *c, struct lv_repo *repo, struct lv_index *ix,
		   struct lv_diags *d)
{
	static const char *const exts[] = { ".xz", ".gz", "" };
	const struct lv_relfile *f = NULL;
	char path[512];
	int r;

	if (!ix->local)
		ix->local = lv_cache_blob(c, ix->sha256);
	if (lv_cache_has(c, ix->sha256, ix->size))
		return 0;
	for (size_t i = 0; i < LV_ARRAY_SIZE(exts) && !f; i++) {
		snprintf(path, sizeof(path), "%s%s", ix->path, exts[i]);
		f = lv_release_find(&repo->rel, path);
	}
	if (!f) {
		lv_error(d, "suite '%s' lists no index '%s'", repo->suite, ix->path);
		return -LVE_MISSING;
	}
	_cleanup_free_ char *rel_url = NULL, *blob = lv_cache_blob(c, f->sha256);
	/* by-hash: the file cannot change under us while the mirror syncs */
	if (repo->rel.by_hash) {
		_cleanup_free_ char *dir = lv_dirname(path);
		r = asprintf(&rel_url, "%s/dists/%s/%s/by-hash/SHA256/%s", repo->base, repo->suite, dir,
			     f->sha256);
	} else
		r = asprintf(&rel_url, "%s/dists/%s/%s", repo->base, repo->suite, path);
	if (r < 0)
		return -ENOMEM;
	if (!lv_cache_has(c, f->sha256, f->size)) {
		struct lv_dl dl = { .url = rel_url, .dest = blob, .sha256 = f->sha256, .size = f->size };
		char label[800];
		snprintf(label, sizeof(label), "%s %s", repo->name, path);
		if ((r = lv_net_fetch(&dl, 1, 1, label)) < 0) {
			if (r == -LVE_HASH)
				lv_error(d, "index '%s' of suite '%s' does not match Release: %s", path,
					 repo->name, dl.error);
			else
				lv_error(d, "index '%s' of suite '%s': %s", path, repo->name, dl.error);
			return r;
		}
	}
	char got[LV_SHA256_HEX];
	uint64_t got_size;
	r = lv_decompress_file(blob, ix->local, LV_PACKAGES_MAX, got, &got_size);
	if (r < 0) {
		lv_error(d, "index '%s' of suite '%s': cannot decompress: %s", path, repo->name,
			 lv_strerror(r));
		return r;
	}
	if (strcmp(got, ix->sha256) || got_size != ix->size) {
		unlink(ix->local);
		lv_error(d, "index '%s' of suite '%s' does not match Release: SHA256 of the "
			    "uncompressed index is %s, expected %s", ix->path, repo->name, got, ix->sha256);
		return -LVE_HASH;
	}
	return 0;
}

void lv_repos_release(struct lv_repos *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct lv_repo *p = &r->v[i];
		free(p->name);
		free(p->suite);
		free(p->base);
		lv_release_release(&p->rel);
		free(p->rolled_back_from);
		for (size_t k = 0; k < p->nidx; k++) {
			free(p->idx[k].component);
			free(p->idx[k].path);
			free(p->idx[k].local);
		}
		free(p->idx);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
