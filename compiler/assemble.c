/* Assembly (assemble.h).  The order follows mmdebstrap's: extract the
 * Essential closure, `dpkg --install --force-depends` it so its maintainer
 * scripts run, then install the rest with the daemons kept quiet. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assemble.h"
#include "buf.h"
#include "cleanup.h"
#include "deb.h"
#include "deb822.h"
#include "err.h"
#include "fsutil.h"
#include "inroot.h"

#define DEBDIR "var/cache/livec/debs"

/* Per package: its dependency names within the lock (Pre-Depends, Depends),
 * each the locked package of that name or one that provides it. */
struct pkgdeps {
	const struct lv_lockpkg *p;
	char **pre, **dep;
	size_t npre, ndep;
	char *provides;      /* its Provides field, or NULL */
	int installed;
};

/* The next name in a relationship field ("a (>= 1) | b:any, c"): skips
 * separators before it and version or architecture parts after it. */
static int next_name(const char **pp, const char *end, const char **w, size_t *wl)
{
	const char *p = *pp;
	while (p < end && strchr(" \t\n,|", *p))
		p++;
	*w = p;
	while (p < end && !strchr(" \t\n,|(:[", *p))
		p++;
	*wl = (size_t)(p - *w);
	while (p < end && *p != ',' && *p != '|')
		p++;
	*pp = p;
	return *wl > 0 || p < end;
}

static int field_has(const char *field, const char *name, size_t len)
{
	const char *p = field, *end = field + strlen(field), *w;
	size_t wl;
	while (next_name(&p, end, &w, &wl))
		if (wl == len && !strncmp(w, name, len))
			return 1;
	return 0;
}

/* The locked package called `name`, else one that provides it (as the
 * resolver chose libelogind0 for libsystemd0), else NULL. */
static char *locked_name(const struct pkgdeps *all, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(all[i].p->name) == len && !strncmp(all[i].p->name, name, len))
			return all[i].p->name;
	for (size_t i = 0; i < n; i++)
		if (all[i].provides && field_has(all[i].provides, name, len))
			return all[i].p->name;
	return NULL;
}

static void dep_names(const struct pkgdeps *all, size_t n, const char *v, size_t len, char ***out, size_t *nout)
{
	const char *p = v, *end = v + len, *w;
	size_t wl;
	while (next_name(&p, end, &w, &wl)) {
		char *q = wl ? locked_name(all, n, w, wl) : NULL;
		if (q) {
			*out = realloc(*out, (*nout + 1) * sizeof(char *));
			(*out)[(*nout)++] = q;
		}
	}
}

/* Reads every locked rootfs package's control: first what each provides,
 * then what each depends on. */
static int read_all_deps(const struct lv_assembly *a, struct pkgdeps *all, struct lv_diags *d)
{
	const struct lv_lockset *s = &a->lock->rootfs;
	char **texts = calloc(s->n + 1, sizeof(char *));
	size_t *lens = calloc(s->n + 1, sizeof(size_t)), vl;
	struct lv_deb822 rd;
	struct lv_para para;
	const char *v;
	int r = 0;

	for (size_t i = 0; i < s->n && r == 0; i++) {
		_cleanup_free_ char *deb = lv_cache_blob(a->cache, s->v[i].sha256);
		char why[256];
		all[i].p = &s->v[i];
		if (lv_deb_control(deb, &texts[i], &lens[i], why, sizeof(why)) < 0) {
			lv_error(d, "package '%s': %s", s->v[i].name, why);
			r = -LVE_ARCHIVE;
			break;
		}
		lv_deb822_init(&rd, texts[i], lens[i]);
		if (lv_deb822_next(&rd, &para) == 1 && (v = lv_para_get(&para, "Provides", &vl)))
			all[i].provides = strndup(v, vl);
	}
	for (size_t i = 0; i < s->n && r == 0; i++) {
		lv_deb822_init(&rd, texts[i], lens[i]);
		if (lv_deb822_next(&rd, &para) != 1)
			continue;
		if ((v = lv_para_get(&para, "Pre-Depends", &vl)))
			dep_names(all, s->n, v, vl, &all[i].pre, &all[i].npre);
		if ((v = lv_para_get(&para, "Depends", &vl)))
			dep_names(all, s->n, v, vl, &all[i].dep, &all[i].ndep);
	}
	for (size_t i = 0; i < s->n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	return r;
}

static void free_all_deps(struct pkgdeps *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(all[i].pre);
		free(all[i].dep);
		free(all[i].provides);
	}
	free(all);
}

static struct pkgdeps *deps_of(struct pkgdeps *all, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i].p->name, name))
			return &all[i];
	return NULL;
}

/* Marks the packages locked for `reason` and everything they need
 * (transitively). */
static void closure(struct pkgdeps *all, size_t n, char *mark, const char *reason)
{
	int changed = 1;
	for (size_t i = 0; i < n; i++)
		mark[i] = !strcmp(all[i].p->reason, reason);
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (!mark[i])
				continue;
			char **lists[2] = { all[i].pre, all[i].dep };
			size_t ns[2] = { all[i].npre, all[i].ndep };
			for (int l = 0; l < 2; l++)
				for (size_t k = 0; k < ns[l]; k++) {
					struct pkgdeps *q = deps_of(all, n, lists[l][k]);
					if (q && !mark[q - all]) {
						mark[q - all] = 1;
						changed = 1;
					}
				}
		}
	}
}

struct extract_ctx {
	int rootfd;
	const char *pkg;
	struct lv_diags *d;
};

static int extract_one(const struct lv_debentry *e, struct lv_debreader *rd, void *ud)
{
	struct extract_ctx *x = ud;
	int r = lv_inroot_entry(x->rootfd, e, rd);
	if (r == -EPERM)
		lv_error(x->d, "package '%s' has an unsafe path '%s': refused (it would leave the root)",
			 x->pkg, e->path);
	else if (r < 0)
		lv_error(x->d, "package '%s': cannot create '/%s': %s", x->pkg, e->path, lv_strerror(r));
	return r;
}

char *lv_log_tail(const char *log_path, int lines)
{
	struct lv_buf b = { .max = 64u << 20 };
	if (lv_read_file(log_path, &b) < 0 || !b.len) {
		lv_buf_release(&b);
		return strdup("");
	}
	const char *p = b.p + b.len;
	int n = 0;
	while (p > b.p && n <= lines)
		if (*--p == '\n')
			n++;
	char *out = strdup(p == b.p ? p : p + 1);
	lv_buf_release(&b);
	return out;
}

static int say_failed(const struct lv_assembly *a, struct lv_diags *d, const char *what, int status)
{
	_cleanup_free_ char *tail = lv_log_tail(a->log_path, 15);
	lv_error(d, "%s failed (exit status %d); the last lines of %s:\n%s", what, status, a->log_path, tail);
	return -LVE_BUILD;
}

static int run(const struct lv_assembly *a, struct lv_diags *d, const char *what, const char *const *argv)
{
	dprintf(a->sb.log_fd, "\n$ %s\n", what);
	int st = lv_sandbox_run(&a->sb, argv);
	if (st < 0) {
		lv_error(d, "%s: cannot run the sandbox: %s", what, lv_strerror(st));
		return st;
	}
	return st ? say_failed(a, d, what, st) : 0;
}

int lv_assembly_sh(const struct lv_assembly *a, struct lv_diags *d, const char *what, const char *script)
{
	const char *argv[] = { "/bin/sh", "-ec", script, NULL };
	return run(a, d, what, argv);
}

int lv_bootstrap(struct lv_assembly *a, struct lv_diags *d)
{
	const struct lv_lockset *s = &a->lock->rootfs;
	struct pkgdeps *all = calloc(s->n + 1, sizeof(*all));
	char *mark = calloc(s->n + 1, 1);
	int r = 0;

	if (lv_mkdir_p(a->root, 0755) < 0) {
		lv_error(d, "cannot create '%s': %s", a->root, strerror(errno));
		return -errno;
	}
	_cleanup_close_ int rootfd = open(a->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	/* merged /usr, as debootstrap and mmdebstrap lay it out for bookworm */
	static const char *const merged[] = { "bin", "sbin", "lib", "lib64" };
	for (size_t i = 0; i < LV_ARRAY_SIZE(merged); i++) {
		char usr[32], target[32];
		snprintf(usr, sizeof(usr), "usr/%s", merged[i]);
		snprintf(target, sizeof(target), "usr/%s", merged[i]);
		if ((r = lv_inroot_mkdirs(rootfd, usr, 0755)) < 0 ||
		    (r = lv_inroot_symlink(rootfd, merged[i], target)) < 0) {
			lv_error(d, "cannot lay out merged /usr in '%s': %s", a->root, lv_strerror(r));
			goto out;
		}
	}
	if ((r = read_all_deps(a, all, d)) < 0)
		goto out;
	closure(all, s->n, mark, "essential");
	a->essential = calloc(s->n + 1, sizeof(char *));
	for (size_t i = 0; i < s->n; i++) {
		if (!mark[i])
			continue;
		char why[256];
		struct extract_ctx x = { .rootfd = rootfd, .pkg = s->v[i].name, .d = d };
		_cleanup_free_ char *deb = lv_cache_blob(a->cache, s->v[i].sha256);
		a->essential[a->nessential++] = strdup(s->v[i].name);
		r = lv_deb_each(deb, extract_one, &x, why, sizeof(why));
		if (r < 0) {
			if (d->errors == 0)
				lv_error(d, "package '%s': cannot extract: %s", s->v[i].name, why);
			goto out;
		}
	}
	/* an empty dpkg database, and dpkg told to skip fsync: the staging root
	 * is thrown away if anything fails */
	static const char *const dirs[] = { "var/lib/dpkg/info", "var/lib/dpkg/updates",
					    "var/lib/dpkg/triggers", "etc/dpkg/dpkg.cfg.d", DEBDIR };
	for (size_t i = 0; i < LV_ARRAY_SIZE(dirs) && r == 0; i++)
		r = lv_inroot_mkdirs(rootfd, dirs[i], 0755);
	if (r == 0)
		r = lv_inroot_write(rootfd, "var/lib/dpkg/status", "", 0, 0644);
	if (r == 0)
		r = lv_inroot_write(rootfd, "var/lib/dpkg/available", "", 0, 0644);
	if (r == 0) {
		char arch[64];
		int n = snprintf(arch, sizeof(arch), "%s\n", a->m->dist.architecture);
		r = lv_inroot_write(rootfd, "var/lib/dpkg/arch", arch, (size_t)n, 0644);
	}
	if (r == 0) {
		static const char cfg[] = "# livec: the build root is thrown away on failure\nforce-unsafe-io\n";
		r = lv_inroot_write(rootfd, "etc/dpkg/dpkg.cfg.d/livec-unsafe-io", cfg, sizeof(cfg) - 1, 0644);
	}
	/* the .debs, for the sandboxed dpkg to read */
	for (size_t i = 0; i < s->n && r == 0; i++) {
		_cleanup_free_ char *src = lv_cache_blob(a->cache, s->v[i].sha256);
		char dst[4096];
		snprintf(dst, sizeof(dst), "%s/" DEBDIR "/%s.deb", a->root, s->v[i].name);
		if (link(src, dst) == 0)
			continue;
		struct lv_buf b = { .max = 4u << 30 };
		r = lv_read_file(src, &b);
		if (r == 0)
			r = lv_write_atomic(dst, b.p, b.len);
		lv_buf_release(&b);
	}
	if (r < 0 && d->errors == 0)
		lv_error(d, "cannot prepare the staging root '%s': %s", a->root, lv_strerror(r));
out:
	free_all_deps(all, s->n);
	free(mark);
	return r;
}

/* dpkg --install of the named packages (argv built from DEBDIR). */
static int dpkg_install(const struct lv_assembly *a, struct lv_diags *d, char *const *names, size_t n,
			int force_depends, const char *what)
{
	const char **argv = calloc(n + 8, sizeof(char *));
	char **paths = calloc(n + 1, sizeof(char *));
	size_t k = 0;
	argv[k++] = "dpkg";
	argv[k++] = "--install";
	if (force_depends)
		argv[k++] = "--force-depends";
	for (size_t i = 0; i < n; i++) {
		if (asprintf(&paths[i], "/" DEBDIR "/%s.deb", names[i]) < 0)
			abort();
		argv[k++] = paths[i];
	}
	argv[k] = NULL;
	int r = run(a, d, what, argv);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(argv);
	return r;
}

int lv_install(struct lv_assembly *a, struct lv_diags *d)
{
	const struct lv_lockset *s = &a->lock->rootfs;
	struct pkgdeps *all = calloc(s->n + 1, sizeof(*all));
	char **batch = calloc(s->n + 1, sizeof(char *));
	char *first = calloc(s->n + 1, 1);
	int r;

	/* what the sandbox sees, for the log (and for tests that vary it) */
	if ((r = lv_assembly_sh(a, d, "sandbox", "echo \"sandbox: clock $(date -u +%s), hostname $(hostname), "
				  "TZ=$TZ, LC_ALL=$LC_ALL, umask $(umask)\"")) < 0)
		goto out;

	/* 1. the Essential closure, for real: its maintainer scripts run */
	if ((r = dpkg_install(a, d, a->essential, a->nessential, 1, "dpkg --install (Essential)")) < 0)
		goto out;

	/* 2. keep daemons from starting while installing (the seed's fix_inner) */
	r = lv_assembly_sh(a, d, "keep daemons from starting",
	       "printf '#!/bin/sh\\n# livec: no daemons while building\\nexit 101\\n' >/usr/sbin/policy-rc.d\n"
	       "chmod 755 /usr/sbin/policy-rc.d\n"
	       "dpkg-divert --local --rename --add /sbin/start-stop-daemon >/dev/null\n"
	       "ln -s /bin/true /sbin/start-stop-daemon\n");
	if (r < 0)
		goto out;

	/* 3. the rest, in batches: a package is unpacked only once everything
	 * it pre-depends on is configured (Policy §7.2) */
	if ((r = read_all_deps(a, all, d)) < 0)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < a->nessential; k++)
			if (!strcmp(a->essential[k], s->v[i].name))
				all[i].installed = 1;
	/* as debootstrap does, the Priority: required set (and what it needs)
	 * goes first: other packages' maintainer scripts take it for granted
	 * (locales' config runs awk, which mawk provides) */
	closure(all, s->n, first, "priority required");
	for (int round = 1, phase = 0; phase < 2;) {
		size_t n = 0, left = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (all[i].installed || (phase == 0 && !first[i]))
				continue;
			left++;
			int ready = 1;
			for (size_t k = 0; k < all[i].npre && ready; k++) {
				struct pkgdeps *q = deps_of(all, s->n, all[i].pre[k]);
				ready = !q || q->installed;
			}
			if (ready)
				batch[n++] = (char *)all[i].p->name;
		}
		if (!left) {
			phase++;
			continue;
		}
		if (!n) /* a Pre-Depends cycle: let dpkg sort it out */
			for (size_t i = 0; i < s->n; i++)
				if (!all[i].installed && (phase == 1 || first[i]))
					batch[n++] = (char *)all[i].p->name;
		char what[96];
		snprintf(what, sizeof(what), "dpkg --install (round %d%s, %zu packages)", round++,
			 phase ? "" : ", Priority: required", n);
		if ((r = dpkg_install(a, d, batch, n, 0, what)) < 0)
			goto out;
		for (size_t i = 0; i < n; i++)
			deps_of(all, s->n, batch[i])->installed = 1;
	}

	/* 4. undo step 2 */
	r = lv_assembly_sh(a, d, "let daemons start again",
	       "rm -f /sbin/start-stop-daemon /usr/sbin/policy-rc.d\n"
	       "dpkg-divert --local --rename --remove /sbin/start-stop-daemon >/dev/null\n");
	if (r < 0)
		goto out;

	/* 5. dpkg must agree that everything is installed */
	r = lv_assembly_sh(a, d, "check the package database",
	       "out=$(dpkg --audit); if [ -n \"$out\" ]; then echo \"$out\"; exit 1; fi\n"
	       "bad=$(dpkg-query -W -f='${Package} ${Status}\\n' | grep -v ' install ok installed$' || :)\n"
	       "if [ -n \"$bad\" ]; then echo \"not installed: $bad\"; exit 1; fi\n"
	       "rm -rf /" DEBDIR " /var/cache/livec /etc/dpkg/dpkg.cfg.d/livec-unsafe-io\n");
out:
	free_all_deps(all, s->n);
	free(batch);
	free(first);
	return r;
}

void lv_assembly_release(struct lv_assembly *a)
{
	for (size_t i = 0; i < a->nessential; i++)
		free(a->essential[i]);
	free(a->essential);
	a->essential = NULL;
	a->nessential = 0;
}
