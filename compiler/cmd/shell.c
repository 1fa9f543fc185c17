/* livec shell: the seed's "chroot in and experiment", in the build's
 * sandbox, on a copy-on-write view of the manifest's installed tree. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/inroot.h"
#include "build/idmap.h"
#include "build/sandbox.h"
#include "cmd/cli.h"
#include "cmd/options.h"

static const struct lv_opt shell_opts[] = {
	{ 'n', "network", 0, NULL, "give the shell the host's network (and its /etc/resolv.conf); without it, "
	  "only a loopback that is down", NULL },
	{ 'k', "keep", 0, "DIR", "keep the changes in DIR/upper (the overlay's upper layer: new and changed "
	  "files, deletions as overlayfs whiteouts); DIR must not exist", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_shell = {
	.name = "shell",
	.run = lv_cmd_shell,
	.needs = LV_NEEDS_MANIFEST | LV_NEEDS_CACHE | LV_NEEDS_LOCK,
	.synopsis = "shell [--network] [--keep DIR] MANIFEST [-- COMMAND [ARG...]]",
	.summary = "a shell (or a command) in the image's tree, inside the build's sandbox",
	.description =
		"Opens a shell in the manifest's installed tree, the one 'livec build'\n"
		"makes (from the tree cache; built first if it is not there), inside the\n"
		"build's sandbox: its own namespaces, no network, nothing of the host's\n"
		"files.  The tree is seen through an overlay: what the shell changes is\n"
		"thrown away on exit unless --keep.  After --, a command runs instead of\n"
		"the interactive shell.  livec's exit status is the shell's.  As root or\n"
		"rootless, as 'livec build'.",
	.opts = shell_opts,
	.epilogue = "Example: livec shell examples/console/livec.yaml -- cat /etc/debian_version",
};

/* The overlay's working directories, and the host's resolv.conf on top of
 * the tree's when the shell has the network. */
static int make_changes(const char *changes, int network, struct lv_diags *d)
{
	char p[PATH_MAX];
	int r = 0;
	static const char *const dirs[] = { "upper", "work", "root" };
	for (size_t i = 0; i < 3 && r == 0; i++) {
		snprintf(p, sizeof(p), "%s/%s", changes, dirs[i]);
		r = lv_mkdir_p(p, 0755);
	}
	if (r == 0 && network) {
		struct lv_buf conf = { .max = 1 << 20 };
		snprintf(p, sizeof(p), "%s/upper/etc", changes);
		if (lv_read_file("/etc/resolv.conf", &conf) == 0 && (r = lv_mkdir_p(p, 0755)) == 0) {
			snprintf(p, sizeof(p), "%s/upper/etc/resolv.conf", changes);
			r = lv_write_atomic(p, conf.p ? conf.p : "", conf.len);
		}
		lv_buf_release(&conf);
	}
	if (r < 0)
		lv_error(d, "cannot prepare '%s': %s", changes, lv_strerror(r));
	return r;
}

/* The command: what follows -- and the manifest (getopt has put the
 * manifest right after the --), else the tree's bash (or sh) as a login
 * shell. */
static const char *const *command(int argc, char **argv, const char *tree)
{
	static const char *bash[] = { "/bin/bash", "--login", NULL }, *sh[] = { "/bin/sh", "-l", NULL };
	if (optind > 0 && optind < argc && !strcmp(argv[optind - 1], "--") && optind + 1 < argc)
		return (const char *const *)&argv[optind + 1];
	_cleanup_close_ int rootfd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd >= 0 && lv_inroot_exists(rootfd, "usr/bin/bash") ? bash : sh;
}

int lv_cmd_shell(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *keep = NULL;
	int network = 0, c, r;
	while ((c = lv_opt_next(&lv_verb_shell, argc, argv)) != -1) {
		switch (c) {
		case 'n': network = 1; break;
		case 'k': keep = optarg; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	if (keep && lv_exists(keep)) {
		lv_error(&ctx->d, "--keep '%s': it exists; name a new directory", keep);
		return -LVE_USAGE;
	}
	_cleanup_free_ char *tree = NULL;
	int lockfd = -1;
	if ((r = lv_build_tree(ctx, &tree, &lockfd)) < 0)
		return r;
	/* the overlay's layers are the image's root's, like the tree; --keep's
	 * directory itself is the user's */
	char tmpl[] = "/tmp/livec-shell.XXXXXX";
	if (keep && (r = lv_mkdir_p(keep, 0755)) < 0) {
		lv_error(&ctx->d, "cannot create '%s': %s", keep, lv_strerror(r));
		close(lockfd);
		return r;
	}
	lv_idmap_tree_owner(1);
	const char *changes = keep ? keep : mkdtemp(tmpl);
	_cleanup_free_ char *root = changes ? lv_path_join(changes, "root") : NULL;
	r = !changes ? -errno : make_changes(changes, network, &ctx->d);
	lv_idmap_tree_owner(0);
	if (r < 0) {
		close(lockfd);
		return r;
	}
	char term[300];
	snprintf(term, sizeof(term), "TERM=%s", getenv("TERM") ? getenv("TERM") : "dumb");
	const char *env[] = { term, NULL };
	struct lv_sandbox sb = { .root = root, .epoch = ctx->lock.source_date_epoch, .log_fd = -1, .extra_env = env,
				 .lower = tree, .changes = changes, .network = network, .interactive = 1 };
	lv_say(ctx, "a shell in %s's tree%s (%s)", ctx->m.name, network ? ", with the network" : "",
	       keep ? "changes kept" : "changes thrown away on exit");
	int st = lv_sandbox_run(&sb, command(argc, argv, tree));
	close(lockfd);
	if (keep) { /* only the changes stay: DIR/upper */
		_cleanup_free_ char *work = lv_path_join(changes, "work");
		rmdir(root);
		lv_remove_tree(work);
	} else
		lv_remove_tree(changes);
	if (st < 0) {
		lv_error(&ctx->d, "cannot start the shell: %s", lv_strerror(st));
		return st;
	}
	ctx->status = st;
	return 0;
}
