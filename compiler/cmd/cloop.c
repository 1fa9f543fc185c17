/* livec cloop: make, inspect and unpack cloop images (cloop.h). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/options.h"
#include "image/cloop.h"
#include "base/err.h"

static const struct lv_opt cloop_opts[] = {
	{ 'b', "block-size", 0, "N", "a multiple of 512, at most 1048576 (default 131072)", NULL },
	{ 'l', "level", 0, "L", "zlib level 0..12 (default 9; above 9 is slower and smaller), with --xz "
	  "0..9 (default 6)", NULL },
	{ 'x', "xz", 0, NULL, "V4.0 with xz blocks: smaller, slower to make and read; livec and "
	  "livec-cloopd read it, cloop-utils does not", NULL },
	{ 'j', "jobs", LV_OPT_SHORT, "N", "compression threads (default: all cores; the output does not "
	  "depend on it)", NULL },
	{ 'H', "hashes", 0, "LIST", "create: also write the image's hash list (SHA-256 of the header and "
	  "offsets and of each block as stored), as LIVEC/LIVEC.sha256 on a medium", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_cloop = {
	.name = "cloop",
	.run = lv_cmd_cloop,
	.needs = 0,
	.synopsis = "cloop create [--block-size N] [--level L] [--xz] [-j N] [--hashes LIST] IMAGE OUT.cloop\n"
		    "cloop info IN.cloop\n"
		    "cloop extract IN.cloop OUT\n"
		    "cloop check IN.cloop LIST",
	.summary = "create, inspect or unpack a cloop image",
	.description =
		"cloop compresses an image block by block, so a reader can seek: the\n"
		"Knoppix format.  By default V2.0 with zlib blocks, read by\n"
		"extract_compressed_fs and QEMU's cloop driver.  check compares the\n"
		"image with its hash list and names each damaged block (exit 1).",
	.opts = cloop_opts,
	.epilogue = "The last block is padded with zeros: extract gives whole blocks.",
};

int lv_cmd_cloop(struct lv_ctx *ctx, int argc, char **argv)
{
	struct lv_cloop_opts o = { .block_size = 131072, .level = -1 };
	int c;

	while ((c = lv_opt_next(&lv_verb_cloop, argc, argv)) != -1) {
		switch (c) {
		case 'b': o.block_size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': o.level = atoi(optarg); break;
		case 'x': o.compressor = LV_CLOOP_XZ; break;
		case 'j': o.threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'H': o.hashes = optarg; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	const char *sub = optind < argc ? argv[optind] : "";
	int nargs = argc - optind - 1;
	if (o.level == -1)
		o.level = o.compressor == LV_CLOOP_XZ ? 6 : 9;
	if (o.level < 0 || o.level > (o.compressor == LV_CLOOP_XZ ? 9 : 12)) {
		lv_error(&ctx->d, "--level must be 0..%d", o.compressor == LV_CLOOP_XZ ? 9 : 12);
		return -LVE_USAGE;
	}
	if (!strcmp(sub, "create") && nargs == 2)
		return lv_cloop_write(argv[optind + 1], argv[optind + 2], &o, &ctx->d);
	if (!strcmp(sub, "check") && nargs == 2)
		return lv_cloop_check(argv[optind + 1], argv[optind + 2], &ctx->d);
	if (!strcmp(sub, "extract") && nargs == 2)
		return lv_cloop_extract(argv[optind + 1], argv[optind + 2], &ctx->d);
	if (!strcmp(sub, "info") && nargs == 1) {
		struct lv_cloop_info info;
		int r = lv_cloop_info(argv[optind + 1], &info, &ctx->d);
		if (r < 0)
			return r;
		uint64_t raw = (uint64_t)info.block_size * info.num_blocks;
		printf("version %s\nblock-size %u\nblocks %u\nuncompressed %llu\ncompressed %llu\nratio %.3f\n"
		       "blocks-zlib %u\nblocks-none %u\nblocks-xz %u\nblocks-other %u\n",
		       info.version, info.block_size, info.num_blocks, (unsigned long long)raw,
		       (unsigned long long)info.compressed_size,
		       raw ? (double)info.compressed_size / (double)raw : 0.0, info.blocks_by_kind[0],
		       info.blocks_by_kind[1], info.blocks_by_kind[2], info.blocks_by_kind[3]);
		return 0;
	}
	lv_error(&ctx->d, "usage: livec cloop create|info|extract|check ... (see 'livec cloop --help')");
	return -LVE_USAGE;
}
