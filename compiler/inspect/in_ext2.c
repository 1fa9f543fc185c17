/* ext2 read as entries (in_ext2.h).  Offsets are those of e2fsprogs'
 * ext2_fs.h (struct ext2_super_block, ext2_group_desc, ext2_inode,
 * ext2_dir_entry_2); every integer is little-endian. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "inspect/in_ext2.h"

#define EXT2_MAGIC 0xEF53
#define EXT2_ROOT_INO 2
#define INCOMPAT_FILETYPE 0x0002u   /* the only incompatible feature read */
#define ROOT_DEPTH_MAX 1024
#define DIR_MAX (64u << 20)          /* bytes of one directory */

struct ext2 {
	int fd;
	uint64_t file_size;
	uint32_t bs, ninodes, nblocks, ipg, isize, ngroups, rev;
	unsigned char *gd;           /* the group descriptors, 32 bytes each */
	unsigned char *dir_seen;     /* one bit per inode: directories walked */
	struct { uint32_t ino; char *path; } *links;  /* first name of multi-link files */
	size_t nlinks;
	const char *name;
	struct lv_diags *d;
	lv_xentry_fn fn;
	void *ud;
};

struct inode {
	uint32_t ino;
	uint16_t mode, links;
	uint32_t uid, gid, mtime, blocks, flags, file_acl;
	uint64_t size;
	uint32_t block[15];
	unsigned char raw_block[60]; /* i_block as bytes: a fast symlink's target */
};

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | le16(p + 2) << 16; }

static int bad(struct ext2 *x, const char *what)
{
	lv_error(x->d, "%s: not a readable ext2 file system: %s", x->name, what);
	return -LVE_ARCHIVE;
}

uint64_t lv_ext2_size(const unsigned char *sb)
{
	uint32_t log = le32(sb + 24);
	if (le16(sb + 56) != EXT2_MAGIC || log > 6)
		return 0;
	return (uint64_t)le32(sb + 4) * (1024u << log);
}

/* Reads len bytes at off, all inside the image. */
static int read_at(struct ext2 *x, void *buf, size_t len, uint64_t off)
{
	if (off > x->file_size || len > x->file_size - off)
		return bad(x, "a block or inode lies past the end of the image (truncated?)");
	if (pread(x->fd, buf, len, (off_t)off) != (ssize_t)len)
		return bad(x, "short read");
	return 0;
}

static int read_super(struct ext2 *x)
{
	unsigned char sb[1024];
	int r = read_at(x, sb, sizeof(sb), LV_EXT2_SB_OFFSET);
	if (r < 0)
		return r;
	uint64_t size = lv_ext2_size(sb);
	if (!size)
		return bad(x, "no ext2 superblock");
	if (size > x->file_size)
		return bad(x, "the image is shorter than its superblock says (truncated)");
	x->bs = 1024u << le32(sb + 24);
	x->nblocks = le32(sb + 4);
	x->ninodes = le32(sb + 0);
	x->ipg = le32(sb + 40);
	x->rev = le32(sb + 76);
	x->isize = x->rev >= 1 ? le16(sb + 88) : 128;
	uint32_t bpg = le32(sb + 32), first = le32(sb + 20);
	if (le32(sb + 96) & ~INCOMPAT_FILETYPE)
		return bad(x, "it uses features this reader does not know (ext3/ext4?)");
	if (!bpg || !x->ipg || x->isize < 128 || x->isize > x->bs || (x->isize & (x->isize - 1)) ||
	    first >= x->nblocks)
		return bad(x, "implausible superblock");
	x->ngroups = (x->nblocks - first + bpg - 1) / bpg;
	if ((uint64_t)x->ngroups * x->ipg < x->ninodes || (uint64_t)x->ngroups * 32 > x->file_size)
		return bad(x, "implausible superblock");
	x->gd = malloc((size_t)x->ngroups * 32);
	x->dir_seen = calloc(x->ninodes / 8 + 1, 1);
	if (!x->gd || !x->dir_seen)
		return -ENOMEM;
	return read_at(x, x->gd, (size_t)x->ngroups * 32, (uint64_t)(first + 1) * x->bs);
}

static int read_inode(struct ext2 *x, uint32_t ino, struct inode *in)
{
	unsigned char raw[128];
	if (ino < 1 || ino > x->ninodes)
		return bad(x, "an inode number out of range");
	uint32_t g = (ino - 1) / x->ipg, i = (ino - 1) % x->ipg;
	uint64_t table = le32(x->gd + (size_t)g * 32 + 8);
	int r = read_at(x, raw, sizeof(raw), table * x->bs + (uint64_t)i * x->isize);
	if (r < 0)
		return r;
	memset(in, 0, sizeof(*in));
	in->ino = ino;
	in->mode = (uint16_t)le16(raw);
	in->uid = le16(raw + 2) | le16(raw + 120) << 16;
	in->gid = le16(raw + 24) | le16(raw + 122) << 16;
	in->size = le32(raw + 4);
	if (x->rev >= 1 && (in->mode & 0xF000) == 0x8000)
		in->size |= (uint64_t)le32(raw + 108) << 32;
	in->mtime = le32(raw + 16);
	in->links = (uint16_t)le16(raw + 26);
	in->blocks = le32(raw + 28);
	in->flags = le32(raw + 32);
	in->file_acl = le32(raw + 104);
	memcpy(in->raw_block, raw + 40, 60);
	for (int k = 0; k < 15; k++)
		in->block[k] = le32(raw + 40 + 4 * k);
	return 0;
}

/* Entry idx of the indirect block blk (0: a hole). */
static int indirect(struct ext2 *x, uint32_t blk, uint64_t idx, uint32_t *out)
{
	unsigned char v[4];
	if (!blk) {
		*out = 0;
		return 0;
	}
	if (blk >= x->nblocks)
		return bad(x, "a block number out of range");
	int r = read_at(x, v, 4, (uint64_t)blk * x->bs + idx * 4);
	*out = le32(v);
	return r;
}

/* The physical block of logical block n of an inode (0: a hole). */
static int bmap(struct ext2 *x, const struct inode *in, uint64_t n, uint32_t *out)
{
	uint64_t per = x->bs / 4;
	uint32_t b;
	int r = 0;
	if (n < 12) {
		*out = in->block[n];
	} else if ((n -= 12) < per) {
		r = indirect(x, in->block[12], n, out);
	} else if ((n -= per) < per * per) {
		if ((r = indirect(x, in->block[13], n / per, &b)) == 0)
			r = indirect(x, b, n % per, out);
	} else if ((n -= per * per) < per * per * per) {
		if ((r = indirect(x, in->block[14], n / (per * per), &b)) == 0 &&
		    (r = indirect(x, b, n / per % per, &b)) == 0)
			r = indirect(x, b, n % per, out);
	} else
		return bad(x, "a file larger than its block map");
	if (r == 0 && *out >= x->nblocks)
		return bad(x, "a block number out of range");
	return r;
}

/* A file's bytes as an lv_xdata source. */
struct reader {
	struct ext2 *x;
	const struct inode *in;
	uint64_t pos;
};

static long read_file(void *src, void *buf, size_t len)
{
	struct reader *rd = src;
	struct ext2 *x = rd->x;
	uint32_t blk;
	if (rd->pos >= rd->in->size)
		return 0;
	uint64_t in_blk = rd->pos % x->bs, left = rd->in->size - rd->pos;
	size_t n = len < x->bs - in_blk ? len : (size_t)(x->bs - in_blk);
	if (n > left)
		n = (size_t)left;
	if (bmap(x, rd->in, rd->pos / x->bs, &blk) < 0)
		return -1;
	if (!blk)
		memset(buf, 0, n);
	else if (read_at(x, buf, n, (uint64_t)blk * x->bs + in_blk) < 0)
		return -1;
	rd->pos += n;
	return (long)n;
}

/* The whole content of an inode into a malloc'd, NUL-terminated buffer. */
static int read_all(struct ext2 *x, const struct inode *in, uint64_t max, char **out)
{
	struct reader rd = { x, in, 0 };
	if (in->size > max)
		return bad(x, "a directory or symlink too large");
	char *p = malloc((size_t)in->size + 1);
	if (!p)
		return -ENOMEM;
	for (uint64_t got = 0; got < in->size;) {
		long n = read_file(&rd, p + got, (size_t)(in->size - got));
		if (n <= 0) {
			free(p);
			return -LVE_ARCHIVE;
		}
		got += (uint64_t)n;
	}
	p[in->size] = '\0';
	*out = p;
	return 0;
}

static char type_of(uint16_t mode)
{
	switch (mode & 0xF000) {
	case 0x8000: return 'f';
	case 0x4000: return 'd';
	case 0xA000: return 'l';
	case 0x2000: return 'c';
	case 0x6000: return 'b';
	case 0x1000: return 'p';
	case 0xC000: return 's';
	default: return '?';
	}
}

/* A symlink's target: in i_block when it fits there and the inode has no
 * data block (ext2fs_is_fast_symlink), else in its first block. */
static int symlink_target(struct ext2 *x, const struct inode *in, char **out)
{
	uint32_t acl_blocks = in->file_acl ? x->bs / 512 : 0;
	if (in->size < sizeof(in->raw_block) && in->blocks == acl_blocks) {
		*out = strndup((const char *)in->raw_block, (size_t)in->size);
		return *out ? 0 : -ENOMEM;
	}
	return read_all(x, in, x->bs, out);
}

/* The first name of a file with several links, or NULL (and remembers
 * this one). */
static const char *first_name(struct ext2 *x, const struct inode *in, const char *path)
{
	for (size_t i = 0; i < x->nlinks; i++)
		if (x->links[i].ino == in->ino)
			return x->links[i].path;
	void *v = realloc(x->links, (x->nlinks + 1) * sizeof(*x->links));
	if (v) {
		x->links = v;
		x->links[x->nlinks].ino = in->ino;
		if ((x->links[x->nlinks].path = strdup(path)))
			x->nlinks++;
	}
	return NULL;
}

/* Gives one inode to the callback under path. */
static int emit(struct ext2 *x, const struct inode *in, const char *path)
{
	struct reader rd = { x, in, 0 };
	struct lv_xdata data = { read_file, &rd };
	_cleanup_free_ char *target = NULL;
	struct lv_xentry e = { .path = path, .type = type_of(in->mode), .mode = in->mode & 07777u,
			       .uid = in->uid, .gid = in->gid, .mtime = in->mtime };
	int r;

	if (e.type == 'f' && in->links > 1 && (e.link = first_name(x, in, path)))
		e.type = 'h';
	else if (e.type == 'f')
		e.size = in->size;
	if (e.type == 'l' && (r = symlink_target(x, in, &target)) < 0)
		return r;
	if (e.type == 'l')
		e.link = target;
	if (e.type == 'c' || e.type == 'b') {
		/* old encoding in i_block[0], else the new one in i_block[1] */
		uint32_t v = in->block[0] ? in->block[0] : in->block[1];
		e.rdev_major = in->block[0] ? (v >> 8) & 0xff : (v & 0xfff00) >> 8;
		e.rdev_minor = in->block[0] ? v & 0xff : (v & 0xff) | ((v >> 12) & 0xfff00);
	}
	return x->fn(&e, &data, x->ud);
}

static int walk(struct ext2 *x, const struct inode *dir, const char *path, int depth);

/* One directory record: its inode, given and (a directory) walked. */
static int visit(struct ext2 *x, uint32_t ino, const char *name, size_t len, const char *path, int depth)
{
	struct inode in;
	if (memchr(name, '/', len) || memchr(name, '\0', len))
		return bad(x, "a name with '/' or NUL in it");
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	size_t plen = strlen(path);
	_cleanup_free_ char *child = malloc(plen + len + 2);
	if (!child)
		return -ENOMEM;
	memcpy(child, path, plen);
	child[plen] = '/';
	memcpy(child + plen + !!plen, name, len);
	child[plen + !!plen + len] = '\0';
	int r = read_inode(x, ino, &in);
	if (r == 0)
		r = emit(x, &in, child);
	if (r == 0 && type_of(in.mode) == 'd')
		r = walk(x, &in, child, depth + 1);
	return r;
}

/* The records of a directory, block by block; each record stays inside
 * its block (ext2_dir_entry_2: inode, rec_len, name_len, file_type). */
static int walk(struct ext2 *x, const struct inode *dir, const char *path, int depth)
{
	_cleanup_free_ char *data = NULL;
	if (depth > ROOT_DEPTH_MAX || (x->dir_seen[dir->ino / 8] & (1u << dir->ino % 8)))
		return bad(x, "a directory inside itself (a loop)");
	x->dir_seen[dir->ino / 8] |= (unsigned char)(1u << dir->ino % 8);
	int r = read_all(x, dir, DIR_MAX, &data);
	for (uint64_t off = 0; r == 0 && off < dir->size;) {
		const unsigned char *p = (const unsigned char *)data + off;
		if (dir->size - off < 8)
			return bad(x, "a damaged directory record");
		uint32_t rec = le16(p + 4), nlen = p[6];
		uint64_t blk_end = (off / x->bs + 1) * x->bs;
		if (rec < 8 || rec % 4 || off + rec > blk_end || off + rec > dir->size || nlen + 8 > rec)
			return bad(x, "a damaged directory record");
		if (le32(p))
			r = visit(x, le32(p), (const char *)p + 8, nlen, path, depth);
		off += rec;
	}
	return r;
}

static void release(struct ext2 *x)
{
	for (size_t i = 0; i < x->nlinks; i++)
		free(x->links[i].path);
	free(x->links);
	free(x->gd);
	free(x->dir_seen);
	if (x->fd >= 0)
		close(x->fd);
}

int lv_ext2_each(const char *path, const char *name, lv_xentry_fn fn, void *ud, struct lv_diags *d)
{
	struct ext2 x = { .fd = open(path, O_RDONLY | O_CLOEXEC), .name = name, .d = d, .fn = fn, .ud = ud };
	struct stat st;
	struct inode root;
	int r;

	if (x.fd < 0 || fstat(x.fd, &st) < 0) {
		r = -errno;
		lv_error(d, "cannot read '%s': %s", name, strerror(-r));
	} else {
		x.file_size = (uint64_t)st.st_size;
		r = read_super(&x);
	}
	if (r == 0)
		r = read_inode(&x, EXT2_ROOT_INO, &root);
	if (r == 0 && type_of(root.mode) != 'd')
		r = bad(&x, "the root is not a directory");
	if (r == 0)
		r = emit(&x, &root, "");
	if (r == 0)
		r = walk(&x, &root, "", 0);
	release(&x);
	return r;
}
