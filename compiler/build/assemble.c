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

#include "build/assemble.h"
#include "base/buf.h"
#include "base/child.h"
#include "base/cleanup.h"
#include "repo/deb.h"
#include "repo/deb822.h"
#include "build/dpkglog.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/inroot.h"
#include "build/debentry.h"

#define DEBDIR "var/cache/livec/debs"

/* Per package: what it needs within the lock.  Each comma group of its
 * Pre-Depends and Depends becomes one edge to the package that satisfies
 * it: the first alternative that is locked, by name or else through a
 * Provides (as the resolver chose libelogind0 for libsystemd0). */
struct lv_pkgdeps {
	const struct lv_lockpkg *p;
	size_t *pre, *dep;   /* indices into the lock's rootfs set */
	size_t npre, ndep;
	char *provides;      /* its Provides field, or NULL */
	int configured;      /* dpkg has set it up */
	int index, low, onstack; /* Tarjan's bookkeeping (index 0 = unvisited) */
};

/* The next name in a relationship field ("a (>= 1) | b:any, c"): skips
 * separators before it and version or architecture parts after it; *sep
 * is what ends it: ',' (a new group), '|' (an alternative) or '\0'. */
static int next_name(const char **pp, const char *end, const char **w, size_t *wl, char *sep)
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
	*sep = p < end ? *p : '\0';
	*pp = p;
	return *wl > 0 || p < end;
}

static int field_has(const char *field, const char *name, size_t len)
{
	const char *p = field, *end = field + strlen(field), *w;
	size_t wl;
	char sep;
	while (next_name(&p, end, &w, &wl, &sep))
		if (wl == len && !strncmp(w, name, len))
			return 1;
	return 0;
}

/* The locked package called `name`, else one that provides it, else -1. */
static long locked_index(const struct lv_pkgdeps *all, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(all[i].p->name) == len && !strncmp(all[i].p->name, name, len))
			return (long)i;
	for (size_t i = 0; i < n; i++)
		if (all[i].provides && field_has(all[i].provides, name, len))
			return (long)i;
	return -1;
}

static void dep_edges(const struct lv_pkgdeps *all, size_t n, size_t self, const char *v, size_t len,
		      size_t **out, size_t *nout)
{
	const char *p = v, *end = v + len, *w;
	size_t wl;
	char sep;
	int satisfied = 0;   /* the current group already has its edge */
	while (next_name(&p, end, &w, &wl, &sep)) {
		long q = wl && !satisfied ? locked_index(all, n, w, wl) : -1;
		if (q >= 0) {
			satisfied = 1;
			if ((size_t)q != self) {
				*out = realloc(*out, (*nout + 1) * sizeof(size_t));
				(*out)[(*nout)++] = (size_t)q;
			}
		}
		if (sep != '|')
			satisfied = 0;
	}
}

/* Reads every locked rootfs package's control: first what each provides,
 * then what each depends on. */
static int read_all_deps(const struct lv_assembly *a, struct lv_pkgdeps *all, struct lv_diags *d)
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
			dep_edges(all, s->n, i, v, vl, &all[i].pre, &all[i].npre);
		if ((v = lv_para_get(&para, "Depends", &vl)))
			dep_edges(all, s->n, i, v, vl, &all[i].dep, &all[i].ndep);
	}
	for (size_t i = 0; i < s->n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	return r;
}

static void free_all_deps(struct lv_pkgdeps *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(all[i].pre);
		free(all[i].dep);
		free(all[i].provides);
	}
	free(all);
}

/* Marks the packages locked for `reason` and everything they need
 * (transitively). */
static void closure(struct lv_pkgdeps *all, size_t n, char *mark, const char *reason)
{
	int changed = 1;
	for (size_t i = 0; i < n; i++)
		mark[i] = !strcmp(all[i].p->reason, reason);
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (!mark[i])
				continue;
			size_t *lists[2] = { all[i].pre, all[i].dep };
			size_t ns[2] = { all[i].npre, all[i].ndep };
			for (int l = 0; l < 2; l++)
				for (size_t k = 0; k < ns[l]; k++)
					if (!mark[lists[l][k]]) {
						mark[lists[l][k]] = 1;
						changed = 1;
					}
		}
	}
}

/* What a .deb may unpack to: far more than any Debian package does (the
 * most in bookworm's main is about 250 times its .deb, by Installed-Size),
 * far less than a disk: a compression bomb is refused. */
#define LV_DEB_MAX_RATIO 1000u
#define LV_DEB_MAX_SLACK (1u << 20)

struct extract_ctx {
	int rootfd;
	const char *pkg;
	uint64_t left; /* bytes the package may still unpack to */
	struct lv_diags *d;
};

static int extract_one(const struct lv_debentry *e, struct lv_debreader *rd, void *ud)
{
	struct extract_ctx *x = ud;
	if (e->type == 'f' && (uint64_t)e->size > x->left) {
		lv_error(x->d, "package '%s' unpacks to more than %u times its size (at '/%s'): refused", x->pkg,
			 LV_DEB_MAX_RATIO, e->path);
		return -LVE_ARCHIVE;
	}
	if (e->type == 'f')
		x->left -= (uint64_t)e->size;
	int r = lv_debentry_place(x->rootfd, e, rd);
	if (r == -EPERM)
		lv_error(x->d, "package '%s' has an unsafe path '%s': refused (it would leave the root)",
			 x->pkg, e->path);
	else if (r == -LVE_DEVICE)
		lv_error(x->d, "package '%s' ships the device node '/%s': livec makes no device nodes on the "
			       "build host (the live system's /dev is the kernel's devtmpfs)", x->pkg, e->path);
	else if (r < 0)
		lv_error(x->d, "package '%s': cannot create '/%s': %s", x->pkg, e->path, lv_strerror(r));
	return r;
}

char *lv_log_tail(const char *log_path, int lines)
{
	struct lv_buf b = { .max = 64u << 20 };
	char *out = lv_read_file(log_path, &b) < 0 ? strdup("") : lv_tail_lines(b.p ? b.p : "", b.len, (unsigned)lines);
	lv_buf_release(&b);
	return out;
}

static int say_failed(const struct lv_assembly *a, struct lv_diags *d, const char *what, int status)
{
	_cleanup_free_ char *tail = lv_log_tail(a->log_path, 15);
	lv_error(d, "%s failed (exit status %d); the last lines of %s:\n%s", what, status, a->log_path, tail);
	return -LVE_BUILD;
}

/* Runs argv in the sandbox, logged.  A failure names the package and
 * maintainer script that failed when this run's output is dpkg's, else
 * shows the log's last lines. */
static int run(const struct lv_assembly *a, struct lv_diags *d, const char *what, const char *const *argv)
{
	off_t from = lseek(a->sb.log_fd, 0, SEEK_END);
	dprintf(a->sb.log_fd, "\n$ %s\n", what);
	int st = lv_sandbox_run(&a->sb, argv);
	if (st < 0) {
		lv_error(d, "%s: cannot run the sandbox: %s", what, lv_strerror(st));
		return st;
	}
	if (st == 0)
		return 0;
	struct lv_buf log = { .max = 256u << 20 };
	if (from >= 0 && lv_read_file(a->log_path, &log) == 0 && log.len > (size_t)from &&
	    lv_dpkg_explain(log.p + from, log.len - (size_t)from, d))
		lv_note(d, "%s exited with status %d; the whole log is %s", what, st, a->log_path);
	else
		say_failed(a, d, what, st);
	lv_buf_release(&log);
	return -LVE_BUILD;
}

int lv_assembly_sh(const struct lv_assembly *a, struct lv_diags *d, const char *what, const char *script)
{
	const char *argv[] = { "/bin/sh", "-ec", script, NULL };
	return run(a, d, what, argv);
}

/* The .debs, for the sandboxed dpkg to read: linked from the cache (the
 * image's root cannot change livec's file), else copied; into the
 * directory as found inside the root, whatever a package made of it. */
static int place_debs(const struct lv_assembly *a, int rootfd)
{
	const struct lv_lockset *s = &a->lock->rootfs;
	_cleanup_close_ int debs = lv_inroot_open(rootfd, DEBDIR, O_PATH | O_DIRECTORY);
	int r = debs < 0 ? debs : 0;
	for (size_t i = 0; i < s->n && r == 0; i++) {
		_cleanup_free_ char *src = lv_cache_blob(a->cache, s->v[i].sha256);
		char name[300], dst[400];
		snprintf(name, sizeof(name), "%s.deb", s->v[i].name);
		if (linkat(AT_FDCWD, src, debs, name, 0) == 0)
			continue;
		struct lv_buf b = { .max = 4u << 30 };
		snprintf(dst, sizeof(dst), DEBDIR "/%s", name);
		r = lv_read_file(src, &b);
		if (r == 0)
			r = lv_inroot_write(rootfd, dst, b.p, b.len, 0644);
		lv_buf_release(&b);
	}
	return r;
}

int lv_bootstrap(struct lv_assembly *a, struct lv_diags *d)
{
	const struct lv_lockset *s = &a->lock->rootfs;
	int r = 0;

	if (lv_mkdir_p(a->root, 0755) < 0) {
		lv_error(d, "cannot create '%s': %s", a->root, strerror(errno));
		return -errno;
	}
	_cleanup_close_ int rootfd = open(a->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	struct lv_pkgdeps *all = calloc(s->n + 1, sizeof(*all));
	char *mark = calloc(s->n + 1, 1);
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
	for (size_t i = 0; i < s->n; i++) {
		if (!mark[i])
			continue;
		char why[256];
		struct extract_ctx x = { .rootfd = rootfd, .pkg = s->v[i].name, .d = d,
					 .left = s->v[i].size * LV_DEB_MAX_RATIO + LV_DEB_MAX_SLACK };
		_cleanup_free_ char *deb = lv_cache_blob(a->cache, s->v[i].sha256);
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
	/* what a package made of one (a link out of the root) is replaced */
	for (size_t i = 0; i < LV_ARRAY_SIZE(dirs) && r == 0; i++)
		if ((r = lv_inroot_want_dir(rootfd, dirs[i])) >= 0)
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
	if (r == 0)
		r = place_debs(a, rootfd);
	if (r < 0 && d->errors == 0)
		lv_error(d, "cannot prepare the staging root '%s': %s", a->root, lv_strerror(r));
out:
	/* lv_install goes on from here: the graph, and what is unpacked */
	a->deps = all;
	a->essential = mark;
	return r;
}

/* The install order.  Tarjan's algorithm over the Pre-Depends and Depends
 * edges gives the strongly connected components, each emitted after every
 * component it needs: dependencies first, and a cycle is one component that
 * dpkg configures in one run (it breaks the cycle itself, as under apt).
 * The walk starts at the `first` packages; they are closed under their
 * dependencies, so all of them come before any other. */
struct order {
	size_t *v;       /* package indices, component after component */
	size_t *start;   /* component k is v[start[k]] .. v[start[k + 1] - 1] */
	size_t n, ncomp;
	size_t *stack, sp;
	int counter;
};

static void strongconnect(struct lv_pkgdeps *all, size_t i, struct order *o)
{
	all[i].index = all[i].low = ++o->counter;
	o->stack[o->sp++] = i;
	all[i].onstack = 1;
	size_t *lists[2] = { all[i].pre, all[i].dep };
	size_t ns[2] = { all[i].npre, all[i].ndep };
	for (int l = 0; l < 2; l++)
		for (size_t k = 0; k < ns[l]; k++) {
			size_t j = lists[l][k];
			if (!all[j].index) {
				strongconnect(all, j, o);
				if (all[j].low < all[i].low)
					all[i].low = all[j].low;
			} else if (all[j].onstack && all[j].index < all[i].low) {
				all[i].low = all[j].index;
			}
		}
	if (all[i].low != all[i].index)
		return;
	o->start[o->ncomp++] = o->n;
	size_t j;
	do {
		j = o->stack[--o->sp];
		all[j].onstack = 0;
		o->v[o->n++] = j;
	} while (j != i);
}

static void install_order(struct lv_pkgdeps *all, size_t n, const char *first, struct order *o)
{
	o->v = calloc(n + 1, sizeof(size_t));
	o->start = calloc(n + 2, sizeof(size_t));
	o->stack = calloc(n + 1, sizeof(size_t));
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if (!all[i].index && (pass || first[i]))
				strongconnect(all, i, o);
	o->start[o->ncomp] = o->n;
}

static void order_release(struct order *o)
{
	free(o->v);
	free(o->start);
	free(o->stack);
}

/* Runs dpkg with `args` and then the named packages (as .deb paths when
 * `debs`). */
static int dpkg_run(const struct lv_assembly *a, struct lv_diags *d, const char *const *args,
		    const size_t *pkgs, size_t n, const struct lv_pkgdeps *all, int debs, const char *what)
{
	const char **argv = calloc(n + 8, sizeof(char *));
	char **paths = calloc(n + 1, sizeof(char *));
	size_t k = 0;
	argv[k++] = "dpkg";
	for (; *args; args++)
		argv[k++] = *args;
	for (size_t i = 0; i < n; i++) {
		if (debs && asprintf(&paths[i], "/" DEBDIR "/%s.deb", all[pkgs[i]].p->name) < 0)
			abort();
		argv[k++] = debs ? paths[i] : all[pkgs[i]].p->name;
	}
	argv[k] = NULL;

	int r = run(a, d, what, argv);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(argv);
	return r;
}

/* Unpacks the batch, then configures it in order.  dpkg configures what it
 * is given in that order, deferring a package until what it depends on is
 * set up; a dependency cycle gets a dpkg run of its own, so that dpkg's
 * cycle breaking cannot let a package that needs the cycle in before the
 * whole cycle is configured (apt configures a cycle together too).
 * cycle[i] is the component of batch[i] when that is a cycle, else 0.
 * Triggers wait for the end (apt's --no-triggers). */
static int install_batch(const struct lv_assembly *a, struct lv_diags *d, struct lv_pkgdeps *all,
			 const size_t *batch, const size_t *cycle, size_t n, int step, int force_depends)
{
	static const char *const unpack[] = { "--unpack", "--no-triggers", NULL };
	static const char *const unpack_forced[] = { "--unpack", "--no-triggers", "--force-depends", NULL };
	static const char *const configure[] = { "--configure", "--no-triggers", NULL };
	char what[128];
	int r;
	if (!n)
		return 0;
	snprintf(what, sizeof(what), "dpkg --unpack (step %d, %zu package%s%s)", step, n, n == 1 ? "" : "s",
		 force_depends ? ", a Pre-Depends cycle" : "");
	if ((r = dpkg_run(a, d, force_depends ? unpack_forced : unpack, batch, n, all, 1, what)) < 0)
		return r;
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && (cycle[hi] == cycle[lo] || (!cycle[hi] && !cycle[lo])); hi++)
			;
		snprintf(what, sizeof(what), "dpkg --configure (step %d, %zu package%s%s)", step, hi - lo,
			 hi - lo == 1 ? "" : "s", cycle[lo] ? ", a dependency cycle" : "");
		if ((r = dpkg_run(a, d, configure, batch + lo, hi - lo, all, 0, what)) < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++)
		all[batch[i]].configured = 1;
	return 0;
}

/* Walks the components in install order and cuts them into batches: a
 * batch ends before a package that pre-depends on something in it (Policy
 * §7.2: a pre-dependency is configured before the package is unpacked).
 * Everything a batch member depends on is configured before the batch or
 * is in it, so each batch configures completely. */
static int install_in_order(const struct lv_assembly *a, struct lv_diags *d, struct lv_pkgdeps *all, size_t n,
			    const struct order *o)
{
	size_t *batch = calloc(n + 1, sizeof(size_t)), *cycle = calloc(n + 1, sizeof(size_t)), nb = 0;
	char *inbatch = calloc(n + 1, 1);
	int step = 1, r = 0;

	for (size_t c = 0; c < o->ncomp && r == 0; c++) {
		size_t lo = o->start[c], hi = o->start[c + 1];
		int needs_flush = 0, pre_cycle = 0, todo = 0;
		for (size_t k = lo; k < hi; k++) {
			const struct lv_pkgdeps *q = &all[o->v[k]];
			todo |= !q->configured;
			for (size_t j = 0; j < q->npre; j++) {
				needs_flush |= inbatch[q->pre[j]];
				/* a pre-dependency inside the component: a cycle */
				for (size_t m = lo; m < hi; m++)
					pre_cycle |= o->v[m] == q->pre[j] && !all[q->pre[j]].configured;
			}
		}
		if (!todo)
			continue;
		if (needs_flush || pre_cycle) {
			r = install_batch(a, d, all, batch, cycle, nb, nb ? step++ : step, 0);
			for (size_t i = 0; i < nb; i++)
				inbatch[batch[i]] = 0;
			nb = 0;
		}
		for (size_t k = lo; k < hi && r == 0; k++)
			if (!all[o->v[k]].configured) {
				cycle[nb] = hi - lo > 1 ? c + 1 : 0;
				batch[nb++] = o->v[k];
				inbatch[o->v[k]] = 1;
			}
		if (pre_cycle && r == 0) {
			/* dpkg cannot honour a Pre-Depends cycle: unpack it whole */
			r = install_batch(a, d, all, batch, cycle, nb, step++, 1);
			for (size_t i = 0; i < nb; i++)
				inbatch[batch[i]] = 0;
			nb = 0;
		}
	}
	if (r == 0)
		r = install_batch(a, d, all, batch, cycle, nb, step, 0);
	free(batch);
	free(cycle);
	free(inbatch);
	return r;
}

int lv_install(struct lv_assembly *a, struct lv_diags *d)
{
	const struct lv_lockset *s = &a->lock->rootfs;
	struct lv_pkgdeps *all = a->deps;
	char *first = calloc(s->n + 1, 1);
	struct order o = { 0 };
	int r;

	/* what the sandbox sees, for the log (and for tests that vary it) */
	if ((r = lv_assembly_sh(a, d, "sandbox", "echo \"sandbox: clock $(date -u +%s), hostname $(hostname), "
				  "TZ=$TZ, LC_ALL=$LC_ALL, umask $(umask)\"")) < 0)
		goto out;

	/* 1. the Essential closure, for real: its maintainer scripts run */
	{
		size_t *ess = calloc(s->n + 1, sizeof(size_t)), ne = 0;
		static const char *const args[] = { "--install", "--force-depends", NULL };
		for (size_t i = 0; i < s->n; i++)
			if (a->essential[i]) {
				ess[ne++] = i;
				all[i].configured = 1;
			}
		r = dpkg_run(a, d, args, ess, ne, all, 1, "dpkg --install (Essential)");
		free(ess);
		if (r < 0)
			goto out;
	}

	/* 2. keep daemons from starting while installing (the seed's fix_inner) */
	r = lv_assembly_sh(a, d, "keep daemons from starting",
	       "printf '#!/bin/sh\\n# livec: no daemons while building\\nexit 101\\n' >/usr/sbin/policy-rc.d\n"
	       "chmod 755 /usr/sbin/policy-rc.d\n"
	       "dpkg-divert --local --rename --add /sbin/start-stop-daemon >/dev/null\n"
	       "ln -s /bin/true /sbin/start-stop-daemon\n");
	if (r < 0)
		goto out;

	/* 3. the rest, dependencies before dependents: as debootstrap does, the
	 * Priority: required set (and what it needs) first, since other
	 * packages' maintainer scripts take it for granted (locales' config
	 * runs awk, which mawk provides); then the pending triggers, once */
	closure(all, s->n, first, "priority required");
	install_order(all, s->n, first, &o);
	if ((r = install_in_order(a, d, all, s->n, &o)) < 0)
		goto out;
	{
		static const char *const args[] = { "--configure", "--pending", NULL };
		if ((r = dpkg_run(a, d, args, NULL, 0, all, 0, "dpkg --configure --pending (triggers)")) < 0)
			goto out;
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
	order_release(&o);
	free(first);
	return r;
}

void lv_assembly_release(struct lv_assembly *a)
{
	if (a->deps)
		free_all_deps(a->deps, a->lock->rootfs.n);
	free(a->essential);
	a->deps = NULL;
	a->essential = NULL;
}
