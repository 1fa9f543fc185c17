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
#include "image/buildinfo.h"
#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/formats.h"
#include "cmd/options.h"
#include "base/clock.h"
#include "base/err.h"
#include "repo/fetch.h"
#include "base/fsutil.h"
#include "image/image.h"
#include "lock/lockfile.h"
#include "build/normalize.h"
#include "image/out_tar.h"
#include "repo/repo.h"
#include "image/sums.h"
#include "build/system.h"
#include "build/tree.h"
#include "build/treecache.h"
#include "license/unowned.h"
#include "verify/variation.h"

static const struct lv_opt build_opts[] = {
	{ 'f', "format", LV_OPT_SHORT, "FORMAT", NULL, lv_format_value },
	{ 'o', "output", LV_OPT_SHORT, "PATH", "default out/NAME/NAME.iso (rootfs.tar, rootfs/ ...)", NULL },
	{ 'j', "jobs", LV_OPT_SHORT, "N", "compression threads (default: all cores)", NULL },
	{ 'w', "workdir", 0, "DIR", "where the staging root lives (default out/NAME/.work)", NULL },
	{ 'k', "keep", 0, NULL, "keep the staging root after the build", NULL },
	{ 'n', "no-cache", 0, NULL, "assemble the tree even if an identical one is cached", NULL },
	{ 'C', "check-against", 0, "SHA256SUMS", "compare this build with published checksums: every "
	  "artifact and layer must match (exit 1 naming each one that does not); rebuild someone's ISO "
	  "from its manifest and lock and confirm it bit for bit", NULL },
	{ 'L', "layers", 0, "DIR", "keep the ISO's layers in DIR (iso/ and inner.img)", NULL },
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
		"sandbox (no network, own namespaces), applies the manifest's system\n"
		"settings, files and hooks, removes what differs between builds, and writes\n"
		"the result.  Needs root.  Exit 3 if the lockfile is stale.",
	.opts = build_opts,
	.epilogue =
		"Next to the output, SHA256SUMS lists its checksum and, for an ISO, each\n"
		"layer's (NAME.iso:LIVEC/root_fs.tgz, ...); 'sha256sum -c --ignore-missing\n"
		"SHA256SUMS' checks the outputs.  NAME.buildinfo (also /LIVEC/buildinfo on\n"
		"the medium) names livec's version and those of the libraries, tools and\n"
		"boot packages that wrote the bytes; when --check-against finds a\n"
		"difference, it says which of them differ from the other build's.\n"
		"Every timestamp comes from SOURCE_DATE_EPOCH, else the lock's epoch.\n"
		"With -v it also lists the initramfs's modules and firmware, and why.",
};

/* Seconds since the build started, for -v (display only, never output). */
static double elapsed(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static int clamp_in_place(const struct lv_tree *t)
{
	_cleanup_close_ int rootfd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = t->n; i-- > 0;) { /* children before parents */
		struct timespec ts[2] = { { t->v[i].mtime, 0 }, { t->v[i].mtime, 0 } };
		if (utimensat(rootfd, *t->v[i].path ? t->v[i].path : ".", ts, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	return 0;
}

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

int lv_cmd_build(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *format = "iso", *output = NULL, *workdir = NULL, *check = NULL, *layers = NULL;
	const char *record = NULL;
	int keep = 0, use_cache = 1, c, r;
	unsigned jobs = 0;

	while ((c = lv_opt_next(&lv_verb_build, argc, argv)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'w': workdir = optarg; break;
		case 'k': keep = 1; break;
		case 'n': use_cache = 0; break;
		case 'j': jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'C': check = optarg; break;
		case 'L': layers = optarg; break;
		case 'R': record = optarg; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	const struct lv_format *fmt = lv_format_find(format);
	if (!fmt) {
		char names[128];
		lv_format_names(names, sizeof(names), 0);
		lv_error(&ctx->d, "unknown format '%s': use %s", format, names);
		return -LVE_USAGE;
	}
	enum lv_compress comp = fmt->comp;
	int as_dir = fmt->kind == LV_FORMAT_DIR, as_iso = fmt->kind == LV_FORMAT_ISO;
	if (as_dir && check) {
		lv_error(&ctx->d, "--check-against needs a file output (--format iso or tar...)");
		return -LVE_USAGE;
	}
	/* What the host looks like to this build, before livec evens it out. */
	if (record && (r = lv_variation_record(record, ctx->manifest_path, jobs, &ctx->d)) < 0)
		return r;
	/* Whatever the caller's umask, the build's files get the same modes. */
	umask(022);
	if (geteuid() != 0) {
		lv_error(&ctx->d, "livec build needs root: it installs packages in a chroot with their "
				  "own namespaces");
		return -EPERM;
	}

	const struct lv_manifest *m = &ctx->m;
	const char *lockpath = ctx->lock_path;
	struct lv_lock *lk = &ctx->lock;
	if ((r = lv_system_check(m, lk, &ctx->d)) < 0)
		return r;

	char outbuf[PATH_MAX], workbuf[PATH_MAX], root[PATH_MAX], logp[PATH_MAX];
	if (!output) {
		snprintf(outbuf, sizeof(outbuf), "out/%s/%s%s", m->name, fmt->stem ? fmt->stem : m->name, fmt->ext);
		output = outbuf;
	}
	if (!workdir) {
		snprintf(workbuf, sizeof(workbuf), "out/%s/.work", m->name);
		workdir = workbuf;
	}
	struct lv_sums published = { 0 };
	if (check && (r = lv_sums_read(check, &published, &ctx->d)) < 0)
		return r;
	_cleanup_free_ char *outdir = lv_dirname(output);
	_cleanup_free_ char *outname = lv_basename(output);
	if ((r = lv_mkdir_p(workdir, 0755)) < 0 || (r = lv_mkdir_p(outdir, 0755)) < 0) {
		lv_error(&ctx->d, "cannot create '%s': %s", workdir, lv_strerror(r));
		return r;
	}
	_cleanup_free_ char *workabs = realpath(workdir, NULL);
	long long epoch = lv_clock_epoch(lk->source_date_epoch);
	char key[65];
	_cleanup_free_ char *cached = NULL;
	/* the tree cache serves tarballs; a dir output is built in place */
	use_cache = use_cache && !as_dir && !keep && lv_treecache_key(m, lockpath, epoch, key) == 0;
	if (use_cache) {
		cached = lv_treecache_lookup(&ctx->cache, key);
		/* stage next to the cache, so the finished tree is renamed in */
		_cleanup_free_ char *trees = lv_cache_path(&ctx->cache, "trees", "");
		lv_mkdir_p(trees, 0755);
		snprintf(root, sizeof(root), "%s.build-%ld", trees, (long)getpid());
	} else
		snprintf(root, sizeof(root), "%s/root", workabs);
	snprintf(logp, sizeof(logp), "%s/build.log", workabs);
	lv_remove_tree(root); /* a leftover from an interrupted build */

	int logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct lv_repos repos = { 0 };
	struct lv_assembly a = { .root = root, .cache = &ctx->cache, .lock = lk, .m = m,
				 .sb = { .root = root, .epoch = epoch, .log_fd = logfd },
				 .log_path = logp };
	struct lv_tree tree = { 0 };
	struct lv_sums sums = { 0 };
	struct lv_normalize_stats ns;
	struct lv_fetch_stats fst;
	const struct lv_lockset *const fsets[] = { &lk->rootfs, &lk->boot };
	const char *env[2] = { NULL, NULL };
	char preseed_env[256];

	struct lv_buf buildinfo = { 0 };
	lv_buildinfo(lk, as_iso && m->image.inner == LV_INNER_EXT2, &buildinfo);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *tree_root = root;
	if (cached) {
		lv_say(ctx, "the tree of this lock and manifest is cached: skipping to the writers");
		tree_root = cached;
		goto write;
	}
	if ((r = lv_repos_plan(m, &repos, &ctx->d)) < 0)
		goto out;
	lv_say(ctx, "fetching %zu packages", lk->rootfs.n + lk->boot.n);
	if ((r = lv_fetch_packages(&ctx->cache, &repos, fsets, 2, 4, &fst, &ctx->d)) < 0)
		goto out;
	lv_debug(ctx, "%s after %.1f s", "fetched", elapsed(&t0));
	lv_say(ctx, "bootstrapping the Essential set into %s", root);
	if ((r = lv_bootstrap(&a, &ctx->d)) < 0)
		goto out;
	const char *preseed = lv_system_preseed(&a, &ctx->d);
	if (ctx->d.errors) {
		r = -LVE_MANIFEST;
		goto out;
	}
	if (preseed) {
		snprintf(preseed_env, sizeof(preseed_env), "DEBCONF_DB_FALLBACK=File{%s}", preseed);
		env[0] = preseed_env;
		a.sb.extra_env = env;
	}
	lv_debug(ctx, "%s after %.1f s", "bootstrapped", elapsed(&t0));
	lv_say(ctx, "installing %zu packages with dpkg (log: %s)", lk->rootfs.n, logp);
	if ((r = lv_install(&a, &ctx->d)) < 0)
		goto out;
	a.sb.extra_env = NULL;
	lv_debug(ctx, "%s after %.1f s", "installed", elapsed(&t0));
	lv_say(ctx, "applying the system section, files and hooks");
	if ((r = lv_system_apply(&a, &ctx->d)) < 0 ||
	    (r = lv_unowned_record(&ctx->cache, lk, m, root, &ctx->d)) < 0 ||
	    (r = lv_system_files_hooks(&a, &ctx->d)) < 0)
		goto out;
	lv_debug(ctx, "system section applied after %.1f s", elapsed(&t0));
	if ((r = lv_normalize(root, &ns, &ctx->d)) < 0)
		goto out;
	lv_debug(ctx, "normalized: %zu removed, %zu emptied", ns.removed, ns.emptied);
	if (use_cache) {
		cached = lv_treecache_store(&ctx->cache, m->name, key, root);
		if (cached)
			tree_root = cached;
	}
write:
	if ((r = lv_tree_read(tree_root, epoch, &tree, &ctx->d)) < 0)
		goto out;
	lv_debug(ctx, "tree read after %.1f s", elapsed(&t0));
	if (as_dir) {
		if ((r = clamp_in_place(&tree)) < 0)
			goto out;
		lv_remove_tree(output);
		if (rename(root, output) < 0) {
			r = -errno;
			lv_error(&ctx->d, "cannot move the tree to '%s': %s", output, strerror(errno));
			goto out;
		}
		lv_say(ctx, "wrote %s (%zu entries)", output, tree.n);
	} else if (as_iso) {
		char imgwork[PATH_MAX];
		snprintf(imgwork, sizeof(imgwork), "%s/image", workabs);
		lv_remove_tree(imgwork);
		lv_mkdir_p(imgwork, 0755);
		struct lv_buf report = { 0 };
		struct lv_image im = { .tree = &tree, .m = m, .lock = lk, .lock_path = lockpath,
				       .cache = &ctx->cache, .epoch = epoch, .work = imgwork,
				       .output = output, .threads = jobs, .name = outname, .sums = &sums,
				       .keep_layers = layers != NULL, .report = &report,
				       .buildinfo = buildinfo.p };
		lv_say(ctx, "writing the layers and %s", output);
		r = lv_image_write(&im, &ctx->d);
		/* -v: what the initramfs holds and why */
		for (char *line = report.p, *nl; line && *line; line = nl + 1) {
			if (!(nl = strchr(line, '\n')))
				break;
			*nl = '\0';
			lv_debug(ctx, "initramfs: %s", line);
		}
		lv_buf_release(&report);
		if (r == 0 && layers) {
			lv_remove_tree(layers);
			if (rename(imgwork, layers) < 0) {
				r = -errno;
				lv_error(&ctx->d, "cannot keep the layers in '%s': %s", layers, strerror(errno));
			}
		}
		lv_remove_tree(imgwork);
		if (r < 0)
			goto out;
		lv_debug(ctx, "image written after %.1f s", elapsed(&t0));
	} else {
		lv_say(ctx, "writing %s (%zu entries)", output, tree.n);
		if ((r = lv_tar_write(&tree, output, comp, &ctx->d)) < 0)
			goto out;
		lv_debug(ctx, "tar written after %.1f s", elapsed(&t0));
	}
	if (!as_dir) {
		_cleanup_free_ char *sums_path = lv_path_join(outdir, "SHA256SUMS");
		char info_path[PATH_MAX];
		snprintf(info_path, sizeof(info_path), "%s/%s.buildinfo", outdir, outname);
		if ((r = lv_sums_add_file(&sums, outname, output)) < 0 ||
		    (r = lv_sums_update(sums_path, outname, &sums, &ctx->d)) < 0)
			goto out;
		if ((r = lv_write_atomic(info_path, buildinfo.p, buildinfo.len)) < 0) {
			lv_error(&ctx->d, "cannot write '%s': %s", info_path, lv_strerror(r));
			goto out;
		}
		lv_say(ctx, "checksums of %s and its layers: %s (what wrote them: %s)", outname, sums_path,
		       info_path);
		if (check && (r = lv_sums_check(&published, &sums, outname, &ctx->d)) == 0)
			lv_say(ctx, "%s: all %zu checksums match %s", outname, sums.n, check);
		else if (check)
			explain_difference(check, outname, buildinfo.p, &ctx->d);
	}
out:
	if (r < 0 && !keep)
		lv_remove_tree(root);
	else if (r == 0 && !keep && !as_dir)
		lv_remove_tree(root);
	if (r < 0 && keep)
		lv_note(&ctx->d, "the staging root is kept in %s", root);
	if (logfd >= 0)
		close(logfd);
	lv_tree_release(&tree);
	lv_sums_release(&sums);
	lv_sums_release(&published);
	lv_assembly_release(&a);
	lv_repos_release(&repos);
	lv_buf_release(&buildinfo);
	return r;
}
