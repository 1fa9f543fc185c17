/* Re-proving a lock's pins from signed metadata (prove.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/sha256.h"
#include "repo/local.h"
#include "repo/net.h"
#include "repo/prove.h"
#include "repo/repo.h"

enum verdict { UNSEEN, PROVED, CONTRADICTED };

struct pin {
	const struct lv_lockpkg *p;
	enum verdict v;
};

struct suite_pins {
	const struct lv_lockrepo *lr;
	struct lv_repo *planned; /* its mirror, from the manifest */
	struct pin *v;
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct pin *)a)->p->name, ((const struct pin *)b)->p->name);
}

/* Does the slice [s, s+len) equal the string t? */
static int slice_is(const char *s, size_t len, const char *t)
{
	return s && strlen(t) == len && !memcmp(s, t, len);
}

/* The first pin named [name, name+len), or NULL (pins sorted by name). */
static struct pin *first_pin(struct suite_pins *sp, const char *name, size_t len)
{
	size_t lo = 0, hi = sp->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *pn = sp->v[mid].p->name;
		size_t pl = strlen(pn);
		int c = memcmp(pn, name, pl < len ? pl : len);
		if (c < 0 || (c == 0 && pl < len))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sp->n && slice_is(name, len, sp->v[lo].p->name) ? &sp->v[lo] : NULL;
}

/* The fields of the index paragraph that must equal the pin's; NULL if
 * they all do, else the first that differs. */
static const char *differs(const struct lv_para *para, const struct lv_lockpkg *p)
{
	struct lv_pkginfo info;
	if (lv_pkginfo_from(para, &info) < 0)
		return "the paragraph (malformed)";
	const char *what = strcmp(info.filename, p->filename) ? "filename"
			 : info.size != p->size		   ? "size"
			 : strcmp(info.sha256, p->sha256)	   ? "SHA256"
							   : NULL;
	lv_pkginfo_release(&info);
	return what;
}

/* The Package field of the paragraph [at, stop) by a quick look (the
 * field as Debian writes it), or NULL: then the paragraph is parsed. */
static const char *package_name(const char *at, const char *stop, size_t *len)
{
	static const char key[] = "Package:";
	const char *f = (size_t)(stop - at) > sizeof(key) && !memcmp(at, key, sizeof(key) - 1)
				? at
				: memmem(at, (size_t)(stop - at), "\nPackage:", sizeof(key));
	if (!f)
		return NULL;
	f += *f == '\n';
	f += sizeof(key) - 1;
	while (f < stop && (*f == ' ' || *f == '\t'))
		f++;
	const char *e = f;
	while (e < stop && !strchr(" \t\n", *e))
		e++;
	*len = (size_t)(e - f);
	return e > f ? f : NULL;
}

/* One paragraph, parsed: the pins it proves or contradicts. */
static int check_paragraph(const char *at, const char *stop, struct suite_pins *sp, const char *meta,
			   struct lv_diags *d)
{
	struct lv_deb822 rd;
	struct lv_para para;
	size_t nl, vl, al;
	lv_deb822_init(&rd, at, (size_t)(stop - at));
	int r = lv_deb822_next(&rd, &para);
	const char *name = r > 0 ? lv_para_get(&para, "Package", &nl) : NULL;
	struct pin *pin = name ? first_pin(sp, name, nl) : NULL;
	if (!pin)
		return r < 0 ? r : 0;
	const char *ver = lv_para_get(&para, "Version", &vl), *arch = lv_para_get(&para, "Architecture", &al);
	for (; pin < sp->v + sp->n && slice_is(name, nl, pin->p->name); pin++) {
		if (pin->v != UNSEEN || !slice_is(ver, vl, pin->p->version) || !slice_is(arch, al, pin->p->arch))
			continue;
		const char *field = differs(&para, pin->p);
		pin->v = field ? CONTRADICTED : PROVED;
		if (field)
			lv_error(d, "package '%s' version '%s' (%s): the lock's %s is not what %s says: the lock was "
				    "changed after `livec lock` (run `livec lock --update`)",
				 pin->p->name, pin->p->version, pin->p->arch, field, meta);
	}
	return 0;
}

/* Checks the suite's pins against one Packages index (uncompressed, at
 * path): a paragraph with a pin's name, version and architecture proves
 * it or contradicts it.  `meta` names the metadata in messages. */
static int check_index(const char *path, struct suite_pins *sp, const char *meta, struct lv_diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		lv_error(d, "cannot read index %s: %s", path, strerror(-r));
		return r;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	char *text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (text == MAP_FAILED) {
		lv_error(d, "cannot map index %s: %s", path, strerror(errno));
		return -ENOMEM;
	}
	const char *end = text + st.st_size;
	for (const char *at = text; r == 0 && at < end;) {
		const char *stop = memmem(at, (size_t)(end - at), "\n\n", 2);
		stop = stop ? stop + 1 : end;
		size_t nl;
		const char *name = package_name(at, stop, &nl);
		struct pin *pin = name ? first_pin(sp, name, nl) : NULL;
		if (!name || pin)
			r = check_paragraph(at, stop, sp, meta, d);
		for (at = stop; at < end && *at == '\n'; at++)
			;
	}
	munmap(text, (size_t)st.st_size);
	if (r < 0)
		lv_error(d, "index %s is malformed", path);
	return r;
}

/* The InRelease the lock names, into the cache: 1 when it is there, 0 when
 * the mirror serves another one now, < 0 on other failures. */
static int lock_inrelease(const struct lv_cache *c, struct suite_pins *sp, struct lv_diags *d)
{
	const struct lv_lockrepo *lr = sp->lr;
	if (lv_cache_has(c, lr->inrelease_sha256, 0))
		return 1;
	_cleanup_free_ char *url = NULL, *blob = lv_cache_blob(c, lr->inrelease_sha256);
	if (!blob || asprintf(&url, "%s/dists/%s/InRelease", sp->planned->base, sp->planned->suite) < 0)
		return -ENOMEM;
	struct lv_dl dl = { .url = url, .dest = blob, .sha256 = lr->inrelease_sha256 };
	int r = lv_net_fetch(&dl, 1, 1, "InRelease");
	if (r == -LVE_HASH)
		return 0;
	if (r < 0)
		lv_error(d, "cannot get InRelease of suite '%s' to re-prove the lock: %s", lr->name, dl.error);
	return r < 0 ? r : 1;
}

/* What the lock says of a suite must be what its verified InRelease says,
 * and its indexes must be the manifest's (components, architecture): a
 * lock cannot bring in another component's or architecture's packages. */
static int same_facts(const struct lv_lockrepo *lr, const struct lv_repo *rp, struct lv_diags *d)
{
	const char *what = strcmp(lr->date, rp->rel.date ? rp->rel.date : "")		   ? "date"
			 : strcmp(lr->signed_by, rp->signer)				   ? "signed-by"
			 : strcmp(lr->suite, rp->rel.suite ? rp->rel.suite : lr->name)	   ? "suite"
			 : strcmp(lr->codename, rp->rel.codename ? rp->rel.codename : "") ? "codename"
			 : lr->nidx != rp->ncomponents					   ? "indexes"
											   : NULL;
	for (size_t k = 0; !what && k < lr->nidx; k++) {
		char path[256];
		lv_index_path(rp, k, path, sizeof(path));
		if (strcmp(lr->idx[k].path, path))
			what = "indexes";
	}
	if (what)
		lv_error(d, "suite '%s': what the lock says of its %s is not what its signed InRelease and the manifest say: the "
			    "lock was changed after `livec lock`", lr->name, what);
	return what ? -LVE_HASH : 0;
}

/* After the indexes were read: every pin must be proved. */
static int all_proved(struct suite_pins *sp, const char *meta, struct lv_proof *out, struct lv_diags *d)
{
	int bad = 0;
	for (size_t i = 0; i < sp->n; i++) {
		const struct lv_lockpkg *p = sp->v[i].p;
		if (sp->v[i].v == PROVED)
			out->proved++;
		else if (sp->v[i].v == UNSEEN)
			lv_error(d, "package '%s' version '%s' (%s) is not in %s: nothing vouches for the file the "
				    "lock pins (the lock was changed after `livec lock`, or the files it was made "
				    "from were)", p->name, p->version, p->arch, meta);
		bad |= sp->v[i].v != PROVED;
	}
	return bad ? -LVE_HASH : 0;
}

/* The proof from the lock's own metadata: every pin must be in it. */
static int prove_by_lock(const struct lv_cache *c, struct suite_pins *sp, struct lv_proof *out,
			 struct lv_diags *d)
{
	const struct lv_lockrepo *lr = sp->lr;
	const struct lv_repo *pl = sp->planned;
	struct lv_repo rp = { .name = pl->name, .suite = pl->suite, .base = pl->base, .role = pl->role,
			      .components = pl->components, .ncomponents = pl->ncomponents, .arch = pl->arch,
			      .sc = pl->sc };
	_cleanup_free_ char *blob = lv_cache_blob(c, lr->inrelease_sha256), *what = NULL, *meta = NULL;
	if (!blob || asprintf(&what, "the InRelease of suite '%s' the lock names", lr->name) < 0 ||
	    asprintf(&meta, "the signed index of suite '%s' (%s)", lr->name, lr->date) < 0)
		return -ENOMEM;
	int r = lv_repo_verify_inrelease(blob, &rp, what, 0, d);
	if (r == 0)
		r = same_facts(lr, &rp, d);
	if (r == 0 && !lr->snapshot && lv_release_expired(&rp.rel))
		lv_warn(d, "suite '%s': the metadata the lock was made from expired on %s (Valid-Until): the pins "
			   "are what the archive said then, not what it says now (`livec lock --update`)", lr->name,
			 rp.rel.valid_until);
	for (size_t k = 0; r == 0 && k < lr->nidx; k++) {
		const struct lv_lockindex *li = &lr->idx[k];
		const struct lv_relfile *f = lv_release_find(&rp.rel, li->path);
		if (!f || strcmp(f->sha256, li->sha256) || f->size != li->size) {
			lv_error(d, "suite '%s': the lock's index %s (SHA256 %.12s…) is not the one its signed "
				    "InRelease lists: the lock was changed after `livec lock`", lr->name, li->path,
				 li->sha256);
			r = -LVE_HASH;
			break;
		}
		struct lv_index ix = { .path = li->path, .size = li->size };
		memcpy(ix.sha256, li->sha256, 65);
		if ((r = lv_index_fetch(c, &rp, &ix, d)) == 0)
			r = check_index(ix.local, sp, meta, d);
		free(ix.local);
	}
	if (r == 0)
		r = all_proved(sp, meta, out, d);
	lv_release_release(&rp.rel);
	return r;
}

/* packages.local: the directory, indexed now, must hold each pinned file
 * unchanged. */
static int prove_local(const struct lv_cache *c, struct suite_pins *sp, struct lv_proof *out, struct lv_diags *d)
{
	_cleanup_free_ char *meta = NULL, *dir = lv_local_dir(sp->planned);
	if (asprintf(&meta, "packages.local (%s)", dir) < 0)
		return -ENOMEM;
	int r = sp->planned->nidx ? 0 : lv_local_index(c, sp->planned, d);
	if (r == 0)
		r = check_index(sp->planned->idx[0].local, sp, meta, d);
	return r == 0 ? all_proved(sp, meta, out, d) : r;
}

/* The mirror moved on: its current, verified metadata proves what it still
 * lists unchanged. */
static int prove_by_newer(const struct lv_manifest *m, const struct lv_cache *c, struct suite_pins *sp,
			  int allow_unproved, struct lv_proof *out, struct lv_diags *d)
{
	struct lv_repos one = { .v = sp->planned, .n = 1 };
	int r = lv_repos_acquire(m, c, &one, d);
	long long locked = lv_parse_date(sp->lr->date);
	if (r == 0 && locked < 0) {
		lv_error(d, "suite '%s': the lock's date '%s' is not a date", sp->lr->name, sp->lr->date);
		r = -LVE_PARSE;
	}
	if (r == 0 && sp->planned->rel.date_epoch < locked) {
		lv_error(d, "suite '%s': the mirror's InRelease (%s) is older than the lock's (%s): refused as a "
			    "replay", sp->lr->name, sp->planned->rel.date, sp->lr->date);
		r = -LVE_SIGNATURE;
	}
	_cleanup_free_ char *meta = NULL;
	if (asprintf(&meta, "the mirror's newer signed index of suite '%s' (%s)", sp->lr->name,
		     sp->planned->rel.date ? sp->planned->rel.date : "?") < 0)
		return -ENOMEM;
	for (size_t k = 0; r == 0 && k < sp->planned->nidx; k++) {
		struct lv_index *ix = &sp->planned->idx[k];
		if ((r = lv_index_fetch(c, sp->planned, ix, d)) == 0)
			r = check_index(ix->local, sp, meta, d);
	}
	int bad = 0;
	for (size_t i = 0; r == 0 && i < sp->n; i++) {
		const struct lv_lockpkg *p = sp->v[i].p;
		out->proved_newer += sp->v[i].v == PROVED;
		out->unproved += sp->v[i].v == UNSEEN;
		bad |= sp->v[i].v == CONTRADICTED || (sp->v[i].v == UNSEEN && !allow_unproved);
		if (sp->v[i].v == UNSEEN)
			lv_diag_at(d, allow_unproved ? LV_WARNING : LV_ERROR, NULL, 0, 0, NULL,
				   "package '%s' version '%s' (%s) cannot be re-proved: the signed metadata the lock "
				   "was made from (suite '%s', %s) is not in the cache nor on the mirror, and %s does "
				   "not list it%s", p->name, p->version, p->arch, sp->lr->name, sp->lr->date, meta,
				   allow_unproved ? "" : " (`livec lock --update`, or --allow-unproved)");
	}
	return r == 0 && bad ? -LVE_HASH : r;
}

/* Each lock suite with its pins and its mirror. */
static int group(const struct lv_lock *l, struct lv_repos *plan, struct suite_pins *sp, struct lv_diags *d)
{
	const struct lv_lockset *sets[] = { &l->rootfs, &l->boot };
	for (size_t k = 0; k < l->nrepos; k++) {
		sp[k].lr = &l->repos[k];
		for (size_t j = 0; j < plan->n && !sp[k].planned; j++)
			if (!strcmp(plan->v[j].name, l->repos[k].name))
				sp[k].planned = &plan->v[j];
		enum lv_mirror_role role;
		if (!sp[k].planned) {
			lv_error(d, "the lock's suite '%s' is not one the manifest names", l->repos[k].name);
			return -LVE_STALE;
		}
		if (lv_mirror_role_parse(l->repos[k].mirror, &role) < 0 || role != sp[k].planned->role) {
			lv_error(d, "the lock says suite '%s' is served by '%s', the manifest by '%s': the lock was "
				    "changed after `livec lock`", l->repos[k].name, l->repos[k].mirror,
				 lv_mirror_role_name(sp[k].planned->role));
			return -LVE_HASH;
		}
		sp[k].v = calloc(l->rootfs.n + l->boot.n + 1, sizeof(*sp[k].v));
		if (!sp[k].v)
			return -ENOMEM;
	}
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s]->n; i++) {
			const struct lv_lockpkg *p = &sets[s]->v[i];
			size_t k = 0;
			while (k < l->nrepos && strcmp(sp[k].lr->name, p->repo))
				k++;
			if (k == l->nrepos) {
				lv_error(d, "package '%s' names suite '%s', which the lock has no metadata for", p->name,
					 p->repo);
				return -LVE_HASH;
			}
			sp[k].v[sp[k].n++] = (struct pin){ .p = p };
		}
	for (size_t k = 0; k < l->nrepos; k++)
		qsort(sp[k].v, sp[k].n, sizeof(*sp[k].v), by_name);
	return 0;
}

int lv_prove_lock(const struct lv_manifest *m, const struct lv_cache *c, struct lv_repos *plan,
		  const struct lv_lock *l, int allow_unproved, struct lv_proof *out, struct lv_diags *d)
{
	struct suite_pins *sp = calloc(l->nrepos + 1, sizeof(*sp));
	size_t errors = d->errors;
	memset(out, 0, sizeof(*out));
	int r = sp ? group(l, plan, sp, d) : -ENOMEM;
	for (size_t k = 0; r == 0 && k < l->nrepos; k++) {
		if (!sp[k].n)
			continue;
		if (sp[k].planned->role == LV_MIRROR_LOCAL) {
			r = prove_local(c, &sp[k], out, d);
			continue;
		}
		r = lock_inrelease(c, &sp[k], d);
		if (r == 1)
			r = prove_by_lock(c, &sp[k], out, d);
		else if (r == 0)
			r = prove_by_newer(m, c, &sp[k], allow_unproved, out, d);
	}
	if (r == 0 && d->errors > errors)
		r = -LVE_HASH;
	for (size_t k = 0; sp && k < l->nrepos; k++)
		free(sp[k].v);
	free(sp);
	return r;
}

/* ---- the lock's metadata in a directory of its own ---- */

/* A suite name or index path from the lock, safe below a directory: plain
 * words separated by single slashes, none of them "." or "..". */
static int plain_path(const char *p)
{
	if (!*p || *p == '/' || strlen(p) > 200)
		return 0;
	for (const char *c = p; *c; c++)
		if (!(('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') || ('0' <= *c && *c <= '9') ||
		      strchr("._+-/", *c)))
			return 0;
	for (const char *seg = p; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL) {
		size_t n = strcspn(seg, "/");
		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && !strncmp(seg, "..", 2)))
			return 0;
	}
	return 1;
}

/* Copies src to dst (atomically) if src is a regular file whose SHA-256 is
 * `sha256`: read once, hashed in memory.  1 copied, 0 not that file, < 0
 * error. */
static int copy_if(const char *src, const char *dst, const char *sha256)
{
	struct lv_buf b = { .max = 1u << 30 };
	struct stat st;
	char got[LV_SHA256_HEX];
	_cleanup_free_ char *dir = lv_dirname(dst);
	if (stat(src, &st) < 0 || !S_ISREG(st.st_mode)) /* a FIFO would hang the read */
		return 0;
	int r = lv_read_file(src, &b), same = 0;
	if (r == 0) {
		lv_sha256_buf(b.p ? b.p : "", b.len, got);
		same = !strcmp(got, sha256);
	}
	if (r == 0 && same && (r = lv_mkdir_p(dir, 0755)) == 0)
		r = lv_write_atomic(dst, b.p ? b.p : "", b.len);
	lv_buf_release(&b);
	return r < 0 ? r : same;
}

int lv_metadata_sync(const struct lv_cache *c, const struct lv_lock *l, const char *dir, int out,
		     struct lv_diags *d)
{
	int r = 0;
	for (size_t k = 0; k < l->nrepos && r >= 0; k++) {
		const struct lv_lockrepo *lr = &l->repos[k];
		if (!strcmp(lr->mirror, "local"))
			continue; /* made from packages.local, not signed metadata */
		for (size_t i = 0; i <= lr->nidx && r >= 0; i++) {
			const char *rel = i == 0 ? "InRelease" : lr->idx[i - 1].path;
			const char *sha = i == 0 ? lr->inrelease_sha256 : lr->idx[i - 1].sha256;
			uint64_t size = i == 0 ? 0 : lr->idx[i - 1].size;
			if (!plain_path(lr->name) || !plain_path(rel) || !lv_sha256_valid(sha)) {
				lv_error(d, "the lock's suite '%s' or its file '%s' is not a plain name: refused",
					 lr->name, rel);
				return -LVE_PARSE;
			}
			_cleanup_free_ char *file = NULL, *blob = lv_cache_blob(c, sha);
			if (!blob || asprintf(&file, "%s/%s/%s", dir, lr->name, rel) < 0)
				return -ENOMEM;
			int cached = lv_cache_has(c, sha, size);
			if (out && !cached)
				lv_warn(d, "%s of suite '%s', as the lock names it, is neither in the cache nor on the "
					   "mirror any more: not written to %s", rel, lr->name, dir);
			else if (out)
				r = copy_if(blob, file, sha);
			else if (!cached && lv_exists(file) && (r = copy_if(file, blob, sha)) == 0)
				lv_warn(d, "%s is not the file the lock names (SHA256 %.12s…): not used", file, sha);
		}
	}
	return r < 0 ? r : 0;
}
