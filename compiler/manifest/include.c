/* include: and the merge of fragments (include.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "manifest/include.h"

struct composer {
	struct lv_strs *sources;
	struct lv_diags *d;
	char *stack[LV_INCLUDE_MAX_DEPTH]; /* real paths of the files being read */
	size_t depth;
	char **merged;                     /* real paths of the files merged already */
	size_t nmerged;
};

static void err_at(struct composer *c, const struct lv_ynode *n, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void err_at(struct composer *c, const struct lv_ynode *n, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lv_diag_vat(c->d, LV_ERROR, n->file, n->line, n->col, hint, fmt, ap);
	va_end(ap);
}

/* The name nodes of `path` borrow: kept once in sources, in first-read order. */
static const char *source_name(struct lv_strs *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], path))
			return s->v[i];
	s->v = realloc(s->v, (s->n + 2) * sizeof(*s->v));
	s->at = realloc(s->at, (s->n + 2) * sizeof(*s->at));
	if (!s->v || !s->at)
		abort();
	s->at[s->n] = (struct lv_pos){ 0 };
	s->v[s->n] = strdup(path);
	s->v[s->n + 1] = NULL;
	return s->v[s->n++];
}

static const char *shape(const struct lv_ynode *n)
{
	return n->kind == LV_YMAP ? "a mapping" : n->kind == LV_YSEQ ? "a list" : "a scalar";
}

static void merge(struct composer *c, struct lv_ynode *dst, const struct lv_ynode *src, const char *where);

static void merge_value(struct composer *c, struct lv_ynode *dst, size_t vi, const struct lv_ynode *src,
			const char *where)
{
	struct lv_ynode *have = dst->kids[vi];
	if (lv_ynull(src))
		return; /* `key:` with nothing says nothing */
	if (lv_ynull(have)) {
		lv_ynode_free(have);
		dst->kids[vi] = lv_ynode_copy(src);
		return;
	}
	if (have->kind != src->kind) {
		char hint[512];
		snprintf(hint, sizeof(hint), "%s:%d gives it as %s", have->file, have->line, shape(have));
		err_at(c, src, hint, "'%s' is %s here: included files must agree on its shape", where, shape(src));
		return;
	}
	if (src->kind == LV_YMAP) {
		merge(c, have, src, where);
	} else if (src->kind == LV_YSEQ) {
		for (size_t i = 0; i < src->n; i++) {
			/* a string already there stays in its place, as the later
			 * file wrote it; mappings (users, files:, hooks) are each
			 * their own entry */
			size_t k = have->n;
			if (src->kids[i]->kind == LV_YSCALAR)
				for (k = 0; k < have->n; k++)
					if (lv_ynode_equal(have->kids[k], src->kids[i]))
						break;
			if (k < have->n) {
				lv_ynode_free(have->kids[k]);
				have->kids[k] = lv_ynode_copy(src->kids[i]);
				continue;
			}
			have->kids = realloc(have->kids, (have->n + 1) * sizeof(*have->kids));
			if (!have->kids)
				abort();
			have->kids[have->n++] = lv_ynode_copy(src->kids[i]);
		}
	} else {
		lv_ynode_free(have);
		dst->kids[vi] = lv_ynode_copy(src);
	}
}

/* Merges the mapping src into dst (both mappings). */
static void merge(struct composer *c, struct lv_ynode *dst, const struct lv_ynode *src, const char *where)
{
	for (size_t i = 0; i + 1 < src->n; i += 2) {
		const char *key = src->kids[i]->value;
		char sub[256];
		snprintf(sub, sizeof(sub), "%s%s%s", where, *where ? "." : "", key);
		size_t k;
		for (k = 0; k + 1 < dst->n; k += 2)
			if (!strcmp(dst->kids[k]->value, key))
				break;
		if (k + 1 < dst->n) {
			merge_value(c, dst, k + 1, src->kids[i + 1], sub);
			continue;
		}
		dst->kids = realloc(dst->kids, (dst->n + 2) * sizeof(*dst->kids));
		if (!dst->kids)
			abort();
		dst->kids[dst->n++] = lv_ynode_copy(src->kids[i]);
		dst->kids[dst->n++] = lv_ynode_copy(src->kids[i + 1]);
	}
}

static struct lv_ynode *compose(struct composer *c, const char *path, const struct lv_ynode *from);

/* The fragments one file's include: names, merged in order into out. */
static void include_all(struct composer *c, const struct lv_ynode *inc, const char *dir, struct lv_ynode *out)
{
	if (inc->kind != LV_YSEQ) {
		err_at(c, inc, "e.g. include: [../../manifests/base.yaml]", "'include' must be a list of files");
		return;
	}
	for (size_t i = 0; i < inc->n; i++) {
		const struct lv_ynode *it = inc->kids[i];
		if (it->kind != LV_YSCALAR || !*it->value) {
			err_at(c, it, NULL, "items of 'include' must be file names");
			continue;
		}
		_cleanup_free_ char *p = it->value[0] == '/' ? strdup(it->value) : lv_path_join(dir, it->value);
		struct lv_ynode *frag = compose(c, p, it);
		if (frag)
			merge(c, out, frag, "");
		lv_ynode_free(frag);
	}
}

/* 1 if the file at `real` was merged already (a fragment two others
 * include, a diamond): it is merged once, where it is first included. */
static int merged_before(struct composer *c, const char *real)
{
	for (size_t i = 0; i < c->nmerged; i++)
		if (!strcmp(c->merged[i], real))
			return 1;
	c->merged = realloc(c->merged, (c->nmerged + 1) * sizeof(*c->merged));
	if (!c->merged)
		abort();
	c->merged[c->nmerged++] = strdup(real);
	return 0;
}

/* Why the fragment named at `from` cannot be read, or NULL. */
static const char *unreadable(const char *path, char *real)
{
	struct stat st;
	if (!realpath(path, real) || stat(real, &st) < 0)
		return strerror(errno);
	return S_ISREG(st.st_mode) ? NULL : "not a regular file";
}

/* The document of one file, a mapping, or NULL (reported). */
static struct lv_ynode *load_doc(struct composer *c, const char *path, const struct lv_ynode *from)
{
	struct lv_ynode *doc = lv_yaml_load(source_name(c->sources, path), c->d);
	if (doc && doc->kind != LV_YMAP) {
		err_at(c, doc, NULL, "a manifest is a mapping of keys (name, distribution, ...)");
		lv_ynode_free(doc);
		return NULL;
	}
	const struct lv_ynode *name = doc && from ? lv_ymap_get(doc, "name") : NULL;
	if (name)
		err_at(c, name, "the manifest that includes it names the image",
		       "a fragment has no 'name' (included from %s:%d)", from->file, from->line);
	return doc;
}

/* One file and what it includes, merged; `from` is the include: item that
 * named it (NULL for the manifest itself). */
static struct lv_ynode *compose(struct composer *c, const char *path, const struct lv_ynode *from)
{
	char real[PATH_MAX];
	const char *why = unreadable(path, real);
	if (why && from) {
		err_at(c, from, NULL, "cannot include '%s': %s", from->value, why);
		return NULL;
	}
	if (why) /* the manifest itself: a pipe, say; read it as it is */
		snprintf(real, sizeof(real), "%s", path);
	for (size_t i = 0; i < c->depth; i++)
		if (!strcmp(c->stack[i], real)) {
			err_at(c, from, "a fragment cannot include itself, directly or through others",
			       "include cycle: '%s' is already being read", from->value);
			return NULL;
		}
	if (c->depth == LV_INCLUDE_MAX_DEPTH) {
		err_at(c, from, NULL, "includes nest deeper than %d files", LV_INCLUDE_MAX_DEPTH);
		return NULL;
	}
	struct lv_ynode *out = calloc(1, sizeof(*out));
	if (!out)
		abort();
	struct lv_ynode *doc = merged_before(c, real) ? NULL : load_doc(c, path, from);
	*out = (struct lv_ynode){ .file = source_name(c->sources, path), .kind = LV_YMAP, .line = doc ? doc->line : 1,
				  .col = doc ? doc->col : 1 };
	const struct lv_ynode *inc = lv_ymap_get(doc, "include");
	if (inc) {
		_cleanup_free_ char *dir = lv_dirname(path);
		c->stack[c->depth++] = real;
		include_all(c, inc, dir, out);
		c->depth--;
	}
	/* the file itself, over what it includes (without its include: key) */
	for (size_t i = 0; doc && i + 1 < doc->n; i += 2) {
		if (!strcmp(doc->kids[i]->value, "include"))
			continue;
		struct lv_ynode one = { .file = doc->file, .kind = LV_YMAP, .n = 2, .kids = &doc->kids[i] };
		merge(c, out, &one, "");
	}
	lv_ynode_free(doc);
	return out;
}

struct lv_ynode *lv_manifest_compose(const char *path, struct lv_strs *sources, struct lv_diags *d)
{
	struct composer c = { .sources = sources, .d = d };
	size_t errors = d->errors;
	struct lv_ynode *tree = compose(&c, path, NULL);
	for (size_t i = 0; i < c.nmerged; i++)
		free(c.merged[i]);
	free(c.merged);
	if (tree && d->errors > errors) {
		lv_ynode_free(tree);
		return NULL;
	}
	return tree;
}
