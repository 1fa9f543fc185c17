/* livec persist-image: an empty ext4 file system with a journal for a live
 * system to keep its files in (Knoppix-style persistence), byte-reproducible:
 * made by mke2fs with its features named here (not the host's mke2fs.conf),
 * every time from SOURCE_DATE_EPOCH, and its directory hash seed derived
 * from its UUID.  The UUID is what the live system tells stores apart by
 * (livec.persist=UUID=...): random by default, given with --uuid, or, when
 * SOURCE_DATE_EPOCH is set (a reproducible build), derived from the label.  The journal is what keeps a store whole when the
 * machine loses power: the kernel replays it at the next mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/child.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/sha256.h"
#include "cmd/cli.h"
#include "cmd/options.h"

static const struct lv_opt persist_opts[] = {
	{ 's', "size", 0, "SIZE", "with K, M or G (default 512M)", NULL },
	{ 'l', "label", 0, "LABEL", "default LIVEDATA, what the live system looks for", NULL },
	{ 'u', "uuid", 0, "UUID", "the file system's UUID (what livec.persist=UUID=... names); default: a "
	  "random one, or with SOURCE_DATE_EPOCH set one derived from the label", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_persist = {
	.name = "persist-image",
	.run = lv_cmd_persist,
	.needs = 0,
	.synopsis = "persist-image [--size SIZE] [--label LABEL] [--uuid UUID] FILE",
	.summary = "make an empty ext4 image for persistence",
	.description =
		"Makes an empty ext4 file system image, with a journal, for persistence\n"
		"(mke2fs, from e2fsprogs, makes it): write it to a\n"
		"USB stick or partition (dd), or attach it in QEMU (livec run --persist\n"
		"FILE).  At boot the live system finds it by its label and keeps /home\n"
		"on it; with livec.persist=LABEL:overlay (and image.root: overlay) every\n"
		"change to the root.  The first boot that uses it notes it as that image's\n"
		"store; other images leave it alone.  With SOURCE_DATE_EPOCH set (or\n"
		"--uuid given), the same options give the same bytes.",
	.opts = persist_opts,
	.epilogue = NULL,
};

static void uuid_format(unsigned char u[16], unsigned version, char out[37])
{
	u[6] = (unsigned char)((u[6] & 0x0f) | (version << 4));
	u[8] = (u[8] & 0x3f) | 0x80; /* variant 10 */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
		 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* A UUID (RFC 9562 version 8: made up by its own rule) from a text and a
 * purpose: the same text always gives the same UUID. */
static void uuid_for(const char *text, const char *what, char out[37])
{
	struct lv_sha256 h;
	unsigned char u[32];
	lv_sha256_init(&h);
	lv_sha256_update(&h, "livec persist-image ", 20);
	lv_sha256_update(&h, what, strlen(what) + 1);
	lv_sha256_update(&h, text, strlen(text));
	lv_sha256_final(&h, u);
	uuid_format(u, 8, out);
}

/* --uuid's value, lower-cased into out: 0, or -1 when it is not a UUID */
static int uuid_parse(const char *in, char out[37])
{
	if (strlen(in) != 36)
		return -1;
	for (int i = 0; i < 36; i++) {
		char c = in[i] >= 'A' && in[i] <= 'F' ? (char)(in[i] - 'A' + 'a') : in[i];
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[36] = '\0';
	return 0;
}

/* The store's UUID: given, derived from the label (a reproducible build),
 * or random (version 4).  0, or -1 when given and not a UUID. */
static int store_uuid(const char *given, const char *label, int reproducible, char out[37])
{
	unsigned char u[16];
	if (given && strcmp(given, "random"))
		return uuid_parse(given, out);
	if (!given && reproducible) {
		uuid_for(label, "uuid", out);
		return 0;
	}
	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return -1;
	uuid_format(u, 4, out);
	return 0;
}

/* The superblock's lifetime-writes counter (s_kbytes_written, at byte
 * 0x178 of the superblock at 1024) says how the host wrote the file
 * (fallocate or plain writes): no part of the store, so zero. */
static int clear_host_counter(const char *path)
{
	static const unsigned char zero[8];
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	int r = fd < 0 || pwrite(fd, zero, sizeof(zero), 1024 + 0x178) != (ssize_t)sizeof(zero) ? -errno : 0;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int make_store(const char *path, const char *label, const char *uuid, unsigned long long size,
		      long long epoch, struct lv_diags *d)
{
	char tool[256], tmp[4200], blocks[32], seed[37], ext[128], fake[64];
	struct lv_buf out = { .max = 1 << 16 };
	if (!lv_find_tool("mke2fs", tool, sizeof(tool))) {
		lv_error(d, "persist-image needs mke2fs (apt-get install e2fsprogs)");
		return -ENOENT;
	}
	/* made under a name of its own, renamed into place when whole */
	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		lv_error(d, "cannot write next to '%s': %s", path, strerror(errno));
		return -errno;
	}
	fchmod(fd, 0644); /* as a file mke2fs made itself */
	close(fd);
	snprintf(blocks, sizeof(blocks), "%llu", size / 4096);
	uuid_for(uuid, "hash-seed", seed);
	snprintf(ext, sizeof(ext), "root_owner=0:0,hash_seed=%s,nodiscard", seed);
	/* mke2fs takes a fake time of 0 for none (the clock's time) */
	snprintf(fake, sizeof(fake), "E2FSPROGS_FAKE_TIME=%lld", epoch > 0 ? epoch : 1);
	/* ext4 with a journal and extents, no reserved blocks, no
	 * metadata_csum (older kernels and other systems may not mount it) */
	const char *argv[] = { tool, "-q", "-F", "-b", "4096", "-I", "256", "-m", "0", "-O",
			       "has_journal,extent,huge_file,flex_bg,dir_nlink,extra_isize,"
			       "sparse_super,filetype,dir_index,ext_attr,resize_inode,large_file",
			       "-L", label, "-U", uuid, "-E", ext, tmp, blocks, NULL };
	/* nothing of the host's environment (MKE2FS_*, E2FSPROGS_*) */
	const char *env[] = { fake, "MKE2FS_CONFIG=/dev/null", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct lv_child c = { .argv = argv, .env = env, .clear_env = 1, .in = { LV_CHILD_NULL },
			      .out = { LV_CHILD_BUFFER, .buf = &out }, .err = { LV_CHILD_STDOUT }, .tail_lines = 5 };
	int st = lv_child_run(&c), r = 0;
	if (st != 0) {
		lv_error(d, "mke2fs failed (%s):\n%.*s", lv_child_explain(&c), (int)out.len, out.p ? out.p : "");
		r = -LVE_BUILD;
	} else if ((r = clear_host_counter(tmp)) < 0 || (r = rename(tmp, path) < 0 ? -errno : 0) < 0)
		lv_error(d, "cannot write '%s': %s", path, strerror(-r));
	lv_child_release(&c);
	lv_buf_release(&out);
	if (r < 0)
		unlink(tmp);
	return r;
}

int lv_cmd_persist(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *size_arg = "512M", *label = "LIVEDATA", *uuid_arg = NULL;
	char uuid[37];
	int c;

	while ((c = lv_opt_next(&lv_verb_persist, argc, argv)) != -1) {
		switch (c) {
		case 's': size_arg = optarg; break;
		case 'l': label = optarg; break;
		case 'u': uuid_arg = optarg; break;
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
	/* the live system's init looks for a label of these characters */
	if (!*label || strlen(label) > 16 ||
	    strspn(label, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(label)) {
		lv_error(&ctx->d, "--label '%s': 1 to 16 letters, digits, '_' and '-' (what the live system "
				  "looks for)", label);
		return -LVE_USAGE;
	}
	struct stat st;
	if (lstat(argv[optind], &st) == 0 && !S_ISREG(st.st_mode)) {
		lv_error(&ctx->d, "'%s' exists and is not a regular file: refused (persist-image writes an image "
				  "file; dd it to a device)", argv[optind]);
		return -LVE_USAGE;
	}
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long long epoch = sde && *sde ? atoll(sde) : 0;
	if (store_uuid(uuid_arg, label, sde && *sde, uuid) < 0) {
		if (uuid_arg && strcmp(uuid_arg, "random"))
			lv_error(&ctx->d, "--uuid '%s': not a UUID (8-4-4-4-12 hexadecimal digits) or 'random'", uuid_arg);
		else
			lv_error(&ctx->d, "cannot make a random UUID: %s", strerror(errno));
		return -LVE_USAGE;
	}
	int r = make_store(argv[optind], label, uuid, size, epoch, &ctx->d);
	if (r == 0)
		lv_say(ctx, "wrote %s: %llu bytes of ext4 with a journal, label %s, UUID %s", argv[optind], size, label,
		       uuid);
	return r;
}
