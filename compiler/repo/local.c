/* packages.local (local.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/sha256.h"
#include "manifest/manifest.h"
#include "repo/deb.h"
#include "repo/deb822.h"
#include "repo/local.h"

#define LV_LOCAL_MAX 10000

/* A file name that is safe in a URL, a path and the lock: no '/', no
 * leading dot, none of the characters a URL or YAML would read. */
static int plain_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 200 || s[0] == '.' || s[0] == '-')
		return 0;
	for (const char *c = s; *c; c++)
		if (!(('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') || ('0' <= *c && *c <= '9') ||
		      strchr("._+~-", *c)))
			return 0;
	return 1;
}

static int by_file(const void *a, const void *b)
{
	return strcmp(((const struct lv_localdeb *)a)->file, ((const struct lv_localdeb *)b)->file);
}

void lv_local_free(struct lv_localdeb *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].file);
	free(v);
}

/* A .deb of the directory, opened once: a regular file, not a link (the
 * index pairs one file's hash with its control paragraph; both are read
 * from this one descriptor), and not a FIFO that would hang the read. */
static int open_deb(const char *dir, const char *name, struct lv_diags *d)
{
	_cleanup_free_ char *path = lv_path_join(dir, name);
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		lv_error(d, "packages.local: '%s' in %s is not a regular file", name, dir);
		if (fd >= 0)
			close(fd);
		return -LVE_PARSE;
	}
	return fd;
}

static int hash_fd(int fd, struct lv_localdeb *x, const char *dir, struct lv_diags *d)
{
	_cleanup_free_ char *self = NULL;
	if (asprintf(&self, "/proc/self/fd/%d", fd) < 0)
		return -ENOMEM;
	int r = lv_sha256_file(self, x->sha256, &x->size);
	if (r < 0)
		lv_error(d, "packages.local: cannot read '%s' in %s: %s", x->file, dir, lv_strerror(r));
	return r;
}

int lv_local_scan(const char *dir, struct lv_localdeb **out, size_t *nout, struct lv_diags *d)
{
	_cleanup_closedir_ DIR *dh = opendir(dir);
	struct lv_localdeb *v = NULL;
	size_t n = 0;
	int r = 0;
	struct dirent *e;

	*out = NULL;
	*nout = 0;
	if (!dh) {
		lv_error(d, "packages.local: cannot read '%s': %s", dir, strerror(errno));
		return -errno;
	}
	while (r == 0 && (e = readdir(dh))) {
		size_t l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 4, ".deb"))
			continue;
		if (!plain_name(e->d_name)) {
			lv_error(d, "packages.local: '%s' in %s: use letters, digits and . _ + ~ - in .deb names",
				 e->d_name, dir);
			r = -LVE_PARSE;
		} else if (n >= LV_LOCAL_MAX) {
			lv_error(d, "packages.local: more than %d .deb files in %s", LV_LOCAL_MAX, dir);
			r = -E2BIG;
		} else {
			struct lv_localdeb *nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv)
				abort();
			v = nv;
			v[n] = (struct lv_localdeb){ .file = strdup(e->d_name) };
			_cleanup_close_ int fd = open_deb(dir, e->d_name, d);
			r = fd < 0 ? fd : hash_fd(fd, &v[n], dir, d);
			n++;
		}
	}
	if (r < 0) {
		lv_local_free(v, n);
		return r;
	}
	qsort(v, n, sizeof(*v), by_file);
	*out = v;
	*nout = n;
	return 0;
}

char *lv_local_dir(const struct lv_repo *rp)
{
	const char *u = rp->base + (strncmp(rp->base, "file://", 7) ? 0 : 7);
	char *out = malloc(strlen(u) + 1), *o = out;
	for (; *u; u++) { /* percent-decoding (repo.c's file_url) */
		unsigned x;
		if (*u == '%' && sscanf(u + 1, "%2x", &x) == 1) {
			*o++ = (char)x;
			u += 2;
		} else
			*o++ = *u;
	}
	*o = '\0';
	return out;
}

/* Fields the index says itself, whatever the .deb's control file says. */
static int ours(const struct lv_field822 *f)
{
	static const char *const names[] = { "Filename", "Size", "SHA256", "MD5sum", "SHA1", "SHA512" };
	for (size_t i = 0; i < LV_ARRAY_SIZE(names); i++)
		if (f->name_len == strlen(names[i]) && !strncasecmp(f->name, names[i], f->name_len))
			return 1;
	return 0;
}

/* Field names as Policy §5.1 has them, each once: what libsolv and livec
 * read of a paragraph must be the same field (libsolv keeps a repeated
 * field's last value, livec its first). */
static int plain_fields(const struct lv_para *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (!p->f[i].name_len || strspn(p->f[i].name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
							   "0123456789-") < p->f[i].name_len)
			return 0;
		for (size_t k = 0; k < i; k++)
			if (p->f[k].name_len == p->f[i].name_len &&
			    !strncasecmp(p->f[k].name, p->f[i].name, p->f[i].name_len))
				return 0;
	}
	return 1;
}

/* One paragraph of the index, from the .deb's control file. */
static int paragraph(const char *dir, const struct lv_localdeb *x, struct lv_buf *out, struct lv_diags *d)
{
	_cleanup_free_ char *path = lv_path_join(dir, x->file), *self = NULL, *text = NULL, *name = NULL,
			    *ver = NULL, *arch = NULL;
	_cleanup_close_ int fd = open_deb(dir, x->file, d);
	size_t len = 0;
	char why[256], got[LV_SHA256_HEX];
	uint64_t size;
	struct lv_deb822 rd;
	struct lv_para p;
	if (fd < 0)
		return fd;
	if (asprintf(&self, "/proc/self/fd/%d", fd) < 0)
		return -ENOMEM;
	/* the file hashed by lv_local_scan, still */
	if (lv_sha256_file(self, got, &size) < 0 || strcmp(got, x->sha256) || size != x->size) {
		lv_error(d, "packages.local: %s changed while livec read it", path);
		return -LVE_HASH;
	}
	if (lv_deb_control(self, &text, &len, why, sizeof(why)) < 0) {
		lv_error(d, "packages.local: %s: %s", path, why);
		return -LVE_ARCHIVE;
	}
	lv_deb822_init(&rd, text, len);
	if (memchr(text, '\0', len) || lv_deb822_next(&rd, &p) != 1 || !plain_fields(&p) ||
	    !(name = lv_para_dup(&p, "Package")) ||
	    !(ver = lv_para_dup(&p, "Version")) || !(arch = lv_para_dup(&p, "Architecture")) ||
	    !lv_valid_pkgname(name) || strpbrk(ver, " \t\n/") || strpbrk(arch, " \t\n/")) {
		lv_error(d, "packages.local: %s: its control file is not a plain paragraph with a valid Package, "
			    "Version and Architecture, each field once", path);
		return -LVE_PARSE;
	}
	for (size_t i = 0; i < p.n; i++)
		if (!ours(&p.f[i]))
			lv_buf_printf(out, "%.*s: %.*s\n", (int)p.f[i].name_len, p.f[i].name, (int)p.f[i].value_len,
				      p.f[i].value);
	lv_buf_printf(out, "Filename: %s\nSize: %llu\nSHA256: %s\n\n", x->file, (unsigned long long)x->size,
		      x->sha256);
	return 0;
}

int lv_local_index(const struct lv_cache *c, struct lv_repo *rp, struct lv_diags *d)
{
	_cleanup_free_ char *dir = lv_local_dir(rp);
	struct lv_localdeb *v;
	size_t n;
	struct lv_buf idx = { 0 };
	int r = lv_local_scan(dir, &v, &n, d);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = paragraph(dir, &v[i], &idx, d);
	lv_local_free(v, n);
	if (r == 0) {
		rp->idx = calloc(2, sizeof(*rp->idx));
		struct lv_index *ix = &rp->idx[rp->nidx++];
		ix->component = strdup("local");
		ix->path = strdup("Packages");
		lv_sha256_buf(idx.p ? idx.p : "", idx.len, ix->sha256);
		ix->size = idx.len;
		ix->local = lv_cache_blob(c, ix->sha256);
		if (!ix->local)
			r = -ENOMEM;
		else if (!lv_cache_has(c, ix->sha256, ix->size))
			r = lv_write_atomic(ix->local, idx.p ? idx.p : "", idx.len);
		if (r < 0)
			lv_error(d, "packages.local: cannot keep its index in the cache: %s", lv_strerror(r));
	}
	lv_buf_release(&idx);
	return r;
}

void lv_local_digest(const char *dir, struct lv_buf *b)
{
	struct lv_localdeb *v;
	size_t n;
	struct lv_diags quiet = { 0 };
	if (lv_local_scan(dir, &v, &n, &quiet) < 0) {
		lv_buf_puts(b, "local unreadable\n"); /* the lock itself says why */
		lv_diags_release(&quiet);
		return;
	}
	for (size_t i = 0; i < n; i++)
		lv_buf_printf(b, "local %s %llu %s\n", v[i].file, (unsigned long long)v[i].size, v[i].sha256);
	lv_local_free(v, n);
	lv_diags_release(&quiet);
}
