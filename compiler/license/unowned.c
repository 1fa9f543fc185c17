/* Unowned files (unowned.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "repo/deb.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/inroot.h"
#include "license/unowned.h"
#include "manifest/yamltree.h"

#define LV_FILES_FORMAT 1

struct strv {
	char **v;
	size_t n, cap;
};

static void push(struct strv *s, char *str)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = realloc(s->v, s->cap * sizeof(char *));
	}
	s->v[s->n++] = str;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void on_entry(const char *path, char type, void *ud)
{
	struct lv_buf *b = ud;
	lv_buf_printf(b, "%c %s\n", type, path);
}

/* The cached entry list of one .deb ("<type> <path>" lines). */
static int file_list(const struct lv_cache *c, const struct lv_lockpkg *p, struct lv_buf *out,
		     struct lv_diags *d)
{
	char name[128], why[256];
	snprintf(name, sizeof(name), "%s.v%d", p->sha256, LV_FILES_FORMAT);
	_cleanup_free_ char *path = lv_cache_path(c, "files", name);
	if (lv_read_file(path, out) == 0)
		return 0;
	out->len = 0;
	if (!lv_cache_has(c, p->sha256, p->size)) {
		lv_error(d, "package '%s' is not in the cache: run 'livec fetch' first", p->name);
		return -LVE_MISSING;
	}
	_cleanup_free_ char *deb = lv_cache_blob(c, p->sha256);
	int r = lv_deb_list(deb, on_entry, out, why, sizeof(why));
	if (r < 0) {
		lv_error(d, "package '%s': %s", p->name, why);
		return r;
	}
	_cleanup_free_ char *dir = lv_cache_path(c, "files", "");
	lv_mkdir_p(dir, 0755);
	lv_write_atomic(path, out->p ? out->p : "", out->len);
	return 0;
}

int lv_unowned_lists(const struct lv_cache *c, const struct lv_lock *l, struct lv_diags *d)
{
	struct lv_buf list = { .max = 256u << 20 };
	int r = 0;
	for (size_t i = 0; i < l->rootfs.n && r == 0; i++) {
		list.len = 0;
		r = file_list(c, &l->rootfs.v[i], &list, d);
	}
	lv_buf_release(&list);
	return r;
}

/* Resolves a package path's first component through a symlink in the tree
 * (merged /usr: "bin/ls" -> "usr/bin/ls"). */
static char *canonical(const char *tree, const char *path)
{
	const char *slash = strchr(path, '/');
	char link[PATH_MAX], full[PATH_MAX];
	if (!slash)
		return strdup(path);
	snprintf(full, sizeof(full), "%s/%.*s", tree, (int)(slash - path), path);
	ssize_t n = readlink(full, link, sizeof(link) - 1);
	if (n <= 0)
		return strdup(path);
	link[n] = '\0';
	if (link[0] == '/' || strstr(link, ".."))
		return strdup(path); /* only simple relative links, as merged-/usr has */
	char *out;
	if (asprintf(&out, "%s%s", link, slash) < 0)
		return NULL;
	return out;
}

static struct strv *walk_out;
static size_t walk_prefix;

static int walk_cb(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_F && S_ISREG(st->st_mode))
		push(walk_out, strdup(fpath + walk_prefix));
	return 0;
}

/* Regular files under dir, relative to it, prefixed with `prefix`. */
static void walk(const char *dir, struct strv *out, const char *prefix)
{
	struct strv tmp = { 0 };
	walk_out = &tmp;
	walk_prefix = strlen(dir) + (dir[strlen(dir) - 1] == '/' ? 0 : 1);
	nftw(dir, walk_cb, 32, FTW_PHYS);
	for (size_t i = 0; i < tmp.n; i++) {
		char *p;
		if (asprintf(&p, "%s%s", prefix, tmp.v[i]) < 0)
			abort();
		push(out, p);
		free(tmp.v[i]);
	}
	free(tmp.v);
}

/* The image paths one files: entry adds. */
static void entry_paths(const struct lv_mfile *f, struct strv *out)
{
	if (f->is_dir) {
		char prefix[PATH_MAX];
		snprintf(prefix, sizeof(prefix), "%s%s", f->dest, *f->dest ? "/" : "");
		walk(f->from, out, prefix);
	} else
		push(out, strdup(f->dest));
}

/* Paths the manifest's files: entries add with a declared license, and per
 * entry how many of them are in the tree (`found`, sorted). */
static void manifest_files(const struct lv_manifest *m, struct strv *out, const struct strv *found,
			   struct lv_unowned *u)
{
	const struct lv_mfile *fs = m->files.v;
	for (size_t i = 0; i < m->files.n; i++) {
		if (!fs[i].license)
			continue;
		size_t first = out->n, here = 0;
		entry_paths(&fs[i], out);
		for (size_t k = first; k < out->n; k++)
			here += bsearch(&out->v[k], found->v, found->n, sizeof(char *), cmp_str) != NULL;
		u->declared = realloc(u->declared, (u->ndeclared + 1) * sizeof(*u->declared));
		u->declared[u->ndeclared++] = (struct lv_declared){ .target = strdup(fs[i].dest),
								    .license = strdup(fs[i].license),
								    .files = here };
	}
}

/* The tree's record of generated files, sorted (read inside the tree: a
 * package may have made var/lib/livec a link). */
static int read_record(const char *tree, struct strv *out)
{
	_cleanup_close_ int rootfd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct lv_buf b = { .max = 64u << 20 };
	int r = rootfd < 0 ? -errno : lv_inroot_read(rootfd, LV_GENERATED_LIST, &b);
	for (char *line = b.p, *nl; r == 0 && line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line && *line != '#')
			push(out, strdup(line));
	}
	lv_buf_release(&b);
	if (r == 0)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return r;
}

/* livec's directory in the image is a directory: what a package put there
 * instead (a link out, a file) is removed, with a warning. */
static int own_directory(int rootfd, const char *dir, struct lv_diags *d)
{
	int r = lv_inroot_want_dir(rootfd, dir);
	if (r == 1)
		lv_warn(d, "/%s in the image is not a directory (a package made it one of its own): replaced "
			   "by livec's", dir);
	return r < 0 ? r : 0;
}

int lv_unowned_record(const struct lv_cache *c, const struct lv_lock *l, const struct lv_manifest *m,
		      const char *tree, struct lv_diags *d)
{
	struct lv_unowned u;
	int r = lv_unowned_scan(c, l, m, tree, &u, d);
	if (r < 0)
		return r;
	struct lv_buf b = { 0 };
	lv_buf_puts(&b, "# Files no package ships, made while installing: by dpkg, the packages'\n"
			"# maintainer scripts and livec's system section (livec audit-licenses --tree)\n");
	/* one name a line: a name with a newline is not recorded, so the
	 * audit counts that file as unowned */
	for (size_t i = 0; i < u.n; i++)
		if (!strchr(u.paths[i], '\n'))
			lv_buf_printf(&b, "%s\n", u.paths[i]);
	/* written inside the tree: what a package made of var/lib/livec (a
	 * link out, say) leads nowhere outside it */
	_cleanup_close_ int rootfd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *dir = lv_dirname(LV_GENERATED_LIST);
	r = rootfd < 0 ? -errno : own_directory(rootfd, dir, d);
	if (r == 0)
		r = lv_inroot_mkdirs(rootfd, dir, 0755);
	if (r == 0)
		r = lv_inroot_write(rootfd, LV_GENERATED_LIST, b.p ? b.p : "", b.len, 0644);
	if (r < 0)
		lv_error(d, "cannot write '/%s' in the tree: %s", LV_GENERATED_LIST, lv_strerror(r));
	lv_buf_release(&b);
	lv_unowned_release(&u);
	return r;
}

int lv_unowned_scan(const struct lv_cache *c, const struct lv_lock *l, const struct lv_manifest *m,
		    const char *tree, struct lv_unowned *out, struct lv_diags *d)
{
	struct strv owned = { 0 }, found = { 0 }, unowned = { 0 };
	struct lv_buf list = { .max = 256u << 20 };
	int r = 0;
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (stat(tree, &st) < 0 || !S_ISDIR(st.st_mode)) {
		lv_error(d, "'%s' is not a directory", tree);
		return -ENOTDIR;
	}
	for (size_t i = 0; i < l->rootfs.n && r == 0; i++) {
		list.len = 0;
		if ((r = file_list(c, &l->rootfs.v[i], &list, d)) < 0)
			break;
		for (char *line = list.p, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (line[0] != 'd' && line[1] == ' ')
				push(&owned, canonical(tree, line + 2));
		}
	}
	lv_buf_release(&list);
	if (r == 0) {
		walk(tree, &found, "");
		qsort(found.v, found.n, sizeof(char *), cmp_str);
		manifest_files(m, &owned, &found, out);
		qsort(owned.v, owned.n, sizeof(char *), cmp_str);
		struct strv gen = { 0 };
		out->have_record = read_record(tree, &gen) == 0;
		for (size_t i = 0; i < found.n; i++) {
			if (bsearch(&found.v[i], owned.v, owned.n, sizeof(char *), cmp_str))
				free(found.v[i]);
			else if (out->have_record && (!strcmp(found.v[i], LV_GENERATED_LIST) ||
						      bsearch(&found.v[i], gen.v, gen.n, sizeof(char *), cmp_str))) {
				out->generated++;
				free(found.v[i]);
			} else
				push(&unowned, found.v[i]);
		}
		for (size_t i = 0; i < gen.n; i++)
			free(gen.v[i]);
		free(gen.v);
		out->paths = unowned.v;
		out->n = unowned.n;
	} else
		for (size_t i = 0; i < found.n; i++)
			free(found.v[i]);
	for (size_t i = 0; i < owned.n; i++)
		free(owned.v[i]);
	free(owned.v);
	free(found.v);
	return r;
}

void lv_unowned_release(struct lv_unowned *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->paths[i]);
	free(u->paths);
	for (size_t i = 0; i < u->ndeclared; i++) {
		free(u->declared[i].target);
		free(u->declared[i].license);
	}
	free(u->declared);
	memset(u, 0, sizeof(*u));
}
