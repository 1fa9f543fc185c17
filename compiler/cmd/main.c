/* livec: a compiler from a YAML manifest to a reproducible Debian live ISO.
 *
 *   manifest.yaml --parse/check--> manifest --resolve--> livec.lock   (livec lock)
 *   livec.lock --fetch/verify--> .deb cache                            (livec fetch)
 *
 * This file owns the command line: the verb list, the common options, the
 * resources each verb declares (manifest, cache), and the only place where
 * diagnostics are printed and exit codes chosen:
 *   0 ok, 1 failed, 2 bad manifest or usage, 3 lockfile stale.
 * Each verb's table (options.h) sits next to its code in cmd/VERB.c. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "cmd/cli.h"
#include "base/err.h"
#include "lock/lockfile.h"
#include "base/progress.h"

static const struct lv_verb *const verbs[] = {
	&lv_verb_lock, &lv_verb_fetch, &lv_verb_build, &lv_verb_verify,
	&lv_verb_run, &lv_verb_persist, &lv_verb_cloop, &lv_verb_audit, &lv_verb_inspect, &lv_verb_shell, &lv_verb_cache,
};

/* The common options: before or after the verb, taken out of argv here. */
static const struct lv_opt common_opts[] = {
	{ 'v', "verbose", LV_OPT_SHORT, NULL, "say more about each step", NULL },
	{ 'q', "quiet", LV_OPT_SHORT, NULL, "print errors only", NULL },
	{ 'c', "cache", 0, "DIR", "download cache (default: $XDG_CACHE_HOME/livec)", NULL },
	{ 'l', "lockfile", 0, "FILE", "lockfile (default: lockfiles/NAME.lock in the nearest lockfiles/ "
	  "directory above the manifest, else livec.lock next to it)", NULL },
	{ 'h', "help", LV_OPT_SHORT, NULL, "this help; 'livec VERB --help' for a verb", NULL },
	{ 'V', "version", 0, NULL, "print the version", NULL },
	/* the build writes the man page and the bash completion with these */
	{ 'M', "dump-man", LV_OPT_HIDDEN, NULL, NULL, NULL },
	{ 'B', "dump-bash-completion", LV_OPT_HIDDEN, NULL, NULL, NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

static const struct lv_verb livec = {
	.name = "livec",
	.synopsis = "[options] VERB [verb options] MANIFEST",
	.description =
		"livec compiles a YAML manifest describing a Debian live system into a\n"
		"pinned lockfile and, from it, a byte-reproducible bootable ISO.",
	.opts = common_opts,
	.epilogue =
		"mirror: distribution.mirror in the manifest, else $LIVEC_MIRROR, else the\n"
		"host's APT sources.  Exit codes: 0 ok, 1 failed, 2 bad manifest or usage,\n"
		"3 lockfile stale.",
};

static const struct lv_doc_item exit_status[] = {
	{ "0", "ok (verify: the two builds are identical; audit-licenses: the policy holds)" },
	{ "1", "failed (verify: the builds differ, or one failed; audit-licenses: the policy is violated)" },
	{ "2", "bad manifest or usage" },
	{ "3", "lockfile stale: the manifest's package request changed since the lockfile was written "
	       "(run 'livec lock')" },
	{ NULL, NULL },
};

static const struct lv_doc_item environment[] = {
	{ "SOURCE_DATE_EPOCH", "every timestamp livec writes (the build's outputs, the SPDX document, "
			       "persist-image) comes from it; else from the lock's epoch (persist-image: 0)" },
	{ "LIVEC_MIRROR", "the Debian mirror when the manifest's distribution.mirror names none; else "
			  "the host's APT sources" },
	{ "LIVEC_SECURITY_MIRROR", "the security mirror when the manifest names none" },
	{ "XDG_CACHE_HOME", "the download cache is $XDG_CACHE_HOME/livec (else ~/.cache/livec), unless "
			    "--cache names another" },
	{ "LIVEC_QEMU_ACCEL", "kvm or tcg: the accelerator of livec run, instead of checking whether "
			      "KVM works" },
	{ "http_proxy, https_proxy", "downloads go through this proxy (libcurl reads them)" },
	{ NULL, NULL },
};

static const struct lv_doc_item files[] = {
	{ "lockfiles/NAME.lock", "the lockfile of the manifest NAME, in the nearest lockfiles/ directory "
				 "above the manifest; else livec.lock next to it (--lockfile names another)" },
	{ "$XDG_CACHE_HOME/livec/", "the download cache: every file by its SHA256 (sha256/), parsed "
				    "indexes (solv/), built trees (trees/)" },
	{ "out/NAME/", "what livec build writes: NAME.iso (or rootfs.tar, rootfs/ ...), SHA256SUMS, "
		       "NAME.buildinfo; .work/ while it builds; verify/ for livec verify's two builds" },
	{ NULL, NULL },
};

static const struct lv_program program = {
	.main = &livec,
	.verbs = verbs,
	.nverbs = LV_ARRAY_SIZE(verbs),
	.opts_title = "options (before or after the verb)",
	.whatis = "compile a YAML manifest into a byte-reproducible Debian live ISO",
	.exit_status = exit_status,
	.environment = environment,
	.files = files,
	.see_also = "qemu-system-x86_64(1), diffoscope(1), testsolv(1), sha256sum(1), gpgv(1); "
		    "README.md and docs/ in livec's source",
};

static int exit_code(int r)
{
	if (r >= 0)
		return 0;
	switch (-r) {
	case LVE_MANIFEST:
	case LVE_USAGE: return 2;
	case LVE_STALE: return 3;
	default: return 1;
	}
}

/* Reads the manifest's lockfile into ctx->lock and checks that it is still
 * the resolution of the manifest's request. */
static int load_lock(struct lv_ctx *ctx, int must_be_fresh)
{
	char digest[72];
	int r = lv_lock_read(ctx->lock_path, &ctx->lock, &ctx->d);
	if (r == -LVE_NOLOCK && must_be_fresh)
		return -LVE_STALE;
	if (r < 0)
		return r;
	lv_lock_inputs_digest(&ctx->m, digest);
	if (!strcmp(digest, ctx->lock.inputs_digest))
		return 0;
	if (must_be_fresh) {
		lv_error(&ctx->d, "lockfile '%s' is stale: the manifest's package request changed since "
				  "it was written; run 'livec lock %s'", ctx->lock_path, ctx->m.path);
		return -LVE_STALE;
	}
	lv_warn(&ctx->d, "lockfile '%s' is stale for this manifest: using what it pins; run "
			 "'livec lock' to follow the current request", ctx->lock_path);
	return 0;
}

/* The verb called `name`, or NULL after saying so (with the closest one). */
static const struct lv_verb *find_verb(const char *name)
{
	const char *names[LV_ARRAY_SIZE(verbs)];
	for (size_t k = 0; k < LV_ARRAY_SIZE(verbs); k++) {
		if (!strcmp(name, verbs[k]->name))
			return verbs[k];
		names[k] = verbs[k]->name;
	}
	const char *best = lv_closest(name, names, LV_ARRAY_SIZE(verbs));
	fprintf(stderr, "livec: error: unknown verb '%s'%s%s%s\n", name, best ? " (did you mean '" : "",
		best ? best : "", best ? "'?)" : "");
	fprintf(stderr, "livec: see 'livec --help'\n");
	return NULL;
}

/* Takes the common options out of argv (they may come anywhere; -h and
 * --help only before the verb) and finds the verb: the verb and its
 * arguments go to rest.  Returns -1 to run the verb, else the exit code. */
static int parse_common(struct lv_ctx *ctx, int argc, char **argv, const struct lv_verb **verb, char **rest,
			int *nrest)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value;
		if (*verb && !strcmp(a, "--")) { /* the rest is the verb's (livec shell's command) */
			while (i < argc)
				rest[(*nrest)++] = argv[i++];
			break;
		}
		const struct lv_opt *o = lv_opt_match(common_opts, a, &value);
		if (o && o->arg && !value && i + 1 < argc)
			value = argv[++i];
		int key = !o || (o->arg && !value) || (o->key == 'h' && *verb) ? 0 : o->key;
		switch (key) {
		case 'v': ctx->verbose++; break;
		case 'q': ctx->quiet = 1; break;
		case 'c': ctx->cache_dir = value; break;
		case 'l': ctx->lockfile = value; break;
		case 'V': printf("livec %s\n", LIVEC_VERSION); return 0;
		case 'h': lv_usage_print(stdout, &program); return 0;
		case 'M': lv_man_write(stdout, &program); return 0;
		case 'B': lv_completion_write(stdout, &program); return 0;
		default:
			if (!*verb && a[0] != '-' && !(*verb = find_verb(a)))
				return 2;
			rest[(*nrest)++] = (char *)a;
		}
	}
	if (*verb)
		return -1;
	lv_usage_print(stderr, &program);
	return 2;
}

/* The manifest is the verb's first argument that is neither an option nor
 * an option's value.  Returns 1 when the verb is asked for its help. */
static int find_manifest(struct lv_ctx *ctx, const struct lv_verb *verb, int nrest, char **rest)
{
	int wants_help = 0;
	for (int i = 1; i < nrest && strcmp(rest[i], "--"); i++) {
		if (lv_opt_takes_value(verb->opts, rest[i]))
			i++;
		else if (!strcmp(rest[i], "-h") || !strcmp(rest[i], "--help"))
			wants_help = 1;
		else if (rest[i][0] != '-' && !ctx->manifest_path)
			ctx->manifest_path = rest[i];
	}
	return wants_help;
}

/* What the verb declared it needs: the manifest, its lockfile, the cache. */
static int provide(struct lv_ctx *ctx, const struct lv_verb *verb)
{
	int r = 0;
	if (verb->needs & LV_NEEDS_MANIFEST) {
		if (!ctx->manifest_path) {
			lv_error(&ctx->d, "'%s' needs a MANIFEST (see 'livec %s --help')", verb->name, verb->name);
			return -LVE_USAGE;
		}
		if ((r = lv_manifest_load(ctx->manifest_path, &ctx->m, &ctx->d)) < 0)
			return r;
		ctx->lock_path = ctx->lockfile ? strdup(ctx->lockfile) : lv_lock_default_path(ctx->m.path, ctx->m.name);
	}
	if (verb->needs & (LV_NEEDS_LOCK | LV_NEEDS_ANY_LOCK) &&
	    (r = load_lock(ctx, !(verb->needs & LV_NEEDS_ANY_LOCK))) < 0)
		return r;
	if ((verb->needs & LV_NEEDS_CACHE) && (r = lv_cache_open(&ctx->cache, ctx->cache_dir)) < 0)
		lv_error(&ctx->d, "cannot open cache '%s': %s", ctx->cache_dir ? ctx->cache_dir : "(default)",
			 lv_strerror(r));
	return r;
}

/* Prints the diagnostics, releases what was provided, and picks the exit code. */
static int finish(struct lv_ctx *ctx, int r)
{
	lv_diags_print(stderr, &ctx->d, isatty(2));
	if (r < 0 && ctx->d.errors == 0)
		fprintf(stderr, "livec: error: %s\n", lv_strerror(r));
	lv_diags_release(&ctx->d);
	lv_manifest_release(&ctx->m);
	lv_cache_release(&ctx->cache);
	lv_lock_release(&ctx->lock);
	free(ctx->lock_path);
	return r == 0 ? ctx->status : exit_code(r);
}

int main(int argc, char **argv)
{
	static struct lv_ctx ctx;
	const struct lv_verb *verb = NULL;
	_cleanup_free_ char **rest = calloc((size_t)argc + 1, sizeof(char *));
	int nrest = 0, r = 0;

	int code = parse_common(&ctx, argc, argv, &verb, rest, &nrest);
	if (code >= 0)
		return code;
	lv_progress_setup(!ctx.quiet && isatty(2));
	if (!find_manifest(&ctx, verb, nrest, rest))
		r = provide(&ctx, verb);
	if (r == 0) {
		optind = 0;
		r = verb->run(&ctx, nrest, rest);
	}
	return finish(&ctx, r);
}
