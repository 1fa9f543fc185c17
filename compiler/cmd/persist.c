/* livec persist-image: an empty ext2 file system for a live system to keep
 * its files in (Knoppix-style persistence), byte-reproducible. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/options.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "image/out_ext2.h"
#include "build/tree.h"

static const struct lv_opt persist_opts[] = {
	{ 's', "size", 0, "SIZE", "with K, M or G (default 512M)", NULL },
	{ 'l', "label", 0, "LABEL", "default LIVEDATA, what the live system looks for", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_persist = {
	.name = "persist-image",
	.run = lv_cmd_persist,
	.needs = 0,
	.synopsis = "persist-image [--size SIZE] [--label LABEL] FILE",
	.summary = "make an empty ext2 image for persistence",
	.description =
		"Makes an empty ext2 file system image for persistence: write it to a\n"
		"USB stick or partition (dd), or attach it in QEMU (livec run --persist\n"
		"FILE).  At boot the live system finds it by its label and keeps /home\n"
		"on it; with livec.persist=LABEL:overlay (and image.root: overlay) every\n"
		"change to the root.  The same options give the same bytes.",
	.opts = persist_opts,
	.epilogue = NULL,
};

int lv_cmd_persist(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *size_arg = "512M", *label = "LIVEDATA";
	int c;

	while ((c = lv_opt_next(&lv_verb_persist, argc, argv)) != -1) {
		switch (c) {
		case 's': size_arg = optarg; break;
		case 'l': label = optarg; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	if (optind + 1 != argc) {
		lv_error(&ctx->d, "usage: livec %s", lv_verb_persist.synopsis);
		return -LVE_USAGE;
	}
	unsigned long long size = lv_parse_size(size_arg);
	if (size < (8ull << 20) || size > (1ull << 42)) {
		lv_error(&ctx->d, "--size '%s': use a size from 8M to 4T, e.g. 512M", size_arg);
		return -LVE_USAGE;
	}
	if (!*label || strlen(label) > 16) {
		lv_error(&ctx->d, "--label '%s': an ext2 label has 1 to 16 characters", label);
		return -LVE_USAGE;
	}
	/* the file system's root: an empty directory, owned by root */
	char dir[] = "/tmp/livec-persist-XXXXXX";
	if (!mkdtemp(dir)) {
		lv_error(&ctx->d, "cannot create a temporary directory: %s", strerror(errno));
		return -errno;
	}
	chmod(dir, 0755);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long long epoch = sde && *sde ? atoll(sde) : 0;
	struct lv_tree t;
	int r = lv_tree_read(dir, LV_TREE_OWN_IDS, epoch, &t, &ctx->d);
	if (r == 0) {
		t.v[0].uid = t.v[0].gid = 0;
		struct lv_ext2_opts o = { .label = label, .epoch = epoch, .size = size };
		r = lv_ext2_write(&t, argv[optind], &o, &ctx->d);
		lv_tree_release(&t);
	}
	rmdir(dir);
	if (r == 0)
		lv_say(ctx, "wrote %s: %llu bytes of ext2, label %s", argv[optind], size, label);
	return r;
}
