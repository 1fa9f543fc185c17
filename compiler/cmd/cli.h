/* What main.c gives each verb: the parsed common options and the resources
 * the verb declared it needs (its struct lv_verb, options.h). */
#ifndef LV_CLI_H
#define LV_CLI_H

#include "repo/cache.h"
#include "base/diag.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"
#include "cmd/options.h"

struct lv_ctx {
	int verbose, quiet;
	const char *cache_dir;   /* --cache */
	const char *lockfile;    /* --lockfile, or NULL for the default */
	const char *manifest_path;
	struct lv_manifest m;    /* loaded when the verb needs a manifest */
	struct lv_cache cache;   /* opened when the verb needs the cache */
	char *lock_path;         /* the manifest's lockfile (--lockfile or the default) */
	struct lv_lock lock;     /* read when the verb needs the lockfile */
	struct lv_diags d;
	int status;              /* livec's exit status when the verb succeeds (livec shell: the shell's) */
	int allow_unproved;      /* --allow-unproved: pins no signed metadata lists any more, with a warning */
};

/* A progress line for the user (stderr), unless --quiet. */
void lv_say(const struct lv_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Only with -v. */
void lv_debug(const struct lv_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each verb: parses its own options from argv (argv[0] is the verb) and
 * returns 0 or a negative error code; main.c turns that into an exit code. */
int lv_cmd_lock(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_fetch(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_audit(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_build(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_cloop(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_cache(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_run(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_verify(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_persist(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_inspect(struct lv_ctx *ctx, int argc, char **argv);
int lv_cmd_shell(struct lv_ctx *ctx, int argc, char **argv);

/* The manifest's installed tree (livec build's, from the tree cache, built
 * first if it is not there): its path in *tree (malloc'd) and a shared
 * lock on it in *lockfd, to close when done. */
int lv_build_tree(struct lv_ctx *ctx, char **tree, int *lockfd);
/* Re-proves every pin of ctx->lock from signed metadata (repo/prove.h). */
struct lv_repos;
int lv_prove_pins(struct lv_ctx *ctx, struct lv_repos *plan);

/* Each verb's table (options.h), next to its code: main.c's verb list. */
extern const struct lv_verb lv_verb_lock, lv_verb_fetch, lv_verb_audit, lv_verb_build, lv_verb_cloop,
	lv_verb_run, lv_verb_verify, lv_verb_persist, lv_verb_inspect, lv_verb_shell, lv_verb_cache;

#endif
