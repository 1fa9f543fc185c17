/* License inventory (license.h). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "license/copyright.h"
#include "repo/deb.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "license/license.h"
#include "base/sha256.h"

/* Bump when copyright.c's analysis changes: cached results are keyed by it. */
#define LV_LICENSE_FORMAT 4

struct item {
	struct lv_lockpkg *pkg;
	/* results */
	enum lv_license_method method;
	int ambiguous;            /* several licenses named in prose */
	char *expr;               /* NULL = NOASSERTION */
	char copyright_sha[LV_SHA256_HEX];
	char *link;               /* doc dir or copyright symlinked to this package */
	int err;
	char why[256];
	int cached;
};

struct pool {
	const struct lv_cache *cache;
	struct item *items;
	size_t n, next;
	pthread_mutex_t lock;
};

static char *cache_file(const struct lv_cache *c, const char *sha)
{
	char name[128];
	snprintf(name, sizeof(name), "%s.v%d", sha, LV_LICENSE_FORMAT);
	return lv_cache_path(c, "license", name);
}

static int load_cached(const struct lv_cache *c, struct item *it)
{
	_cleanup_free_ char *path = cache_file(c, it->pkg->sha256);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[4096];
	int fields = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp++ = '\0';
		if (!strcmp(line, "method") && lv_license_method_parse(sp, &it->method, &it->ambiguous) == 0)
			fields++;
		else if (!strcmp(line, "copyright-sha256")) {
			snprintf(it->copyright_sha, sizeof(it->copyright_sha), "%s", strcmp(sp, "-") ? sp : "");
			fields++;
		} else if (!strcmp(line, "link")) {
			it->link = strcmp(sp, "-") ? strdup(sp) : NULL;
			fields++;
		} else if (!strcmp(line, "license")) {
			it->expr = strcmp(sp, "NOASSERTION") ? strdup(sp) : NULL;
			fields++;
		}
	}
	if (fields != 4) {
		free(it->expr);
		free(it->link);
		it->expr = it->link = NULL;
		return 0;
	}
	it->cached = 1;
	return 1;
}

static void store_cached(const struct lv_cache *c, const struct item *it)
{
	_cleanup_free_ char *path = cache_file(c, it->pkg->sha256);
	struct lv_buf b = { 0 };
	char method[LV_LICENSE_METHOD_MAX];
	lv_license_method_format(it->method, it->ambiguous, method, sizeof(method));
	lv_buf_printf(&b, "method %s\ncopyright-sha256 %s\nlink %s\nlicense %s\n", method, *it->copyright_sha ? it->copyright_sha : "-",
		      it->link ? it->link : "-", it->expr ? it->expr : "NOASSERTION");
	lv_write_atomic(path, b.p, b.len);
	lv_buf_release(&b);
}

/* "../foo/copyright", "foo", "/usr/share/doc/foo/" -> "foo" */
static char *link_target_pkg(const char *target, int is_copyright)
{
	_cleanup_free_ char *t = strdup(target);
	size_t l = strlen(t);
	while (l && t[l - 1] == '/')
		t[--l] = '\0';
	if (is_copyright) {
		char *slash = strrchr(t, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
	}
	const char *base = strrchr(t, '/') ? strrchr(t, '/') + 1 : t;
	return *base && strcmp(base, "..") && strcmp(base, ".") ? strdup(base) : NULL;
}

static void analyse(const struct lv_cache *c, struct item *it)
{
	_cleanup_free_ char *deb = lv_cache_blob(c, it->pkg->sha256);
	struct lv_debdoc doc;
	int r = lv_deb_read_doc(deb, it->pkg->name, &doc, it->why, sizeof(it->why));
	if (r < 0) {
		it->err = r;
		return;
	}
	if (doc.copyright) {
		struct lv_spdx *e = NULL;
		it->method = lv_copyright_analyse(doc.copyright, doc.copyright_len, &e, &it->ambiguous);
		it->expr = e ? lv_spdx_str(e) : NULL;
		lv_spdx_free(e);
		lv_sha256_buf(doc.copyright, doc.copyright_len, it->copyright_sha);
	} else if (doc.doc_link || doc.copyright_link) {
		it->link = link_target_pkg(doc.doc_link ? doc.doc_link : doc.copyright_link, !doc.doc_link);
		it->method = LV_LIC_NONE;
	} else
		it->method = LV_LIC_NONE;
	lv_debdoc_release(&doc);
	store_cached(c, it);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		analyse(p->cache, &p->items[i]);
	}
}

void lv_licenses_missing(const struct lv_cache *c, struct lv_lockset *const *sets, size_t nsets,
			 struct lv_lockset *out)
{
	size_t total = 0;
	for (size_t s = 0; s < nsets; s++)
		total += sets[s]->n;
	out->v = calloc(total + 1, sizeof(*out->v));
	out->n = 0;
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s]->n; i++) {
			struct item it = { .pkg = &sets[s]->v[i] };
			if (load_cached(c, &it)) {
				free(it.expr);
				free(it.link);
				continue;
			}
			out->v[out->n++] = sets[s]->v[i];
		}
}

static const struct item *find(const struct item *items, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(items[i].pkg->name, name))
			return &items[i];
	return NULL;
}

int lv_licenses_fill(const struct lv_cache *c, struct lv_lockset *const *sets, size_t nsets,
		     unsigned threads, struct lv_license_stats *st, struct lv_diags *d)
{
	size_t total = 0, k = 0, todo = 0;
	int r = 0;

	memset(st, 0, sizeof(*st));
	_cleanup_free_ char *dir = lv_cache_path(c, "license", "");
	lv_mkdir_p(dir, 0755);
	for (size_t s = 0; s < nsets; s++)
		total += sets[s]->n;
	struct item *items = calloc(total + 1, sizeof(*items));
	struct pool pool = { .cache = c, .lock = PTHREAD_MUTEX_INITIALIZER };

	/* cached results first; the rest go to the workers */
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s]->n; i++)
			items[k++].pkg = &sets[s]->v[i];
	struct item *work = calloc(total + 1, sizeof(*work));
	for (size_t i = 0; i < total; i++)
		if (!load_cached(c, &items[i]))
			work[todo++] = items[i];
	pool.items = work;
	pool.n = todo;
	if (todo) {
		if (!threads)
			threads = 1;
		pthread_t *tids = calloc(threads, sizeof(*tids));
		for (unsigned t = 0; t < threads; t++)
			pthread_create(&tids[t], NULL, worker, &pool);
		for (unsigned t = 0; t < threads; t++)
			pthread_join(tids[t], NULL);
		free(tids);
		for (size_t i = 0, w = 0; i < total && w < todo; i++)
			if (!items[i].cached && items[i].pkg == work[w].pkg)
				items[i] = work[w++];
	}
	free(work);

	for (size_t i = 0; i < total; i++) {
		struct item *it = &items[i];
		struct lv_lockpkg *p = it->pkg;
		const struct item *src = it;
		if (it->err) {
			lv_error(d, "package '%s' version '%s': cannot read its .deb: %s", p->name, p->version,
				 it->why);
			r = it->err;
			continue;
		}
		if (it->link) {
			src = find(items, total, it->link);
			if (!src || src->link) {
				lv_warn(d, "package '%s' links its copyright to '%s', which is not in the "
					   "lock: license unknown", p->name, it->link);
				src = it;
			}
		}
		free(p->license);
		free(p->license_method);
		free(p->copyright_sha256);
		free(p->copyright_from);
		p->license = strdup(src->expr ? src->expr : "NOASSERTION");
		char method[LV_LICENSE_METHOD_MAX];
		lv_license_method_format(src->method, src->ambiguous, method, sizeof(method));
		p->license_method = strdup(method);
		p->copyright_sha256 = strdup(src->copyright_sha);
		p->copyright_from = strdup(src->pkg->name);
		st->by_method[src->method]++;
		if (it->cached)
			st->cached++;
		else
			st->analysed++;
	}
	for (size_t i = 0; i < total; i++) {
		free(items[i].expr);
		free(items[i].link);
	}
	free(items);
	return r;
}
