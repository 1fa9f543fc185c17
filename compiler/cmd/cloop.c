/* livec cloop: make, inspect and unpack cloop images (cloop.h). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "image/cloop.h"
#include "base/err.h"

static void help(void)
{
	printf("usage: livec cloop create [--block-size N] [--level L] [--xz] [-j N] IMAGE OUT.cloop\n"
	       "       livec cloop info IN.cloop\n"
	       "       livec cloop extract IN.cloop OUT\n"
	       "\n"
	       "cloop compresses an image block by block, so a reader can seek: the\n"
	       "Knoppix format.  By default V2.0 with zlib blocks, read by\n"
	       "extract_compressed_fs and QEMU's cloop driver.\n"
	       "  --block-size N   a multiple of 512, at most 1048576 (default 131072)\n"
	       "  --level L        zlib level 0..12 (default 9; above 9 is slower and\n"
	       "                   smaller), with --xz 0..9 (default 6)\n"
	       "  --xz             V4.0 with xz blocks: smaller, slower to make and read;\n"
	       "                   livec and livec-cloopd read it, cloop-utils does not\n"
	       "  -j N             compression threads (default: all cores; the output\n"
	       "                   does not depend on it)\n"
	       "The last block is padded with zeros: extract gives whole blocks.\n");
}

int lv_cmd_cloop(struct lv_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "block-size", required_argument, NULL, 'b' }, { "level", required_argument, NULL, 'l' },
		{ "jobs", required_argument, NULL, 'j' },       { "help", no_argument, NULL, 'h' },
		{ "xz", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct lv_cloop_opts o = { .block_size = 131072, .level = -1 };
	int c;

	while ((c = getopt_long(argc, argv, "hj:", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o.block_size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': o.level = atoi(optarg); break;
		case 'x': o.compressor = LV_CLOOP_XZ; break;
		case 'j': o.threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': help(); return 0;
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
	lv_error(&ctx->d, "usage: livec cloop create|info|extract ... (see 'livec cloop --help')");
	return -LVE_USAGE;
}
