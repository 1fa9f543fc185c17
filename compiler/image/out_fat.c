/* The FAT writer (out_fat.h).  Layout, in 512-byte sectors: the boot
 * sector (BPB), two copies of the FAT, the root directory (512 entries),
 * then the data clusters: each directory and then its files, depth first,
 * in sorted order, every file contiguous. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "image/out_fat.h"

#define SECTOR 512u
#define ROOT_ENTRIES 512u
#define FAT12_MAX 4084u    /* more clusters than this make a volume FAT16 (spec §3.5) */
#define FAT16_MAX 65524u

struct node {
	char name[12];       /* the 11-byte 8.3 directory name */
	unsigned char ntres; /* case bits: 0x08 lowercase base, 0x10 lowercase extension */
	int is_dir;
	struct node *kids;   /* a directory's entries, sorted */
	size_t nkids;
	struct lv_buf data;  /* a file's content */
	int read;            /* data has been read (a second file of that name is an error) */
	uint32_t first, clusters;
};

/* "grubx64.efi" -> "GRUBX64 EFI" with the case bits; 0 or -EINVAL when the
 * name is not 8.3 (or mixes cases within its base or extension). */
static int short_name(const char *s, size_t len, char out[12], unsigned char *ntres)
{
	static const char ok[] = "!#$%&'()-@^_`{}~";
	const char *dot = memchr(s, '.', len);
	size_t bl = dot ? (size_t)(dot - s) : len, el = dot ? len - bl - 1 : 0;
	if (!bl || bl > 8 || el > 3 || (dot && (!el || memchr(dot + 1, '.', el))))
		return -EINVAL;
	memset(out, ' ', 11);
	out[11] = '\0';
	*ntres = 0;
	for (int part = 0; part < 2; part++) {
		const char *p = part ? dot + 1 : s;
		size_t l = part ? el : bl;
		int lower = 0, upper = 0;
		for (size_t i = 0; i < l; i++) {
			char c = p[i];
			if (c >= 'a' && c <= 'z')
				lower = 1, c = (char)(c - 'a' + 'A');
			else if (c >= 'A' && c <= 'Z')
				upper = 1;
			else if (!(c >= '0' && c <= '9') && !strchr(ok, c))
				return -EINVAL;
			out[(part ? 8 : 0) + i] = c;
		}
		if (lower && upper)
			return -EINVAL;
		if (lower)
			*ntres |= part ? 0x10 : 0x08;
	}
	return 0;
}

static struct node *child(struct node *dir, const char *name, unsigned char ntres, int is_dir)
{
	for (size_t i = 0; i < dir->nkids; i++)
		if (!strcmp(dir->kids[i].name, name))
			return dir->kids[i].is_dir == is_dir ? &dir->kids[i] : NULL;
	dir->kids = realloc(dir->kids, (dir->nkids + 1) * sizeof(*dir->kids));
	struct node *n = &dir->kids[dir->nkids++];
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name, 12);
	n->ntres = ntres;
	n->is_dir = is_dir;
	n->data.max = 1u << 30;
	return n;
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->name, ((const struct node *)b)->name);
}

static void sort_tree(struct node *dir)
{
	qsort(dir->kids, dir->nkids, sizeof(*dir->kids), cmp_node);
	for (size_t i = 0; i < dir->nkids; i++)
		if (dir->kids[i].is_dir)
			sort_tree(&dir->kids[i]);
}

static void free_tree(struct node *dir)
{
	for (size_t i = 0; i < dir->nkids; i++) {
		free_tree(&dir->kids[i]);
		lv_buf_release(&dir->kids[i].data);
	}
	free(dir->kids);
}

static uint32_t div_up(uint64_t a, uint64_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

/* Clusters the subtree needs with clusters of `cb` bytes (a directory's
 * entries plus "." and ".."). */
static uint64_t clusters_needed(const struct node *dir, uint32_t cb, int is_root)
{
	uint64_t n = is_root ? 0 : div_up((dir->nkids + 2) * 32u, cb);
	for (size_t i = 0; i < dir->nkids; i++)
		n += dir->kids[i].is_dir ? clusters_needed(&dir->kids[i], cb, 0)
					 : div_up(dir->kids[i].data.len, cb);
	return n;
}

static void allocate(struct node *dir, uint32_t cb, uint32_t *next, int is_root)
{
	if (!is_root) {
		dir->first = *next;
		dir->clusters = div_up((dir->nkids + 2) * 32u, cb);
		*next += dir->clusters;
	}
	for (size_t i = 0; i < dir->nkids; i++) {
		struct node *k = &dir->kids[i];
		if (k->is_dir) {
			allocate(k, cb, next, 0);
		} else {
			k->clusters = div_up(k->data.len, cb);
			k->first = k->clusters ? *next : 0;
			*next += k->clusters;
		}
	}
}

struct geometry {
	int fat16;
	uint32_t spc;        /* sectors per cluster */
	uint32_t count;      /* data clusters */
	uint32_t fat_sectors, total;
	uint32_t fat_at, root_at, data_at; /* sector numbers */
};

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static void fat_set(unsigned char *fat, const struct geometry *g, uint32_t n, uint32_t v)
{
	if (g->fat16) {
		put16(fat + 2 * n, v);
		return;
	}
	unsigned char *p = fat + n + n / 2;
	if (n & 1) {
		p[0] = (unsigned char)((p[0] & 0x0f) | ((v << 4) & 0xf0));
		p[1] = (unsigned char)(v >> 4);
	} else {
		p[0] = (unsigned char)v;
		p[1] = (unsigned char)((p[1] & 0xf0) | ((v >> 8) & 0x0f));
	}
}

struct stamp {
	uint16_t date, time;
};

static void entry(unsigned char *e, const char name[11], unsigned char attr, unsigned char ntres, uint32_t first,
		  uint32_t size, struct stamp st)
{
	memcpy(e, name, 11);
	e[11] = attr;
	e[12] = ntres;
	put16(e + 14, st.time);   /* created */
	put16(e + 16, st.date);
	put16(e + 18, st.date);   /* last access */
	put16(e + 22, st.time);   /* written */
	put16(e + 24, st.date);
	put16(e + 26, first & 0xffff);
	put32(e + 28, size);
}

/* Writes a directory's entries (and "." and ".." unless it is the root)
 * at `at`, then recurses; files' data and FAT chains too. */
static void emit(const struct node *dir, uint32_t parent_first, int is_root, unsigned char *img,
		 unsigned char *fat, const struct geometry *g, struct stamp st, unsigned char *at)
{
	uint32_t eoc = g->fat16 ? 0xffff : 0xfff;
	if (!is_root) {
		entry(at, ".          ", 0x10, 0, dir->first, 0, st);
		entry(at + 32, "..         ", 0x10, 0, parent_first, 0, st);
		at += 64;
	}
	for (size_t i = 0; i < dir->nkids; i++, at += 32) {
		const struct node *k = &dir->kids[i];
		entry(at, k->name, k->is_dir ? 0x10 : 0x20, k->ntres, k->first, k->is_dir ? 0 : (uint32_t)k->data.len,
		      st);
		for (uint32_t c = 0; c < k->clusters; c++)
			fat_set(fat, g, k->first + c, c + 1 < k->clusters ? k->first + c + 1 : eoc);
		unsigned char *data = k->clusters ? img + ((size_t)g->data_at + (size_t)(k->first - 2) * g->spc) * SECTOR : NULL;
		if (k->is_dir)
			emit(k, dir->first, 0, img, fat, g, st, data);
		else if (k->data.len)
			memcpy(data, k->data.p, k->data.len);
	}
}

static int geometry_for(const struct node *root, struct geometry *g)
{
	for (int fat16 = 0; fat16 < 2; fat16++)
		for (uint32_t spc = 1; spc <= 64; spc *= 2) {
			uint64_t need = clusters_needed(root, spc * SECTOR, 1);
			uint32_t max = fat16 ? FAT16_MAX : FAT12_MAX;
			if (need > max)
				continue;
			g->fat16 = fat16;
			g->spc = spc;
			/* a FAT16 volume needs more clusters than FAT12 can count */
			g->count = fat16 && need < FAT12_MAX + 1 ? FAT12_MAX + 1 : (uint32_t)(need ? need : 1);
			g->fat_sectors = div_up(fat16 ? (uint64_t)(g->count + 2) * 2 : (uint64_t)(g->count + 2) * 3 / 2 + 1,
						SECTOR);
			g->fat_at = 1;
			g->root_at = g->fat_at + 2 * g->fat_sectors;
			g->data_at = g->root_at + ROOT_ENTRIES * 32 / SECTOR;
			g->total = g->data_at + g->count * spc;
			return 0;
		}
	return -LVE_TOOBIG;
}

/* Puts one file of the list in the tree, making its directories: an error
 * names a component that is not 8.3, a name given twice (FAT names ignore
 * case) or a file that cannot be read. */
static int add_file(struct node *root, const struct lv_fat_file *f, struct lv_diags *d)
{
	struct node *dir = root;
	const char *p = f->path;
	int r;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		char name[12];
		unsigned char ntres;
		if (short_name(p, len, name, &ntres) < 0) {
			lv_error(d, "EFI system partition: '%s' is not an 8.3 name (in '%s')", p, f->path);
			return -EINVAL;
		}
		struct node *k = child(dir, name, ntres, slash != NULL);
		if (!k || (!slash && k->read)) {
			lv_error(d, "EFI system partition: '%s' names a file or directory twice "
				    "(FAT names ignore case)", f->path);
			return -EINVAL;
		}
		if (!slash) {
			k->read = 1;
			if ((r = lv_read_file(f->from, &k->data)) < 0)
				lv_error(d, "cannot read '%s' for the EFI system partition: %s", f->from,
					 lv_strerror(r));
			return r;
		}
		dir = k;
		p = slash + 1;
	}
}

/* The boot sector: BPB and extended BPB (spec §3.1, §3.2). */
static void boot_sector(unsigned char *bs, const struct geometry *g, uint32_t serial, const char label[12])
{
	memcpy(bs, "\xeb\x3c\x90" "LIVEC   ", 11);
	put16(bs + 11, SECTOR);
	bs[13] = (unsigned char)g->spc;
	put16(bs + 14, g->fat_at);         /* reserved sectors */
	bs[16] = 2;                        /* FATs */
	put16(bs + 17, ROOT_ENTRIES);
	put16(bs + 19, g->total < 65536 ? g->total : 0);
	bs[21] = 0xf8;                     /* media: fixed disk */
	put16(bs + 22, g->fat_sectors);
	put16(bs + 24, 32);                /* sectors per track and heads: a */
	put16(bs + 26, 64);                /* plausible geometry, unused by EFI */
	put32(bs + 32, g->total < 65536 ? 0 : g->total);
	bs[36] = 0x80;
	bs[38] = 0x29;
	put32(bs + 39, serial);
	memcpy(bs + 43, label, 11);
	memcpy(bs + 54, g->fat16 ? "FAT16   " : "FAT12   ", 8);
	bs[510] = 0x55;
	bs[511] = 0xaa;
}

/* One clock: the epoch, as DOS date and time (UTC, 1980 at the earliest). */
static struct stamp dos_stamp(long long epoch)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || tm.tm_year > 207) /* DOS years end in 2107 */
		tm = (struct tm){ .tm_year = 207, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23, .tm_min = 59,
				  .tm_sec = 58 };
	if (tm.tm_year < 80)
		tm = (struct tm){ .tm_year = 80, .tm_mday = 1 };
	return (struct stamp){ .date = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday),
			       .time = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2)) };
}

/* The whole volume, g->total sectors, of the sorted and allocated tree:
 * boot sector, both FATs, the root directory and the data. */
static unsigned char *render(const struct node *root, const struct geometry *g, const struct lv_fat_opts *o)
{
	unsigned char *img = calloc(1, (size_t)g->total * SECTOR);
	unsigned char *fat = img + (size_t)g->fat_at * SECTOR;
	unsigned char *rootdir = img + (size_t)g->root_at * SECTOR;
	struct stamp st = dos_stamp(o->epoch);
	char label[12];

	snprintf(label, sizeof(label), "%-11.11s", o->label ? o->label : "NO NAME");
	boot_sector(img, g, o->serial, label);
	fat_set(fat, g, 0, g->fat16 ? 0xfff8 : 0xff8);
	fat_set(fat, g, 1, g->fat16 ? 0xffff : 0xfff);
	entry(rootdir, label, 0x08, 0, 0, 0, st);  /* the volume label entry */
	emit(root, 0, 1, img, fat, g, st, rootdir + 32);
	memcpy(fat + (size_t)g->fat_sectors * SECTOR, fat, (size_t)g->fat_sectors * SECTOR);
	return img;
}

int lv_fat_write(const struct lv_fat_file *files, size_t n, const char *out, const struct lv_fat_opts *o,
		 struct lv_diags *d)
{
	struct node root = { .is_dir = 1 };
	struct geometry g;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		r = add_file(&root, &files[i], d);
	if (r == 0 && (r = geometry_for(&root, &g)) < 0)
		lv_error(d, "EFI system partition: too much for a FAT16 image");
	if (r < 0) {
		free_tree(&root);
		return r;
	}
	sort_tree(&root);
	if (root.nkids + 1 > ROOT_ENTRIES) {
		free_tree(&root);
		lv_error(d, "EFI system partition: more than %u entries in its root", ROOT_ENTRIES - 1);
		return -LVE_TOOBIG;
	}
	uint32_t next = 2;
	allocate(&root, g.spc * SECTOR, &next, 1);

	unsigned char *img = render(&root, &g, o);
	r = lv_write_atomic(out, img, (size_t)g.total * SECTOR);
	if (r < 0)
		lv_error(d, "cannot write '%s': %s", out, lv_strerror(r));
	free(img);
	free_tree(&root);
	return r;
}
