/* The ext2 writer (out_ext2.h): IR -> sorted tar -> genext2fs. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/child.h"
#include "base/err.h"
#include "image/out_ext2.h"
#include "image/out_tar.h"

#define BLOCK 4096

/* Blocks the tree needs: data, indirect blocks, directories, and room for
 * the file system's own metadata; generous, never short. */
static unsigned long long blocks_for(const struct lv_tree *t)
{
	unsigned long long b = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct lv_node *n = &t->v[i];
		if (n->type == 'f' && n->hardlink < 0) {
			unsigned long long data = (n->size + BLOCK - 1) / BLOCK;
			b += data + data / (BLOCK / 4) + 2;
		} else if (n->type == 'd')
			b += 2;
		else if (n->type == 'l' && n->link && strlen(n->link) >= 60)
			b += 1;
	}
	return b + b / 20 + 2048;
}

int lv_ext2_write(const struct lv_tree *t, const char *path, const struct lv_ext2_opts *o, struct lv_diags *d)
{
	char tool[256], tar[4096], tmp[4096], log[4096], blocks[32], inodes[32], epoch[64];
	int r;

	if (!lv_find_tool("genext2fs", tool, sizeof(tool))) {
		lv_error(d, "image.inner: ext2 needs genext2fs (apt-get install genext2fs)");
		return -ENOENT;
	}
	snprintf(tar, sizeof(tar), "%s.tar", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(log, sizeof(log), "%s.log", path);
	if ((r = lv_tar_write(t, tar, LV_COMPRESS_NONE, NULL, d)) < 0)
		return r;
	unsigned long long need = blocks_for(t), want = o->size / BLOCK;
	if (o->size && want < need) {
		lv_error(d, "an ext2 image of %llu bytes is too small: it needs %llu", o->size, need * BLOCK);
		unlink(tar);
		return -LVE_TOOBIG;
	}
	snprintf(blocks, sizeof(blocks), "%llu", want > need ? want : need);
	/* an empty file system (a persistence image) gets inodes for later */
	unsigned long long nodes = t->n + t->n / 10 + 64;
	if (o->size && nodes < want / 4)
		nodes = want / 4;
	snprintf(inodes, sizeof(inodes), "%llu", nodes);
	snprintf(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%lld", o->epoch);
	const char *argv[] = { tool, "-B", "4096", "-b", blocks, "-N", inodes, "-m", "0", "-L", o->label,
			       "-a", tar, tmp, NULL };
	const char *env[] = { epoch, NULL };
	struct lv_child c = { .argv = argv, .env = env, .in = { LV_CHILD_NULL },
			      .out = { LV_CHILD_FILE, .path = log }, .err = { LV_CHILD_STDOUT }, .tail_lines = 5 };
	int st = lv_child_run(&c);
	unlink(tar);
	if (st != 0) {
		lv_error(d, "genext2fs failed (%s):\n%s", lv_child_explain(&c), c.tail);
		lv_child_release(&c);
		unlink(tmp);
		return -LVE_BUILD;
	}
	lv_child_release(&c);
	unlink(log);
	if (rename(tmp, path) < 0) {
		lv_error(d, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -errno;
	}
	return 0;
}
