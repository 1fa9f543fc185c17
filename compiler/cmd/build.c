/* livec build: lockfile -> root tree -> outputs.
 *
 *   check the lock -> fetch -> bootstrap -> install -> system/files/hooks
 *   -> normalize -> read the tree (IR) -> write the outputs
 *
 * This stage of livec writes the root tree as a tarball (`--format tar`,
 * `tar.gz`, `tar.zst`) or leaves it as a directory (`--format dir`). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build/assemble.h"
#include "build/idmap.h"
#include "image/buildinfo.h"
#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/formats.h"
#include "cmd/options.h"
#include "base/clock.h"
#include "base/err.h"
#include "repo/fetch.h"
#include "base/fsutil.h"
#include "base/interrupt.h"
#include "image/image.h"
#include "lock/lockfile.h"
#include "build/normalize.h"
#include "image/out_tar.h"
#include "repo/repo.h"
#include "image/sums.h"
#include "build/system.h"
#include "build/tree.h"
#include "build/clone.h"
#include "build/treecache.h"
#include "license/unowned.h"
#include "verify/variation.h"

static const struct lv_opt build_opts[] = {
	{ 'f', "format", LV_OPT_SHORT, "FORMAT", NULL, lv_format_value },
	{ 'o', "output", LV_OPT_SHORT, "PATH", "default out/NAME/NAME.iso (rootfs.tar, rootfs/ ...)", NULL },
	{ 'j', "jobs", LV_OPT_SHORT, "N", "compression threads (default: all cores)", NULL },
	{ 'w', "workdir", 0, "DIR", "where the staging root lives (default out/NAME/.work)", NULL },
	{ 'k', "keep", 0, NULL, "keep the staging root after the build", NULL },
	{ 'n', "no-cache", 0, NULL, "redo every stage (installed packages, tree, cloop image) even if the build "
	  "cache has it; nothing is stored", NULL },
	{ 'C', "check-against", 0, "SHA256SUMS", "compare this build with published checksums: every "
	  "artifact and layer must match (exit 1 naming each one that does not); rebuild someone's ISO "
	  "from its manifest and lock and confirm it bit for bit", NULL },
	{ 'L', "layers", 0, "DIR", "keep the ISO's layers in DIR (iso/ and inner.img)", NULL },
	{ 'U', "allow-unproved", 0, NULL, "go on when the signed metadata the lock was made from is gone and "
	  "the mirror's newer metadata no longer lists some pins (a warning names them; default: an error)", NULL },
	{ 'R', "record", 0, "FILE", "write what the build saw of its host (clock, TZ, locale, umask, host "
	  "name, HOME, CPUs, ...) to FILE", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_build = {
	.name = "build",
	.run = lv_cmd_build,
	.needs = LV_NEEDS_MANIFEST | LV_NEEDS_CACHE | LV_NEEDS_LOCK,
	.synopsis = "build [--format FORMAT] [--output PATH] [--workdir DIR] [--keep] MANIFEST",
	.summary = "build the live ISO (or the root tree) from the lockfile",
	.description =
		"Builds the image from the lockfile (run 'livec lock' first): fetches and\n"
		"verifies every locked .deb, installs them with the image's own dpkg in a\n"
		"sandbox (no network, own namespaces, root there is nobody on the host),\n"
		"applies the manifest's system settings, files and hooks, removes what\n"
		"differs between builds, and writes the result.  As root, or as a user with 65536 subordinate ids (rootless:\n"
		"the same bytes).  Exit 3 if the lockfile is stale.",
	.opts = build_opts,
	.epilogue =
		"Next to the output, SHA256SUMS lists its checksum and, for an ISO, each\n"
		"layer's (NAME.iso:LIVEC/root_fs.tgz, ...); 'sha256sum -c --ignore-missing\n"
		"SHA256SUMS' checks the outputs.  NAME.buildinfo (also /LIVEC/buildinfo on\n"
		"the medium) names livec's version and those of the libraries, tools and\n"
		"boot packages that wrote the bytes; when --check-against finds a\n"
		"difference, it says which of them differ from the other build's.\n"
		"Every timestamp comes from SOURCE_DATE_EPOCH, else the lock's epoch.\n"
		"Stages are cached by what they depend on (docs/build.md): the installed\n"
		"packages by the lock's pins and debconf answers, the tree by those and\n"
		"the system, files and hooks sections, the cloop image by the inner image\n"
		"it compresses; so a change to files: or a hook re-runs neither dpkg nor\n"
		"the compression of an unchanged /usr.  With -v it says which stages were\n"
		"reused and why one was not, and lists the initramfs's modules and\n"
		"firmware, and why.",
};

/* After a --check-against mismatch: what wrote the other build, next to
 * its SHA256SUMS, against what wrote this one. */
static void explain_difference(const char *sums, const char *outname, const char *ours, struct lv_diags *d)
{
	_cleanup_free_ char *dir = lv_dirname(sums);
	char path[PATH_MAX];
	struct lv_buf theirs = { .max = 1 << 20 };
	snprintf(path, sizeof(path), "%s/%s.buildinfo", dir, outname);
	if (lv_read_file(path, &theirs) < 0)
		lv_note(d, "no '%s' next to %s: cannot tell which libraries or tools the other build used",
			path, sums);
	else if (lv_buildinfo_compare(ours, theirs.p, d) == 0)
		lv_note(d, "the same livec, libraries and tools wrote both builds (%s): the difference is "
			   "in the build itself, try 'livec verify'", path);
	lv_buf_release(&theirs);
}

/* One build: the options, where things go, and what the steps made. */
struct build {
	struct lv_ctx *ctx;
	const struct lv_format *fmt;
	const char *output, *workdir, *check, *layers, *record;
	int keep, use_cache;
	unsigned jobs;
	char outbuf[PATH_MAX], workbuf[PATH_MAX], root[PATH_MAX], logp[PATH_MAX];
	char stage[PATH_MAX - 8];    /* the staging directory in the cache (root is in it), or "" */
	int stage_lock;              /* held while the build uses it (lv_treecache_staging) */
	char *outdir, *outname, *workabs, *cached;
	const char *tree_root;      /* the tree the writers read: the staging root or the cache's */
	char key[65];               /* the tree cache's key */
	int cache_lock;             /* a shared lock on the cached tree the writers read */
	long long epoch;
	struct lv_sums published, sums;
	struct lv_buf buildinfo;
	struct lv_tree tree;
	struct timespec t0;
};

/* Seconds since the build started, for -v (display only, never output). */
static double elapsed(const struct build *b)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - b->t0.tv_sec) + (double)(now.tv_nsec - b->t0.tv_nsec) / 1e9;
}

/* 1 after --help, 0, or an error */
static int parse_options(struct build *b, int argc, char **argv)
{
	const char *format = "iso";
	int c;
	while ((c = lv_opt_next(&lv_verb_build, argc, argv)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': b->output = optarg; break;
		case 'w': b->workdir = optarg; break;
		case 'k': b->keep = 1; break;
		case 'n': b->use_cache = 0; break;
		case 'j': b->jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'C': b->check = optarg; break;
		case 'L': b->layers = optarg; break;
		case 'R': b->record = optarg; break;
		case 'U': b->ctx->allow_unproved = 1; break;
		case LV_OPT_HELP: return 1;
		default: return -LVE_USAGE;
		}
	}
	if (!(b->fmt = lv_format_find(format))) {
		char names[128];
		lv_format_names(names, sizeof(names), 0);
		lv_error(&b->ctx->d, "unknown format '%s': use %s", format, names);
		return -LVE_USAGE;
	}
	if (b->fmt->kind == LV_FORMAT_DIR && b->check) {
		lv_error(&b->ctx->d, "--check-against needs a file output (--format iso or tar...)");
		return -LVE_USAGE;
	}
	return 0;
}

/* A fresh staging root next to the cache, the image's root's, as the tree
 * it becomes: "root" in a staging directory of the cache's (mkdtemp: a
 * name no one could know in advance), which this build holds locked.  A
 * build that dies leaves it behind; the next one's sweep removes it. */
static int staging_root(struct build *b)
{
	int r = 0;
	if (b->stage_lock < 0 && (r = b->stage_lock = lv_treecache_staging(&b->ctx->cache, b->stage, sizeof(b->stage))) < 0) {
		*b->stage = 0;
		lv_error(&b->ctx->d, "cannot create a staging directory in the cache: %s", lv_strerror(r));
		return r;
	}
	snprintf(b->root, sizeof(b->root), "%s/root", b->stage);
	if ((r = lv_idmap_tree_owner(1)) >= 0)
		r = mkdir(b->root, 0755) == 0 && chmod(b->root, 0755) == 0 ? 0 : -errno;
	lv_idmap_tree_owner(0);
	if (r < 0)
		lv_error(&b->ctx->d, "cannot create a staging root '%s': %s", b->root, lv_strerror(r));
	return r;
}

/* Where the output, the work directory, the staging root and the log go;
 * whether the tree is cached already. */
static int prepare(struct build *b)
{
	const struct lv_manifest *m = &b->ctx->m;
	int r;
	if (!b->output) {
		snprintf(b->outbuf, sizeof(b->outbuf), "out/%s/%s%s", m->name, b->fmt->stem ? b->fmt->stem : m->name,
			 b->fmt->ext);
		b->output = b->outbuf;
	}
	if (!b->workdir) {
		snprintf(b->workbuf, sizeof(b->workbuf), "out/%s/.work", m->name);
		b->workdir = b->workbuf;
	}
	if (b->check && (r = lv_sums_read(b->check, &b->published, &b->ctx->d)) < 0)
		return r;
	b->outdir = lv_dirname(b->output);
	b->outname = lv_basename(b->output);
	/* the work directory and the cache's trees are livec's alone: a staging
	 * root holds setuid programs of the image's ids, which no other user
	 * may run */
	if ((r = lv_mkdir_p(b->workdir, 0700)) < 0 || (r = chmod(b->workdir, 0700) < 0 ? -errno : 0) < 0 ||
	    (r = lv_mkdir_p(b->outdir, 0755)) < 0) {
		lv_error(&b->ctx->d, "cannot create '%s': %s", b->workdir, lv_strerror(r));
		return r;
	}
	b->workabs = realpath(b->workdir, NULL);
	b->epoch = lv_clock_epoch(b->ctx->lock.source_date_epoch);
	/* the tree cache serves files; a dir output is built in place */
	b->use_cache = b->use_cache && b->fmt->kind != LV_FORMAT_DIR && !b->keep &&
		       lv_treecache_key(m, b->ctx->lock_path, b->epoch, b->key) == 0;
	if (b->use_cache) {
		lv_treecache_clean(&b->ctx->cache);
		b->cached = lv_treecache_lookup(&b->ctx->cache, b->key, &b->cache_lock);
		/* stage next to the cache, so the finished tree is renamed in */
		_cleanup_free_ char *trees = lv_cache_path(&b->ctx->cache, "trees", "");
		lv_mkdir_p(trees, 0700);
		chmod(trees, 0700);
		if (!b->cached && (r = staging_root(b)) < 0)
			return r;
	} else {
		snprintf(b->root, sizeof(b->root), "%s/root", b->workabs);
		lv_remove_tree(b->root); /* a leftover from an interrupted build */
	}
	snprintf(b->logp, sizeof(b->logp), "%s/build.log", b->workabs);
	b->tree_root = b->cached ? b->cached : b->root;
	lv_buildinfo(&b->ctx->lock, b->fmt->kind == LV_FORMAT_ISO && m->image.inner == LV_INNER_EXT2, &b->buildinfo);
	return 0;
}

/* Every pin re-proved, then fetched; the packages' file lists. */
static int fetch_pins(struct build *b)
{
	struct lv_ctx *ctx = b->ctx;
	struct lv_repos repos = { 0 };
	struct lv_fetch_stats fst;
	const struct lv_lockset *const fsets[] = { &ctx->lock.rootfs, &ctx->lock.boot };
	int r;
	if ((r = lv_repos_plan(&ctx->m, &repos, &ctx->d)) == 0 && (r = lv_prove_pins(ctx, &repos)) == 0) {
		lv_say(ctx, "fetching %zu packages", ctx->lock.rootfs.n + ctx->lock.boot.n);
		r = lv_fetch_packages(&ctx->cache, &repos, fsets, 2, 4, &fst, &ctx->d);
	}
	lv_repos_release(&repos);
	if (r == 0)
		r = lv_unowned_lists(&ctx->cache, &ctx->lock, &ctx->d);
	if (r == 0)
		lv_debug(ctx, "%s after %.1f s", "fetched", elapsed(b));
	return r;
}

/* Packages into the staging root: bootstrap, install with the manifest's
 * debconf answers. */
static int install(struct build *b, struct lv_assembly *a)
{
	struct lv_ctx *ctx = b->ctx;
	const char *env[2] = { NULL, NULL };
	char preseed_env[256];
	int r;
	/* from here on, what livec creates in the tree is the image's root's */
	if ((r = lv_idmap_tree_owner(1)) < 0) {
		lv_error(&ctx->d, "cannot take the image's ids: %s", strerror(-r));
		return r;
	}
	lv_say(ctx, "bootstrapping the Essential set into %s", b->root);
	if (lv_interrupted() || (r = lv_bootstrap(a, &ctx->d)) < 0)
		return lv_interrupted() ? -EINTR : r;
	const char *preseed = lv_system_preseed(a, &ctx->d);
	if (ctx->d.errors)
		return -LVE_MANIFEST;
	if (preseed) {
		snprintf(preseed_env, sizeof(preseed_env), "DEBCONF_DB_FALLBACK=File{%s}", preseed);
		env[0] = preseed_env;
		a->sb.extra_env = env;
	}
	lv_debug(ctx, "%s after %.1f s", "bootstrapped", elapsed(b));
	lv_say(ctx, "installing %zu packages with dpkg (log: %s)", ctx->lock.rootfs.n, b->logp);
	r = lv_interrupted() ? -EINTR : lv_install(a, &ctx->d);
	a->sb.extra_env = NULL;
	return r;
}

/* The installed stage (treecache.h): a copy of the cached tree of the
 * same pins and debconf answers, else dpkg's work, then copied into the
 * cache for the next build. */
static int installed_stage(struct build *b, struct lv_assembly *a)
{
	struct lv_ctx *ctx = b->ctx;
	char key[65] = "";
	_cleanup_free_ char *name = NULL, *cached = NULL;
	struct lv_clone_stats cs;
	int lockfd = -1, r;
	if ((r = fetch_pins(b)) < 0)
		return r;
	if (b->use_cache) {
		lv_treecache_installed_key(&ctx->m, &ctx->lock, b->epoch, key);
		name = lv_treecache_name(LV_TREECACHE_INSTALLED, key);
		cached = lv_treecache_lookup(&ctx->cache, name, &lockfd);
	}
	if (cached) {
		lv_say(ctx, "installed packages: reused (the cache has this lock's packages with these debconf answers)");
		rmdir(b->root);
		r = lv_tree_clone(cached, b->root, &cs, &ctx->d);
		close(lockfd);
		if (r == 0) {
			lv_treecache_claim(&ctx->cache, ctx->m.name, LV_TREECACHE_INSTALLED, key);
			lv_debug(ctx, "copied %llu files (%.0f MiB, %llu shared by reflink) after %.1f s", cs.files,
				 cs.bytes / 1048576.0, cs.reflinked, elapsed(b));
			return 0;
		}
		/* a copy that failed (a full disk, ...) costs time, not the build */
		lv_warn(&ctx->d, "the cached installed packages could not be copied: installing them");
		lv_remove_tree(b->root);
		if ((r = staging_root(b)) < 0)
			return r;
	}
	if (b->use_cache)
		lv_say(ctx, "installed packages: installing (no cached tree has this lock's packages and debconf "
			    "answers)");
	if ((r = install(b, a)) < 0 || !b->use_cache)
		return r;
	/* kept as a copy: the next stages change the staging root in place;
	 * the cache's files are livec's own */
	lv_idmap_tree_owner(0);
	char copy[PATH_MAX + 8];
	snprintf(copy, sizeof(copy), "%s.inst", b->root);
	struct lv_diags quiet = { 0 };
	_cleanup_free_ char *stored = NULL;
	if (lv_tree_clone(b->root, copy, &cs, &quiet) == 0 &&
	    (stored = lv_treecache_store(&ctx->cache, ctx->m.name, LV_TREECACHE_INSTALLED, key, copy, &lockfd))) {
		close(lockfd);
		lv_debug(ctx, "installed tree kept in the cache after %.1f s", elapsed(b));
	} else {
		/* another build of the same packages may have kept it first */
		_cleanup_free_ char *there = lv_treecache_lookup(&ctx->cache, name, &lockfd);
		if (there)
			close(lockfd);
		else
			lv_warn(&ctx->d, "the installed tree could not be kept in the cache%s%s", quiet.n ? ": " : "",
				quiet.n ? quiet.v[0].msg : "");
		lv_remove_tree(copy);
	}
	lv_diags_release(&quiet);
	return 0;
}

/* The whole tree: packages, then the system section, files and hooks,
 * then normalisation; stored in the tree cache. */
static int assemble(struct build *b)
{
	struct lv_ctx *ctx = b->ctx;
	int logfd = open(b->logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct lv_assembly a = { .root = b->root, .cache = &ctx->cache, .lock = &ctx->lock, .m = &ctx->m,
				 .sb = { .root = b->root, .epoch = b->epoch, .log_fd = logfd }, .log_path = b->logp };
	struct lv_normalize_stats ns;
	int r;
	if ((r = installed_stage(b, &a)) < 0)
		goto out;
	lv_debug(ctx, "%s after %.1f s", "installed", elapsed(b));
	if ((r = lv_idmap_tree_owner(1)) < 0) {
		lv_error(&ctx->d, "cannot take the image's ids: %s", strerror(-r));
		goto out;
	}
	lv_say(ctx, "applying the system section, files and hooks");
	if (lv_interrupted() || (r = lv_system_apply(&a, &ctx->d)) < 0 ||
	    (r = lv_unowned_record(&ctx->cache, &ctx->lock, &ctx->m, b->root, &ctx->d)) < 0 ||
	    (r = lv_system_files_hooks(&a, &ctx->d)) < 0)
		goto out;
	lv_debug(ctx, "system section applied after %.1f s", elapsed(b));
	if ((r = lv_normalize(b->root, &ns, &ctx->d)) < 0)
		goto out;
	lv_idmap_tree_owner(0); /* the tree is done: the cache's files are livec's */
	lv_debug(ctx, "normalized: %zu removed, %zu emptied", ns.removed, ns.emptied);
	if (b->use_cache &&
	    (b->cached = lv_treecache_store(&ctx->cache, ctx->m.name, LV_TREECACHE_FINISHED, b->key, b->root, &b->cache_lock)))
		b->tree_root = b->cached;
out:
	lv_idmap_tree_owner(0);
	if (logfd >= 0)
		close(logfd);
	lv_assembly_release(&a);
	return r;
}

/* The output, by its format's writer (formats.h). */
static int write_output(struct build *b)
{
	struct lv_ctx *ctx = b->ctx;
	char imgwork[PATH_MAX];
	int r;
	if ((r = lv_tree_read(b->tree_root, LV_TREE_IMAGE_IDS, b->epoch, &b->tree, &ctx->d)) < 0)
		return r;
	lv_debug(ctx, "tree read after %.1f s", elapsed(b));
	snprintf(imgwork, sizeof(imgwork), "%s/image", b->workabs);
	struct lv_image im = { .tree = &b->tree, .m = &ctx->m, .lock = &ctx->lock, .lock_path = ctx->lock_path,
			       .cache = &ctx->cache, .use_cache = b->use_cache, .epoch = b->epoch, .work = imgwork, .output = b->output,
			       .threads = b->jobs, .name = b->outname, .sums = &b->sums,
			       .keep_layers = b->layers != NULL, .layers = b->layers, .buildinfo = b->buildinfo.p };
	if ((r = b->fmt->write(ctx, &im, b->fmt)) == 0)
		lv_debug(ctx, "%s written after %.1f s", b->fmt->name, elapsed(b));
	return r;
}

/* SHA256SUMS and NAME.buildinfo next to the output; with --check-against,
 * the comparison with the published sums. */
static int publish(struct build *b)
{
	struct lv_ctx *ctx = b->ctx;
	_cleanup_free_ char *sums_path = lv_path_join(b->outdir, "SHA256SUMS");
	char info_path[PATH_MAX];
	int r;
	snprintf(info_path, sizeof(info_path), "%s/%s.buildinfo", b->outdir, b->outname);
	/* an ISO's writer hashed it already; other formats are hashed here */
	if ((!lv_sums_find(&b->sums, b->outname) && (r = lv_sums_add_file(&b->sums, b->outname, b->output)) < 0) ||
	    (r = lv_sums_update(sums_path, b->outname, &b->sums, &ctx->d)) < 0)
		return r;
	if ((r = lv_write_atomic(info_path, b->buildinfo.p, b->buildinfo.len)) < 0) {
		lv_error(&ctx->d, "cannot write '%s': %s", info_path, lv_strerror(r));
		return r;
	}
	lv_say(ctx, "checksums of %s and its layers: %s (what wrote them: %s)", b->outname, sums_path, info_path);
	if (b->check && (r = lv_sums_check(&b->published, &b->sums, b->outname, &ctx->d)) == 0)
		lv_say(ctx, "%s: all %zu checksums match %s", b->outname, b->sums.n, b->check);
	else if (b->check)
		explain_difference(b->check, b->outname, b->buildinfo.p, &ctx->d);
	return r;
}

/* The staging root goes, unless --keep or a dir output (moved into place) */
static void finish(struct build *b, int r)
{
	if (lv_interrupted())
		lv_error(&b->ctx->d, "interrupted (%s): the build stopped%s", strsignal(lv_interrupted()),
			 b->keep ? "" : "; its staging root is removed");
	if (b->cache_lock >= 0)
		close(b->cache_lock);
	if (r < 0 && b->keep)
		lv_note(&b->ctx->d, "the staging root is kept in %s", b->root);
	else if (!b->keep && *b->root && (r < 0 || b->fmt->kind != LV_FORMAT_DIR))
		lv_remove_tree(b->root);
	if (*b->stage) /* what is left of it: the root went into the cache, or away */
		lv_remove_tree(b->stage);
	if (b->stage_lock >= 0)
		close(b->stage_lock);
	lv_tree_release(&b->tree);
	lv_sums_release(&b->sums);
	lv_sums_release(&b->published);
	lv_buf_release(&b->buildinfo);
	free(b->outdir);
	free(b->outname);
	free(b->workabs);
	free(b->cached);
}

int lv_build_tree(struct lv_ctx *ctx, char **tree, int *lockfd)
{
	struct build b = { .ctx = ctx, .use_cache = 1, .cache_lock = -1, .stage_lock = -1, .fmt = lv_format_find("tar") };
	int r;
	umask(022);
	if ((r = lv_idmap_setup(&ctx->d)) < 0 || (r = lv_system_check(&ctx->m, &ctx->lock, &ctx->d)) < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &b.t0);
	lv_interrupt_setup();
	_cleanup_close_ int hold = lv_cache_hold(&ctx->cache, 0);
	if ((r = prepare(&b)) == 0 && !b.cached)
		r = assemble(&b);
	if (r == 0 && !b.cached) {
		lv_error(&ctx->d, "the tree could not be kept in the cache (%s)", b.root);
		r = -LVE_BUILD;
	}
	if (lv_interrupted())
		r = -EINTR;
	if (r == 0) {
		*tree = TAKE_PTR(b.cached);
		*lockfd = b.cache_lock;
		b.cache_lock = -1;
	}
	finish(&b, r);
	return r;
}

int lv_cmd_build(struct lv_ctx *ctx, int argc, char **argv)
{
	struct build b = { .ctx = ctx, .use_cache = 1, .cache_lock = -1, .stage_lock = -1 };
	int r = parse_options(&b, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : r;
	/* What the host looks like to this build, before livec evens it out. */
	if (b.record && (r = lv_variation_record(b.record, ctx->manifest_path, b.jobs, &ctx->d)) < 0)
		return r;
	/* Whatever the caller's umask, the build's files get the same modes. */
	umask(022);
	if ((r = lv_idmap_setup(&ctx->d)) < 0 || (r = lv_system_check(&ctx->m, &ctx->lock, &ctx->d)) < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &b.t0);
	lv_interrupt_setup();
	_cleanup_close_ int hold = lv_cache_hold(&ctx->cache, 0); /* `cache prune` keeps our packages */
	if ((r = prepare(&b)) == 0 && b.cached) {
		lv_say(ctx, "the tree of this lock and manifest is cached: skipping to the writers");
		lv_treecache_claim(&ctx->cache, ctx->m.name, LV_TREECACHE_FINISHED, b.key);
	}
	else if (r == 0)
		r = assemble(&b);
	if (r == 0 && !lv_interrupted())
		r = write_output(&b);
	if (r == 0 && !lv_interrupted() && b.fmt->kind != LV_FORMAT_DIR)
		r = publish(&b);
	if (lv_interrupted())
		r = -EINTR;
	finish(&b, r);
	return r;
}
