/* livec verify: build twice on two different-looking hosts and compare
 * every artifact byte for byte.
 *
 *   lock --check -> build A -> build B (varied) -> compare SHA256SUMS
 *   -> for each difference: the first differing member, diffoscope
 *
 * Each build is a child `livec build --no-cache` in its own directory; the
 * child records what it saw of its host (variation.h), so the report shows
 * that every variation really reached the build. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/child.h"
#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/formats.h"
#include "cmd/options.h"
#include "verify/compare.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "image/sums.h"
#include "verify/variation.h"

static const struct lv_opt verify_opts[] = {
	{ 'f', "format", LV_OPT_SHORT, "FORMAT", "what the two builds write (default iso)",
	  lv_format_file_value },
	{ 'V', "vary", 0, "LIST", "only these (comma-separated)", NULL },
	{ 'N', "no-vary", 0, "LIST", "all but these", NULL },
	{ 'w', "workdir", 0, "DIR", "default out/NAME/verify; the two builds stay in DIR/a and DIR/b... "
	  "(outputs, SHA256SUMS, logs, what each saw)", NULL },
	{ 'H', "html", 0, NULL, "an HTML report next to the text one", NULL },
	{ 'T', "diffoscope-timeout", 0, "S", "stop diffoscope after S seconds (default 900)", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_verify = {
	.name = "verify",
	.run = lv_cmd_verify,
	.needs = LV_NEEDS_MANIFEST | LV_NEEDS_CACHE | LV_NEEDS_LOCK,
	.synopsis = "verify [--format iso|tar|tar.gz|tar.zst] [--vary LIST] [--no-vary LIST] "
		    "[--workdir DIR] [--html] [--diffoscope-timeout S] MANIFEST",
	.summary = "build twice on different-looking hosts and compare every byte",
	.description =
		"Checks that the image is reproducible: re-derives the lockfile ('lock\n"
		"--check'), then builds twice from the lock, without the tree cache, in two\n"
		"directories, with the second build's host made to look different, and\n"
		"compares every artifact and layer listed in each build's SHA256SUMS (the\n"
		"ISO, the cloop image and the file system inside it, root_fs.tgz, the\n"
		"initramfs, the SBOM).  As root or rootless, as 'livec build' (rootless,\n"
		"the host name is not varied).\n"
		"\n"
		"What the second build varies (all by default):\n"
		"  path       build directory and the length of its path\n"
		"  time       the wall clock, a day later (libfaketime)\n"
		"  tz         TZ=GMT+12 against TZ=GMT-14\n"
		"  locale     LC_ALL/LANG C.UTF-8 against fr_CH.UTF-8\n"
		"  umask      022 against 077\n"
		"  hostname   host and domain name (own UTS namespace)\n"
		"  home       HOME\n"
		"  cpus       all CPUs against one (affinity and -j 1)\n"
		"  dir-order  the manifest directory's readdir order (disorderfs; skipped\n"
		"             with a notice where FUSE or disorderfs is missing)",
	.opts = verify_opts,
	.epilogue =
		"On a difference (exit 1) it names each differing artifact and the first\n"
		"file inside it that differs, and runs diffoscope on the pair (cloop\n"
		"images through the file system livec extracted from them), writing its\n"
		"report under WORKDIR/diffoscope/.\n"
		"\n"
		"Exit status: 0 identical, 1 different (or a build failed), 2 usage,\n"
		"3 stale lockfile.",
};

struct side {
	const char *label;
	char dir[PATH_MAX];
	char out[PATH_MAX + 320], layers[PATH_MAX + 16], record[PATH_MAX + 16], log[PATH_MAX + 16];
	char home[PATH_MAX + 32];
	struct lv_build_env env;
	struct lv_sums sums;
};

/* One verify run: what was asked, where it runs, what it found. */
struct verify {
	struct lv_ctx *ctx;
	const char *format, *ext;
	unsigned mask, timeout_s;
	int html;
	char *w, *manifest, *self;   /* absolute: the work directory, the manifest, livec */
	char output[300];            /* NAME.EXT */
	int lock_st;                 /* lock --check: 0 same lock, 3 a different one */
	struct side a, b;
	size_t same, differ;
	struct lv_buf firsts;        /* the first artifact that differs */
};

static char *self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* The artifact's file in a build: the output, a layer of the ISO, or the
 * file system inside the cloop image. */
static void artifact_path(const struct side *s, const char *output, const char *name, char *p, size_t n)
{
	size_t o = strlen(output);
	if (!strcmp(name, output))
		snprintf(p, n, "%s", s->out);
	else if (!strcmp(name + o, ":LIVEC/LIVEC:inner"))
		snprintf(p, n, "%s/inner.img", s->layers);
	else
		snprintf(p, n, "%s/iso/%s", s->layers, name + o + 1);
}

/* A differing artifact is examined unless a layer inside it also differs:
 * that layer explains it better (the ISO by root_fs.tgz, the cloop image
 * by its file system). */
static int explained_by_inner(const char *name, const struct lv_sums *a, const struct lv_sums *b)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < a->n; i++) {
		const char *other = a->v[i].name;
		if (strncmp(other, name, n) || other[n] != ':')
			continue;
		const struct lv_sum *o = lv_sums_find(b, other);
		if (!o || strcmp(o->hex, a->v[i].hex))
			return 1;
	}
	return 0;
}

/* One build: a child `livec build --no-cache` in the side's environment,
 * logged; then its SHA256SUMS. */
static int run_build(struct verify *v, struct side *s, const char *manifest, int jobs_one)
{
	struct lv_ctx *ctx = v->ctx;
	char work[PATH_MAX + 8];
	snprintf(work, sizeof(work), "%s/work", s->dir);
	const char *argv[32] = { v->self, "--cache", ctx->cache.root, "--lockfile", ctx->lock_path, "build",
				 "--no-cache", "--format", v->format, "--output", s->out, "--workdir", work };
	int n = 13;
	if (lv_format_find(v->format)->kind == LV_FORMAT_ISO) {
		argv[n++] = "--layers";
		argv[n++] = s->layers;
	}
	argv[n++] = "--record";
	argv[n++] = s->record;
	if (jobs_one) {
		argv[n++] = "-j";
		argv[n++] = "1";
	}
	argv[n++] = manifest;
	argv[n] = NULL;

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lv_say(ctx, "build %s in %s (log: %s)", s->label, s->dir, s->log);
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_FILE, .path = s->log },
			      .err = { LV_CHILD_STDOUT }, .setup = lv_build_env_apply, .setup_arg = &s->env,
			      .tail_lines = 15 };
	int st = lv_child_run(&c);
	lv_child_release(&c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (st != 0) {
		lv_error(&ctx->d, "build %s failed (%s); the end of %s:\n%s", s->label, lv_child_explain(&c), s->log,
			 c.tail);
		return st == 3 ? -LVE_STALE : -LVE_BUILD;
	}
	lv_say(ctx, "build %s done in %.0f s", s->label,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	char sums[PATH_MAX + 16];
	_cleanup_free_ char *outdir = lv_dirname(s->out);
	snprintf(sums, sizeof(sums), "%s/SHA256SUMS", outdir);
	return lv_sums_read(sums, &s->sums, &ctx->d);
}

/* "key value" lines of a build record */
static char *record_value(const struct lv_buf *rec, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = rec->p; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > k && !strncmp(p, key, k) && p[k] == ' ')
			return strndup(p + k + 1, len - k - 1);
		p = nl ? nl + 1 : NULL;
	}
	return strdup("?");
}

/* Prints, per variation, what each build saw; warns where a variation
 * that was asked for did not show. */
static void report_variations(struct lv_ctx *ctx, const struct side *a, const struct side *b, unsigned mask)
{
	static const char *const keys[LV_VARY_N] = {
		[LV_VARY_PATH] = "cwd",       [LV_VARY_TIME] = "time",         [LV_VARY_TZ] = "tz",
		[LV_VARY_LOCALE] = "locale",  [LV_VARY_UMASK] = "umask",       [LV_VARY_HOSTNAME] = "hostname",
		[LV_VARY_HOME] = "home",      [LV_VARY_CPUS] = "cpus",         [LV_VARY_DIRORDER] = "dir-order",
	};
	struct lv_buf ra = { 0 }, rb = { 0 };
	if (lv_read_file(a->record, &ra) < 0 || lv_read_file(b->record, &rb) < 0) {
		lv_warn(&ctx->d, "the builds left no record of their hosts");
		goto out;
	}
	printf("what the two builds saw:\n");
	for (int k = 0; k < LV_VARY_N; k++) {
		_cleanup_free_ char *va = record_value(&ra, keys[k]);
		_cleanup_free_ char *vb = record_value(&rb, keys[k]);
		int same = !strcmp(va, vb);
		printf("  %-10s %-6s %s | %s\n", lv_vary_names[k], same ? "same" : "varied", va, vb);
		if (!same || !(mask & (1u << k)))
			continue;
		if (k == LV_VARY_DIRORDER && !strchr(va, ' '))
			lv_note(&ctx->d, "the manifest's directory holds one entry: no order to vary");
		else
			lv_warn(&ctx->d, "variation '%s' was asked for, but both builds saw '%s'", lv_vary_names[k], va);
	}
out:
	lv_buf_release(&ra);
	lv_buf_release(&rb);
}

static void sanitize(const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s", name);
	for (char *p = out; *p; p++)
		if (*p == '/' || *p == ':')
			*p = '_';
}

/* diffoscope on a pair; the report's path in `report`.  Returns 0 when it
 * ran (whatever it found), -ENOENT when it is not installed, or another
 * negative error with what happened in `why`. */
static int diffoscope(const struct verify *v, const char *a, const char *b, const char *dir, const char *name,
		      char *report, size_t n, char *why, size_t wn)
{
	char tool[PATH_MAX], base[512], html_path[PATH_MAX + 600], log[PATH_MAX + 600];
	if (!lv_find_tool("diffoscope", tool, sizeof(tool)))
		return -ENOENT;
	sanitize(name, base, sizeof(base));
	snprintf(report, n, "%s/%s.txt", dir, base);
	snprintf(html_path, sizeof(html_path), "%s/%s.html", dir, base);
	snprintf(log, sizeof(log), "%s/%s.log", dir, base);
	const char *argv[10] = { tool, "--text", report, "--no-progress" };
	int k = 4;
	if (v->html) {
		argv[k++] = "--html";
		argv[k++] = html_path;
	}
	argv[k++] = a;
	argv[k++] = b;
	argv[k] = NULL;
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_FILE, .path = log },
			      .err = { LV_CHILD_STDOUT }, .timeout_s = v->timeout_s };
	int st = lv_child_run(&c);
	snprintf(why, wn, "%s", lv_child_explain(&c));
	lv_child_release(&c);
	/* diffoscope: 0 same, 1 different, 2 trouble */
	return st == 0 || st == 1 ? 0 : st < 0 ? st : -LVE_BUILD;
}

/* Shortens `dir` (a real path) to its longest leading part that is also a
 * directory above or at `path`. */
static void common_dir(char *dir, const char *path)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	size_t n = 0;
	if (!real)
		return;
	while (dir[n] && dir[n] == real[n])
		n++;
	if (!(dir[n] == '\0' && (real[n] == '/' || real[n] == '\0')))
		while (n > 0 && dir[n] != '/')
			n--;
	dir[n ? n : 1] = '\0';
}

/* The directory the second build reads its manifest through: the nearest
 * one that holds the manifest, every fragment it includes and every
 * files: source, so each of them is read in the varied order. */
static char *manifest_dir(const struct lv_manifest *m)
{
	_cleanup_free_ char *top = lv_dirname(m->path);
	char *dir = realpath(top, NULL);
	for (size_t i = 0; dir && i < m->sources.n; i++) {
		_cleanup_free_ char *d = lv_dirname(m->sources.v[i]);
		common_dir(dir, d);
	}
	for (size_t i = 0; dir && i < m->files.n; i++)
		common_dir(dir, m->files.v[i].from);
	return dir;
}

/* disorderfs over the manifest's directory (manifest_dir): the second
 * build reads it in reversed readdir order.  Returns the mount point's
 * manifest path, or NULL (with a notice) when it is not available. */
static char *disorder(struct lv_ctx *ctx, const char *manifest, const char *view)
{
	char tool[PATH_MAX];
	if (!lv_find_tool("disorderfs", tool, sizeof(tool)) || access("/dev/fuse", R_OK | W_OK) < 0) {
		lv_note(&ctx->d, "directory order not varied: %s", access("/dev/fuse", R_OK | W_OK) < 0
			? "no /dev/fuse here" : "disorderfs is not installed");
		return NULL;
	}
	_cleanup_free_ char *src = manifest_dir(&ctx->m);
	if (!src || !strcmp(src, "/") || strncmp(manifest, src, strlen(src)) || manifest[strlen(src)] != '/') {
		lv_note(&ctx->d, "directory order not varied: the manifest, its fragments and files: share no "
				 "directory below /");
		return NULL;
	}
	const char *file = manifest + strlen(src) + 1;
	lv_mkdir_p(view, 0755);
	const char *argv[] = { tool, "--multi-user=yes", "--reverse-dirents=yes", "--shuffle-dirents=no", "--quiet",
			       src, view, NULL };
	/* it mounts, then leaves its daemon behind and exits */
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_FD, .fd = 2 },
			      .err = { LV_CHILD_STDOUT }, .timeout_s = 60 };
	int st = lv_child_run(&c);
	lv_child_release(&c);
	if (st != 0) {
		lv_note(&ctx->d, "directory order not varied: disorderfs could not mount (FUSE unavailable?)");
		return NULL;
	}
	return lv_path_join(view, file);
}

/* What was asked can be done here: a format verify compares, root for
 * the host name and libfaketime for the clock (else that variation is
 * left out). */
static int check_request(struct verify *v)
{
	struct lv_ctx *ctx = v->ctx;
	const struct lv_format *fmt = lv_format_find(v->format);
	if (!fmt || fmt->kind == LV_FORMAT_DIR) {
		char names[128];
		lv_format_names(names, sizeof(names), 1);
		lv_error(&ctx->d, "verify compares files: --format must be %s, not '%s'", names, v->format);
		return -LVE_USAGE;
	}
	v->ext = fmt->ext;
	/* rootless, each build enters its own user namespace; a new host name
	 * would need one around it, which newuidmap does not map from */
	if (geteuid() != 0 && (v->mask & (1u << LV_VARY_HOSTNAME))) {
		lv_note(&ctx->d, "the host name is not varied: that needs root (the builds' sandboxes "
				 "have their own anyway)");
		v->mask &= ~(1u << LV_VARY_HOSTNAME);
	}
	if ((v->mask & (1u << LV_VARY_TIME)) && !lv_faketime_lib()) {
		lv_note(&ctx->d, "the clock is not varied: libfaketime is not installed (apt-get install faketime)");
		v->mask &= ~(1u << LV_VARY_TIME);
	}
	return 0;
}

/* A fresh work directory, and every path the builds get made absolute
 * (they run elsewhere). */
static int make_workdir(struct verify *v, const char *workdir)
{
	struct lv_ctx *ctx = v->ctx;
	char wbuf[PATH_MAX];
	int r;
	if (!workdir) {
		snprintf(wbuf, sizeof(wbuf), "out/%s/verify", ctx->m.name);
		workdir = wbuf;
	}
	lv_remove_tree(workdir);
	if ((r = lv_mkdir_p(workdir, 0755)) < 0) {
		lv_error(&ctx->d, "cannot create '%s': %s", workdir, lv_strerror(r));
		return r;
	}
	v->w = realpath(workdir, NULL);
	v->manifest = realpath(ctx->manifest_path, NULL);
	v->self = self_exe();
	char *lock_abs = realpath(ctx->lock_path, NULL);
	if (!v->w || !v->manifest || !v->self || !lock_abs) {
		free(lock_abs);
		lv_error(&ctx->d, "cannot resolve the work directory, manifest or lockfile paths");
		return -ENOENT;
	}
	free(ctx->lock_path);
	ctx->lock_path = lock_abs;
	snprintf(v->output, sizeof(v->output), "%s%s", ctx->m.name, v->ext);
	return 0;
}

/* 0. the lockfile, re-derived from the manifest and the mirror */
static int check_lock(struct verify *v)
{
	struct lv_ctx *ctx = v->ctx;
	char log[PATH_MAX + 16];
	snprintf(log, sizeof(log), "%s/lock-check.log", v->w);
	const char *argv[] = { v->self, "--cache", ctx->cache.root, "--lockfile", ctx->lock_path, "lock", "--check",
			       v->manifest, NULL };
	lv_say(ctx, "re-deriving the lockfile (lock --check)");
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_FILE, .path = log },
			      .err = { LV_CHILD_STDOUT }, .tail_lines = 10 };
	v->lock_st = lv_child_run(&c);
	lv_child_release(&c);
	if (v->lock_st != 0 && v->lock_st != 3) {
		lv_error(&ctx->d, "'lock --check' failed (%s); the end of %s:\n%s", lv_child_explain(&c), log, c.tail);
		return -LVE_BUILD;
	}
	return 0;
}

/* Where each build runs and the host it sees: B differs from A in every
 * variation of the mask. */
static void plan_sides(struct verify *v)
{
	struct side *a = &v->a, *b = &v->b;
	snprintf(a->dir, sizeof(a->dir), "%s/a", v->w);
	snprintf(b->dir, sizeof(b->dir), "%s/%s", v->w,
		 v->mask & (1u << LV_VARY_PATH) ? "b-built-somewhere-else/with/a/much/longer/path" : "b");
	snprintf(a->home, sizeof(a->home), "%s/home-a", v->w);
	snprintf(b->home, sizeof(b->home), "%s/%s", v->w, v->mask & (1u << LV_VARY_HOME) ? "home-b/user" : "home-a");
	struct side *sides[] = { a, b };
	for (int i = 0; i < 2; i++) {
		struct side *s = sides[i];
		snprintf(s->out, sizeof(s->out), "%s/out/%s", s->dir, v->output);
		snprintf(s->layers, sizeof(s->layers), "%s/layers", s->dir);
		snprintf(s->record, sizeof(s->record), "%s/host.txt", s->dir);
		snprintf(s->log, sizeof(s->log), "%s/build.log", s->dir);
		lv_mkdir_p(s->dir, 0755);
		lv_mkdir_p(s->home, 0755);
	}
	a->env = (struct lv_build_env){ .cwd = a->dir, .home = a->home, .tz = "GMT+12", .lc_all = "C.UTF-8",
					.lang = "C.UTF-8", .umask = 022, .hostname = "livec-verify-a",
					.domainname = "a.invalid" };
	b->env = a->env;
	b->env.cwd = b->dir;
	b->env.home = b->home;
	if (v->mask & (1u << LV_VARY_TZ))
		b->env.tz = "GMT-14";
	if (v->mask & (1u << LV_VARY_LOCALE))
		b->env.lc_all = b->env.lang = "fr_CH.UTF-8";
	if (v->mask & (1u << LV_VARY_UMASK))
		b->env.umask = 077;
	if (v->mask & (1u << LV_VARY_HOSTNAME)) {
		b->env.hostname = "a-second-builder";
		b->env.domainname = "b.example";
	}
	if (v->mask & (1u << LV_VARY_TIME))
		b->env.faketime = "+1d";
	b->env.one_cpu = !!(v->mask & (1u << LV_VARY_CPUS));
	/* rootless: no UTS namespace around a build (that needs root) */
	if (!(v->mask & (1u << LV_VARY_HOSTNAME)) && geteuid() != 0)
		a->env.hostname = a->env.domainname = b->env.hostname = b->env.domainname = NULL;
}

/* 1. build A, then B (through disorderfs when the directory order
 * varies), and what each saw of its host */
static int build_both(struct verify *v)
{
	int r;
	if ((r = run_build(v, &v->a, v->manifest, 0)) < 0)
		return r;
	char view[PATH_MAX + 8];
	snprintf(view, sizeof(view), "%s/view", v->w);
	_cleanup_free_ char *b_manifest = (v->mask & (1u << LV_VARY_DIRORDER)) ? disorder(v->ctx, v->manifest, view)
										 : NULL;
	if (!b_manifest)
		v->mask &= ~(1u << LV_VARY_DIRORDER);
	r = run_build(v, &v->b, b_manifest ? b_manifest : v->manifest, v->b.env.one_cpu);
	if (b_manifest)
		umount2(view, MNT_DETACH);
	if (r == 0)
		report_variations(v->ctx, &v->a, &v->b, v->mask);
	return r;
}

static void count(struct verify *v, int eq, const char *name)
{
	if (eq) {
		v->same++;
		return;
	}
	v->differ++;
	if (!v->firsts.len)
		lv_buf_printf(&v->firsts, "%s", name);
}

/* 2. compare every artifact: the lock, then each build's SHA256SUMS */
static void compare(struct verify *v)
{
	const struct lv_sums *a = &v->a.sums, *b = &v->b.sums;
	char lock[300];
	snprintf(lock, sizeof(lock), "%s.lock", v->ctx->m.name);
	printf("artifacts:\n");
	printf("  %-9s %s (re-derived by lock --check)\n", v->lock_st == 0 ? "identical" : "differs", lock);
	count(v, v->lock_st == 0, lock);
	for (size_t i = 0; i < a->n; i++) {
		const struct lv_sum *x = &a->v[i], *y = lv_sums_find(b, x->name);
		int eq = y && !strcmp(x->hex, y->hex);
		printf("  %-9s %s\n", eq ? "identical" : "differs", x->name);
		count(v, eq, x->name);
	}
	for (size_t i = 0; i < b->n; i++)
		if (!lv_sums_find(a, b->v[i].name)) {
			printf("  %-9s %s (only in the second build)\n", "differs", b->v[i].name);
			v->differ++;
		}
}

/* 3. what differs inside: the first differing member, then diffoscope,
 * for each differing artifact no differing layer inside explains */
static void explain(struct verify *v)
{
	const struct lv_sums *a = &v->a.sums, *b = &v->b.sums;
	char reports[PATH_MAX + 16];
	snprintf(reports, sizeof(reports), "%s/diffoscope", v->w);
	for (size_t i = 0; i < a->n; i++) {
		const struct lv_sum *x = &a->v[i], *y = lv_sums_find(b, x->name);
		if (!y || !strcmp(x->hex, y->hex) || explained_by_inner(x->name, a, b))
			continue;
		char pa[PATH_MAX * 2], pb[PATH_MAX * 2], report[PATH_MAX * 2], why[96];
		artifact_path(&v->a, v->output, x->name, pa, sizeof(pa));
		artifact_path(&v->b, v->output, x->name, pb, sizeof(pb));
		struct lv_buf what = { 0 };
		if (lv_compare_members(pa, pb, &what) == 1)
			printf("%s: first difference: %s\n", x->name, what.p);
		lv_buf_release(&what);
		lv_mkdir_p(reports, 0755);
		lv_say(v->ctx, "running diffoscope on %s (at most %u s)", x->name, v->timeout_s);
		int dr = diffoscope(v, pa, pb, reports, x->name, report, sizeof(report), why, sizeof(why));
		if (dr == 0)
			printf("%s: diffoscope report: %s%s\n", x->name, report, v->html ? " (and .html)" : "");
		else if (dr == -ENOENT)
			lv_note(&v->ctx->d, "diffoscope is not installed (apt-get install diffoscope-minimal): no report");
		else
			lv_warn(&v->ctx->d, "diffoscope on %s did not finish: %s", x->name, why);
	}
}

/* The verdict.  Identical builds keep only their outputs. */
static int report(struct verify *v)
{
	const char *name = v->ctx->m.name;
	printf("verify: %zu identical, %zu differ\n", v->same, v->differ);
	if (v->differ) {
		lv_error(&v->ctx->d, "%s is not reproducible: %s differs first (the builds are in %s)", name,
			 v->firsts.p, v->w);
		return -LVE_DIFFERS;
	}
	lv_remove_tree(v->a.layers);
	lv_remove_tree(v->b.layers);
	lv_say(v->ctx, "%s is reproducible: %zu artifacts identical; %s", name, v->same, v->a.out);
	return 0;
}

static void verify_release(struct verify *v)
{
	free(v->w);
	free(v->manifest);
	free(v->self);
	lv_buf_release(&v->firsts);
	lv_sums_release(&v->a.sums);
	lv_sums_release(&v->b.sums);
}

int lv_cmd_verify(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *format = "iso", *workdir = NULL;
	unsigned mask = (1u << LV_VARY_N) - 1, only = 0, without = 0, timeout_s = 900;
	int html = 0, c, r = 0;

	while ((c = lv_opt_next(&lv_verb_verify, argc, argv)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'V': r |= lv_vary_parse(optarg, &only, &ctx->d); break;
		case 'N': r |= lv_vary_parse(optarg, &without, &ctx->d); break;
		case 'w': workdir = optarg; break;
		case 'H': html = 1; break;
		case 'T': timeout_s = (unsigned)strtoul(optarg, NULL, 10); break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	if (r < 0)
		return -LVE_USAGE;
	if (only)
		mask = only;
	mask &= ~without;
	struct verify v = { .ctx = ctx, .format = format, .mask = mask, .timeout_s = timeout_s, .html = html,
			    .a = { .label = "A (1 of 2)" }, .b = { .label = "B (2 of 2)" } };
	if ((r = check_request(&v)) == 0 && (r = make_workdir(&v, workdir)) == 0 && (r = check_lock(&v)) == 0) {
		plan_sides(&v);
		if ((r = build_both(&v)) == 0) {
			compare(&v);
			explain(&v);
			r = report(&v);
		}
	}
	verify_release(&v);
	return r;
}
