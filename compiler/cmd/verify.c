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
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build/assemble.h"
#include "base/buf.h"
#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/formats.h"
#include "cmd/options.h"
#include "verify/compare.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/subprocess.h"
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
		"initramfs, the SBOM).  Needs root.\n"
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

/* One build: where it runs and what it produced. */
struct side {
	const char *label;
	char dir[PATH_MAX];
	char out[PATH_MAX + 320], layers[PATH_MAX + 16], record[PATH_MAX + 16], log[PATH_MAX + 16];
	struct lv_build_env env;
	struct lv_sums sums;
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

static int open_log(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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

static int run_build(struct lv_ctx *ctx, char *self, struct side *s, const char *manifest, const char *format,
		     int jobs_one)
{
	char *argv[32];
	int n = 0;
	argv[n++] = self;
	argv[n++] = "--cache";
	argv[n++] = ctx->cache.root;
	argv[n++] = "--lockfile";
	argv[n++] = ctx->lock_path;
	argv[n++] = "build";
	argv[n++] = "--no-cache";
	argv[n++] = "--format";
	argv[n++] = (char *)format;
	argv[n++] = "--output";
	argv[n++] = s->out;
	char work[PATH_MAX + 8];
	snprintf(work, sizeof(work), "%s/work", s->dir);
	argv[n++] = "--workdir";
	argv[n++] = work;
	if (lv_format_find(format)->kind == LV_FORMAT_ISO) {
		argv[n++] = "--layers";
		argv[n++] = s->layers;
	}
	argv[n++] = "--record";
	argv[n++] = s->record;
	if (jobs_one) {
		argv[n++] = "-j";
		argv[n++] = "1";
	}
	argv[n++] = (char *)manifest;
	argv[n] = NULL;

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lv_say(ctx, "build %s in %s (log: %s)", s->label, s->dir, s->log);
	int fd = open_log(s->log);
	int st = fd < 0 ? -errno : lv_spawn(argv, lv_build_env_apply, &s->env, fd, 0);
	if (fd >= 0)
		close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (st != 0) {
		_cleanup_free_ char *tail = lv_log_tail(s->log, 15);
		lv_error(&ctx->d, "build %s failed (%s); the end of %s:\n%s", s->label,
			 st < 0 ? lv_strerror(st) : "exit status", s->log, tail);
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
 * ran (whatever it found), or a negative error. */
static int diffoscope(const char *a, const char *b, const char *dir, const char *name, int html,
		      unsigned timeout_s, char *report, size_t n)
{
	char tool[PATH_MAX], base[512], html_path[PATH_MAX + 600], log[PATH_MAX + 600];
	if (!lv_find_tool("diffoscope", tool, sizeof(tool)))
		return -ENOENT;
	sanitize(name, base, sizeof(base));
	snprintf(report, n, "%s/%s.txt", dir, base);
	snprintf(html_path, sizeof(html_path), "%s/%s.html", dir, base);
	snprintf(log, sizeof(log), "%s/%s.log", dir, base);
	char *argv[10];
	int k = 0;
	argv[k++] = tool;
	argv[k++] = "--text";
	argv[k++] = report;
	argv[k++] = "--no-progress";
	if (html) {
		argv[k++] = "--html";
		argv[k++] = html_path;
	}
	argv[k++] = (char *)a;
	argv[k++] = (char *)b;
	argv[k] = NULL;
	int fd = open_log(log);
	if (fd < 0)
		return -errno;
	int st = lv_spawn(argv, NULL, NULL, fd, timeout_s);
	close(fd);
	/* diffoscope: 0 same, 1 different, 2 trouble */
	return st == 0 || st == 1 ? 0 : st < 0 ? st : -LVE_BUILD;
}

/* disorderfs over the manifest's directory: the second build reads it in
 * reversed readdir order.  Returns the mount point's manifest path, or
 * NULL (with a notice) when it is not available. */
static char *disorder(struct lv_ctx *ctx, const char *manifest, const char *view)
{
	char tool[PATH_MAX];
	if (!lv_find_tool("disorderfs", tool, sizeof(tool)) || access("/dev/fuse", R_OK | W_OK) < 0) {
		lv_note(&ctx->d, "directory order not varied: %s", access("/dev/fuse", R_OK | W_OK) < 0
			? "no /dev/fuse here" : "disorderfs is not installed");
		return NULL;
	}
	_cleanup_free_ char *src = lv_dirname(manifest);
	_cleanup_free_ char *file = lv_basename(manifest);
	lv_mkdir_p(view, 0755);
	char *argv[] = { tool, "--multi-user=yes", "--reverse-dirents=yes", "--shuffle-dirents=no", "--quiet",
			 src, (char *)view, NULL };
	int st = lv_spawn(argv, NULL, NULL, 2, 60);
	if (st != 0) {
		lv_note(&ctx->d, "directory order not varied: disorderfs could not mount (FUSE unavailable?)");
		return NULL;
	}
	return lv_path_join(view, file);
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
	const struct lv_format *fmt = lv_format_find(format);
	if (!fmt || fmt->kind == LV_FORMAT_DIR) {
		char names[128];
		lv_format_names(names, sizeof(names), 1);
		lv_error(&ctx->d, "verify compares files: --format must be %s, not '%s'", names, format);
		return -LVE_USAGE;
	}
	if (geteuid() != 0) {
		lv_error(&ctx->d, "livec verify needs root: it runs two builds");
		return -EPERM;
	}
	if ((mask & (1u << LV_VARY_TIME)) && !lv_faketime_lib()) {
		lv_note(&ctx->d, "the clock is not varied: libfaketime is not installed (apt-get install faketime)");
		mask &= ~(1u << LV_VARY_TIME);
	}

	const char *name = ctx->m.name;
	char wbuf[PATH_MAX];
	if (!workdir) {
		snprintf(wbuf, sizeof(wbuf), "out/%s/verify", name);
		workdir = wbuf;
	}
	lv_remove_tree(workdir);
	if ((r = lv_mkdir_p(workdir, 0755)) < 0) {
		lv_error(&ctx->d, "cannot create '%s': %s", workdir, lv_strerror(r));
		return r;
	}
	_cleanup_free_ char *w = realpath(workdir, NULL);
	_cleanup_free_ char *manifest = realpath(ctx->manifest_path, NULL);
	_cleanup_free_ char *self = self_exe();
	char *lock_abs = realpath(ctx->lock_path, NULL);
	if (!w || !manifest || !self || !lock_abs) {
		free(lock_abs);
		lv_error(&ctx->d, "cannot resolve the work directory, manifest or lockfile paths");
		return -ENOENT;
	}
	free(ctx->lock_path);
	ctx->lock_path = lock_abs;
	char output[300];
	snprintf(output, sizeof(output), "%s%s", name, fmt->ext);

	/* 0. the lockfile, re-derived from the manifest and the mirror */
	char log[PATH_MAX];
	snprintf(log, sizeof(log), "%s/lock-check.log", w);
	char *lock_argv[] = { self, "--cache", ctx->cache.root, "--lockfile", ctx->lock_path, "lock", "--check",
			      manifest, NULL };
	lv_say(ctx, "re-deriving the lockfile (lock --check)");
	int fd = open_log(log);
	int lock_st = fd < 0 ? -errno : lv_spawn(lock_argv, NULL, NULL, fd, 0);
	if (fd >= 0)
		close(fd);
	if (lock_st != 0 && lock_st != 3) {
		_cleanup_free_ char *tail = lv_log_tail(log, 10);
		lv_error(&ctx->d, "'lock --check' failed; the end of %s:\n%s", log, tail);
		return -LVE_BUILD;
	}

	/* 1. two builds */
	struct side a = { .label = "A (1 of 2)" }, b = { .label = "B (2 of 2)" };
	_cleanup_free_ char *b_manifest = NULL;
	snprintf(a.dir, sizeof(a.dir), "%s/a", w);
	if (mask & (1u << LV_VARY_PATH))
		snprintf(b.dir, sizeof(b.dir), "%s/b-built-somewhere-else/with/a/much/longer/path", w);
	else
		snprintf(b.dir, sizeof(b.dir), "%s/b", w);
	char home_a[PATH_MAX + 16], home_b[PATH_MAX + 32];
	snprintf(home_a, sizeof(home_a), "%s/home-a", w);
	snprintf(home_b, sizeof(home_b), "%s/%s", w, mask & (1u << LV_VARY_HOME) ? "home-b/user" : "home-a");
	struct side *sides[] = { &a, &b };
	for (int i = 0; i < 2; i++) {
		struct side *s = sides[i];
		snprintf(s->out, sizeof(s->out), "%s/out/%s", s->dir, output);
		snprintf(s->layers, sizeof(s->layers), "%s/layers", s->dir);
		snprintf(s->record, sizeof(s->record), "%s/host.txt", s->dir);
		snprintf(s->log, sizeof(s->log), "%s/build.log", s->dir);
		lv_mkdir_p(s->dir, 0755);
	}
	lv_mkdir_p(home_a, 0755);
	lv_mkdir_p(home_b, 0755);
	a.env = (struct lv_build_env){ .cwd = a.dir, .home = home_a, .tz = "GMT+12", .lc_all = "C.UTF-8",
				       .lang = "C.UTF-8", .umask = 022, .hostname = "livec-verify-a",
				       .domainname = "a.invalid" };
	b.env = a.env;
	b.env.cwd = b.dir;
	b.env.home = home_b;
	if (mask & (1u << LV_VARY_TZ))
		b.env.tz = "GMT-14";
	if (mask & (1u << LV_VARY_LOCALE))
		b.env.lc_all = b.env.lang = "fr_CH.UTF-8";
	if (mask & (1u << LV_VARY_UMASK))
		b.env.umask = 077;
	if (mask & (1u << LV_VARY_HOSTNAME)) {
		b.env.hostname = "a-second-builder";
		b.env.domainname = "b.example";
	}
	if (mask & (1u << LV_VARY_TIME))
		b.env.faketime = "+1d";
	b.env.one_cpu = !!(mask & (1u << LV_VARY_CPUS));

	if ((r = run_build(ctx, self, &a, manifest, format, 0)) < 0)
		goto out;
	char view[PATH_MAX + 8];
	snprintf(view, sizeof(view), "%s/view", w);
	b_manifest = (mask & (1u << LV_VARY_DIRORDER)) ? disorder(ctx, manifest, view) : NULL;
	if (!b_manifest)
		mask &= ~(1u << LV_VARY_DIRORDER);
	r = run_build(ctx, self, &b, b_manifest ? b_manifest : manifest, format, b.env.one_cpu);
	if (b_manifest)
		umount2(view, MNT_DETACH);
	if (r < 0)
		goto out;
	report_variations(ctx, &a, &b, mask);

	/* 2. compare every artifact */
	size_t same = 0, differ = 0;
	struct lv_buf firsts = { 0 };
	printf("artifacts:\n");
	printf("  %-9s %s.lock (re-derived by lock --check)\n", lock_st == 0 ? "identical" : "differs", name);
	if (lock_st == 0)
		same++;
	else {
		differ++;
		lv_buf_printf(&firsts, "%s.lock", name);
	}
	for (size_t i = 0; i < a.sums.n; i++) {
		const struct lv_sum *x = &a.sums.v[i], *y = lv_sums_find(&b.sums, x->name);
		int eq = y && !strcmp(x->hex, y->hex);
		printf("  %-9s %s\n", eq ? "identical" : "differs", x->name);
		if (eq) {
			same++;
			continue;
		}
		differ++;
		if (!firsts.len)
			lv_buf_printf(&firsts, "%s", x->name);
	}
	for (size_t i = 0; i < b.sums.n; i++)
		if (!lv_sums_find(&a.sums, b.sums.v[i].name)) {
			printf("  %-9s %s (only in the second build)\n", "differs", b.sums.v[i].name);
			differ++;
		}

	/* 3. what differs inside */
	char reports[PATH_MAX + 16];
	snprintf(reports, sizeof(reports), "%s/diffoscope", w);
	for (size_t i = 0; i < a.sums.n; i++) {
		const struct lv_sum *x = &a.sums.v[i], *y = lv_sums_find(&b.sums, x->name);
		if (!y || !strcmp(x->hex, y->hex) || explained_by_inner(x->name, &a.sums, &b.sums))
			continue;
		char pa[PATH_MAX * 2], pb[PATH_MAX * 2], report[PATH_MAX * 2];
		artifact_path(&a, output, x->name, pa, sizeof(pa));
		artifact_path(&b, output, x->name, pb, sizeof(pb));
		struct lv_buf what = { 0 };
		if (lv_compare_members(pa, pb, &what) == 1)
			printf("%s: first difference: %s\n", x->name, what.p);
		lv_buf_release(&what);
		lv_mkdir_p(reports, 0755);
		lv_say(ctx, "running diffoscope on %s (at most %u s)", x->name, timeout_s);
		int dr = diffoscope(pa, pb, reports, x->name, html, timeout_s, report, sizeof(report));
		if (dr == 0)
			printf("%s: diffoscope report: %s%s\n", x->name, report, html ? " (and .html)" : "");
		else if (dr == -ENOENT)
			lv_note(&ctx->d, "diffoscope is not installed (apt-get install diffoscope-minimal): no report");
		else
			lv_warn(&ctx->d, "diffoscope on %s did not finish: %s", x->name, lv_strerror(dr));
	}
	printf("verify: %zu identical, %zu differ\n", same, differ);
	if (differ) {
		lv_error(&ctx->d, "%s is not reproducible: %s differs first (the builds are in %s)", name, firsts.p, w);
		r = -LVE_DIFFERS;
	} else {
		/* the layers are large and identical: keep the outputs only */
		lv_remove_tree(a.layers);
		lv_remove_tree(b.layers);
		lv_say(ctx, "%s is reproducible: %zu artifacts identical; %s", name, same, a.out);
	}
	lv_buf_release(&firsts);
out:
	lv_sums_release(&a.sums);
	lv_sums_release(&b.sums);
	return r;
}
