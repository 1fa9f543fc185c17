/* livec: a compiler from a YAML manifest to a reproducible Debian live ISO.
 *
 *   manifest.yaml --parse/check--> manifest --resolve--> livec.lock   (livec lock)
 *   livec.lock --fetch/verify--> .deb cache                            (livec fetch)
 *
 * This file owns the command line: the verb table, the common options, the
 * resources each verb declares (manifest, cache), and the only place where
 * diagnostics are printed and exit codes chosen:
 *   0 ok, 1 failed, 2 bad manifest or usage, 3 lockfile stale. */
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

enum {
	NEEDS_MANIFEST = 1,
	NEEDS_CACHE = 2,
	NEEDS_LOCK = 4,      /* a lockfile that is the resolution of the manifest (else exit 3) */
	NEEDS_ANY_LOCK = 8,  /* a lockfile, stale or not (a warning when stale) */
};

struct verb {
	const char *name;
	int (*run)(struct lv_ctx *, int, char **);
	unsigned needs;
	const char *summary;
	const char *const *value_opts; /* the verb's options that take a separate value */
};

static const char *const lock_values[] = { "--dump-testcase", NULL };
static const char *const fetch_values[] = { "-j", "--jobs", NULL };
static const char *const build_values[] = { "--format", "--output", "--workdir", "-o", "-f", "-j", "--jobs",
					    "--check-against", "--layers", "--record", NULL };
static const char *const verify_values[] = { "--format", "-f", "--vary", "--no-vary", "--workdir",
					     "--diffoscope-timeout", NULL };
static const char *const cloop_values[] = { "--block-size", "--level", "-j", "--jobs", NULL };
static const char *const persist_values[] = { "--size", "--label", NULL };
static const char *const run_values[] = { "--memory", "--cpus", "--disk", "--timeout", "--persist",
					 "--append", "--monitor", NULL };
static const char *const audit_values[] = { "--format", "--output", "--tree", "-o", "-f", NULL };
static const char *const inspect_values[] = { "--extract", NULL };

static const struct verb verbs[] = {
	{ "lock", lv_cmd_lock, NEEDS_MANIFEST | NEEDS_CACHE,
	  "resolve the manifest against the mirror into a pinned lockfile", lock_values },
	{ "fetch", lv_cmd_fetch, NEEDS_MANIFEST | NEEDS_CACHE | NEEDS_LOCK,
	  "download every locked .deb into the cache, verified", fetch_values },
	{ "build", lv_cmd_build, NEEDS_MANIFEST | NEEDS_CACHE | NEEDS_LOCK,
	  "build the live ISO (or the root tree) from the lockfile", build_values },
	{ "verify", lv_cmd_verify, NEEDS_MANIFEST | NEEDS_CACHE | NEEDS_LOCK,
	  "build twice on different-looking hosts and compare every byte", verify_values },
	{ "run", lv_cmd_run, 0, "boot an image in QEMU (serial console here)", run_values },
	{ "persist-image", lv_cmd_persist, 0, "make an empty ext2 image for persistence", persist_values },
	{ "cloop", lv_cmd_cloop, 0, "create, inspect or unpack a cloop image", cloop_values },
	{ "inspect", lv_cmd_inspect, 0, "show what a livec ISO holds, or unpack its tree (no root needed)",
	  inspect_values },
	{ "audit-licenses", lv_cmd_audit, NEEDS_MANIFEST | NEEDS_CACHE | NEEDS_ANY_LOCK,
	  "check the locked packages' licenses against the policy; SPDX SBOM", audit_values },
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

static void vsay(const char *fmt, va_list ap)
{
	fputs("livec: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void lv_say(const struct lv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void lv_debug(const struct lv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	if (!ctx->verbose || ctx->quiet)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
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

static void usage(FILE *out)
{
	fprintf(out,
		"usage: livec [options] VERB [verb options] MANIFEST\n"
		"\n"
		"livec compiles a YAML manifest describing a Debian live system into a\n"
		"pinned lockfile and, from it, a byte-reproducible bootable ISO.\n"
		"\n"
		"verbs:\n");
	for (size_t i = 0; i < LV_ARRAY_SIZE(verbs); i++)
		fprintf(out, "  %-15s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out,
		"\n"
		"options (before or after the verb):\n"
		"  -v, --verbose        say more about each step\n"
		"  -q, --quiet          print errors only\n"
		"      --cache DIR      download cache (default: $XDG_CACHE_HOME/livec)\n"
		"      --lockfile FILE  lockfile (default: lockfiles/NAME.lock in the nearest\n"
		"                       lockfiles/ directory above the manifest, else livec.lock\n"
		"                       next to it)\n"
		"  -h, --help           this help; 'livec VERB --help' for a verb\n"
		"      --version        print the version\n"
		"\n"
		"mirror: distribution.mirror in the manifest, else $LIVEC_MIRROR, else the\n"
		"host's APT sources.  Exit codes: 0 ok, 1 failed, 2 bad manifest or usage,\n"
		"3 lockfile stale.\n");
}

int main(int argc, char **argv)
{
	static struct lv_ctx ctx;
	const struct verb *verb = NULL;
	int r = 0;

	/* Common options may come anywhere; the verb's own options are parsed
	 * by the verb.  Pull the common ones out here. */
	char **rest = calloc((size_t)argc + 1, sizeof(char *));
	int nrest = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			ctx.verbose++;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			ctx.quiet = 1;
		else if (!strcmp(a, "--version")) {
			printf("livec %s\n", LIVEC_VERSION);
			return 0;
		} else if ((!strcmp(a, "--cache") || !strcmp(a, "--lockfile")) && i + 1 < argc) {
			if (a[2] == 'c')
				ctx.cache_dir = argv[++i];
			else
				ctx.lockfile = argv[++i];
		} else if (!strncmp(a, "--cache=", 8))
			ctx.cache_dir = a + 8;
		else if (!strncmp(a, "--lockfile=", 11))
			ctx.lockfile = a + 11;
		else if (!verb && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			usage(stdout);
			return 0;
		} else if (!verb && a[0] != '-') {
			for (size_t k = 0; k < LV_ARRAY_SIZE(verbs); k++)
				if (!strcmp(a, verbs[k].name))
					verb = &verbs[k];
			if (!verb) {
				const char *names[LV_ARRAY_SIZE(verbs)];
				for (size_t k = 0; k < LV_ARRAY_SIZE(verbs); k++)
					names[k] = verbs[k].name;
				const char *best = lv_closest(a, names, LV_ARRAY_SIZE(verbs));
				fprintf(stderr, "livec: error: unknown verb '%s'%s%s%s\n", a,
					best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
				fprintf(stderr, "livec: see 'livec --help'\n");
				return 2;
			}
			rest[nrest++] = (char *)a;
		} else
			rest[nrest++] = (char *)a;
	}
	if (!verb) {
		usage(stderr);
		return 2;
	}
	lv_progress_setup(!ctx.quiet && isatty(2));

	/* The manifest is the verb's first non-option argument. */
	int wants_help = 0;
	for (int i = 1; i < nrest; i++) {
		int takes_value = 0;
		for (const char *const *o = verb->value_opts; o && *o; o++)
			takes_value |= !strcmp(rest[i], *o);
		if (takes_value)
			i++;
		else if (!strcmp(rest[i], "-h") || !strcmp(rest[i], "--help"))
			wants_help = 1;
		else if (rest[i][0] != '-' && !ctx.manifest_path)
			ctx.manifest_path = rest[i];
	}
	if (!wants_help && (verb->needs & NEEDS_MANIFEST)) {
		if (!ctx.manifest_path) {
			fprintf(stderr, "livec: error: '%s' needs a MANIFEST (see 'livec %s --help')\n",
				verb->name, verb->name);
			return 2;
		}
		r = lv_manifest_load(ctx.manifest_path, &ctx.m, &ctx.d);
	}
	if (r == 0 && !wants_help && (verb->needs & NEEDS_MANIFEST))
		ctx.lock_path = ctx.lockfile ? strdup(ctx.lockfile) : lv_lock_default_path(ctx.m.path, ctx.m.name);
	if (r == 0 && !wants_help && (verb->needs & (NEEDS_LOCK | NEEDS_ANY_LOCK)))
		r = load_lock(&ctx, !(verb->needs & NEEDS_ANY_LOCK));
	if (r == 0 && !wants_help && (verb->needs & NEEDS_CACHE)) {
		r = lv_cache_open(&ctx.cache, ctx.cache_dir);
		if (r < 0)
			lv_error(&ctx.d, "cannot open cache '%s': %s",
				 ctx.cache_dir ? ctx.cache_dir : "(default)", lv_strerror(r));
	}
	if (r == 0) {
		optind = 0;
		r = verb->run(&ctx, nrest, rest);
	}
	lv_diags_print(stderr, &ctx.d, isatty(2));
	if (r < 0 && ctx.d.errors == 0)
		fprintf(stderr, "livec: error: %s\n", lv_strerror(r));
	int code = exit_code(r);
	lv_diags_release(&ctx.d);
	lv_manifest_release(&ctx.m);
	lv_cache_release(&ctx.cache);
	lv_lock_release(&ctx.lock);
	free(ctx.lock_path);
	free(rest);
	return code;
}
