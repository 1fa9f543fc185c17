/* A livec medium taken apart (medium.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "image/cloopfmt.h"
#include "inspect/in_archive.h"
#include "inspect/in_ext2.h"
#include "inspect/medium.h"

enum { L = LV_MEDIUM_LAYERS, T = LV_MEDIUM_TREE, K = LV_MEDIUM_LOCK, S = LV_MEDIUM_SBOM, ALL = L | T | K | S };

/* The files of a medium (docs/live.md) that inspect reads. */
static const struct part {
	const char *path;
	unsigned keep;   /* the wants that read it: copied to the scratch directory */
	unsigned need;   /* the wants for which a medium without it is an error */
	int layer;       /* hashed as a layer (image.c publishes all but the kernel) */
} parts[] = {
	{ "LIVEC/ID", ALL, ALL, 0 },
	{ "LIVEC/buildinfo", L, 0, 0 },
	{ "LIVEC/livec.lock", L | K, L | K, 0 },
	{ "LIVEC/manifest.yaml", L, 0, 0 },
	{ "LIVEC/licenses/sbom.spdx.json", S, L | S, 1 },
	{ "LIVEC/LIVEC", L | T, L | T, 1 },
	{ "LIVEC/root_fs.tgz", T, L | T, 1 },
	{ "boot/initrd.gz", L | T, L | T, 1 },
	{ "boot/vmlinuz", L, L, 1 },
	{ "boot/isolinux/isolinux.cfg", L, 0, 0 },
	{ "boot/grub/grub.cfg", L, 0, 0 },
};

/* The largest inner file system unpacked: cloop blocks of zeros compress
 * about a thousandfold, so a small crafted image could claim terabytes. */
#define INNER_MAX (64ull << 30)

/* ISO 9660 (ECMA-119 §8.4): the primary volume descriptor at sector 16. */
#define PVD_OFFSET 32768
#define PVD_END (PVD_OFFSET + 2048)

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | le16(p + 2) << 16; }
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static int part_index(const char *path)
{
	for (size_t i = 0; i < LV_ARRAY_SIZE(parts); i++)
		if (!strcmp(parts[i].path, path))
			return (int)i;
	return -1;
}

static char *scratch_path(const struct lv_medium *m, int i)
{
	char name[32];
	snprintf(name, sizeof(name), "part%d", i);
	return lv_path_join(m->scratch, name);
}

char *lv_medium_file(const struct lv_medium *m, const char *path_on_medium)
{
	int i = part_index(path_on_medium);
	char *p = i >= 0 && m->scratch ? scratch_path(m, i) : NULL;
	if (p && !lv_exists(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static int add_layer(struct lv_medium *m, const char *layer, uint64_t size, const char *hex)
{
	struct lv_layer *v = realloc(m->layers, (m->nlayers + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->layers = v;
	struct lv_layer *l = &m->layers[m->nlayers];
	if (asprintf(&l->name, "%s%s%s", m->name, layer ? ":" : "", layer ? layer : "") < 0)
		return -ENOMEM;
	l->size = size;
	snprintf(l->sha256, sizeof(l->sha256), "%s", hex);
	m->nlayers++;
	return 0;
}

/* The ISO 9660 image: a primary volume descriptor, and a file at least as
 * long as the volume space it declares (ECMA-119 §8.4.8, §8.4.12). */
static int check_iso(const struct lv_medium *m, struct lv_diags *d)
{
	unsigned char pvd[2048];
	struct stat st;
	_cleanup_close_ int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = -errno;
		lv_error(d, "cannot open '%s': %s", m->path, strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode) || pread(fd, pvd, sizeof(pvd), PVD_OFFSET) != (ssize_t)sizeof(pvd) ||
	    pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5)) {
		lv_error(d, "'%s' is not an ISO 9660 image (no primary volume descriptor at byte %d)", m->path,
			 PVD_OFFSET);
		return -LVE_ARCHIVE;
	}
	uint64_t volume = (uint64_t)le32(pvd + 80) * le16(pvd + 128);
	if ((uint64_t)st.st_size < volume) {
		lv_error(d, "'%s' is truncated: its ISO 9660 volume has %llu bytes, the file %llu", m->path,
			 (unsigned long long)volume, (unsigned long long)st.st_size);
		return -LVE_ARCHIVE;
	}
	return 0;
}

struct pass {
	struct lv_medium *m;
	unsigned want;
	struct lv_diags *d;
};

/* Copies one file of the medium to the scratch directory (keep) and/or
 * hashes it as a layer (hash). */
static int copy_part(struct pass *p, int i, const struct lv_xentry *e, struct lv_xdata *data, int keep, int hash)
{
	_cleanup_free_ char *out = keep ? scratch_path(p->m, i) : NULL;
	_cleanup_close_ int fd = keep ? open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
	struct lv_sha256 sha;
	char buf[65536], hex[LV_SHA256_HEX];
	uint64_t total = 0;
	long n;

	if (keep && fd < 0) {
		int r = -errno;
		lv_error(p->d, "cannot write '%s': %s", out, strerror(-r));
		return r;
	}
	lv_sha256_init(&sha);
	while ((n = data->read(data->src, buf, sizeof(buf))) > 0) {
		if (hash)
			lv_sha256_update(&sha, buf, (size_t)n);
		if (keep && write(fd, buf, (size_t)n) != n) {
			lv_error(p->d, "cannot write '%s' (is $TMPDIR full?)", out);
			return -EIO;
		}
		total += (uint64_t)n;
	}
	if (n < 0)
		return -LVE_ARCHIVE;
	if (total != e->size) {
		lv_error(p->d, "%s: '%s' has %llu of its %llu bytes (truncated?)", p->m->name, e->path,
			 (unsigned long long)total, (unsigned long long)e->size);
		return -LVE_ARCHIVE;
	}
	lv_sha256_hex(&sha, hex);
	return hash ? add_layer(p->m, e->path, total, hex) : 0;
}

static int take(const struct lv_xentry *e, struct lv_xdata *data, void *ud)
{
	struct pass *p = ud;
	int i = part_index(e->path);
	if (i < 0 || e->type != 'f')
		return 0;
	if (p->m->found & (1u << i)) {
		lv_error(p->d, "%s: '%s' is on the medium twice", p->m->name, e->path);
		return -LVE_ARCHIVE;
	}
	p->m->found |= 1u << i;
	int keep = (parts[i].keep & p->want) != 0, hash = parts[i].layer && (p->want & LV_MEDIUM_LAYERS);
	return keep || hash ? copy_part(p, i, e, data, keep, hash) : 0;
}

/* /LIVEC/ID first (what makes a livec medium), then what the wants need. */
static int check_parts(struct lv_medium *m, unsigned want, struct lv_diags *d)
{
	struct lv_buf id = { .max = 4096 };
	_cleanup_free_ char *idpath = lv_medium_file(m, "LIVEC/ID");
	if (!idpath || lv_read_file(idpath, &id) < 0 || !id.p) {
		lv_buf_release(&id);
		lv_error(d, "'%s' is not a livec medium: it has no /LIVEC/ID (docs/live.md)", m->path);
		return -LVE_ARCHIVE;
	}
	snprintf(m->id, sizeof(m->id), "%.*s", (int)strcspn(id.p, "\r\n"), id.p);
	lv_buf_release(&id);
	int r = 0;
	for (size_t i = 0; i < LV_ARRAY_SIZE(parts); i++)
		if ((parts[i].need & want) && !(m->found & (1u << i))) {
			lv_error(d, "'%s' has no /%s: a livec medium has one (docs/live.md)", m->path, parts[i].path);
			r = -LVE_ARCHIVE;
		}
	return r;
}

static int hash_range(int fd, uint64_t off, uint64_t len, char hex[LV_SHA256_HEX])
{
	struct lv_sha256 sha;
	char buf[65536];
	lv_sha256_init(&sha);
	while (len > 0) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		if (pread(fd, buf, n, (off_t)off) != (ssize_t)n)
			return -EIO;
		lv_sha256_update(&sha, buf, n);
		off += n;
		len -= n;
	}
	lv_sha256_hex(&sha, hex);
	return 0;
}

/* The EFI system partition in the GPT (UEFI 2.10 §5.3: the header at LBA
 * 1, then its partition entries): 1 and its byte range, 0 when there is
 * none, -1 when the file ends before it does. */
static int gpt_esp(int fd, uint64_t file_size, uint64_t *off, uint64_t *len)
{
	static const unsigned char esp_type[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
						    0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };
	unsigned char h[92], ent[48];
	if (pread(fd, h, sizeof(h), 512) != (ssize_t)sizeof(h) || memcmp(h, "EFI PART", 8))
		return 0;
	uint64_t lba = le64(h + 72);
	uint32_t n = le32(h + 80), size = le32(h + 84);
	if (size < 128 || n > 4096 || lba > file_size / 512)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		if (pread(fd, ent, sizeof(ent), (off_t)(lba * 512 + (uint64_t)i * size)) != (ssize_t)sizeof(ent))
			return -1;
		uint64_t first = le64(ent + 32), last = le64(ent + 40);
		if (memcmp(ent, esp_type, 16) || last < first)
			continue;
		*off = first * 512;
		*len = (last - first + 1) * 512;
		return first > file_size / 512 || *len > file_size - *off ? -1 : 1;
	}
	return 0;
}

/* efi.img: the ESP as long as its FAT says (bytes per sector times total
 * sectors, FAT boot sector offsets 11, 19 and 32); the partition is
 * padded past it. */
static int esp_layer(struct lv_medium *m, struct lv_diags *d)
{
	_cleanup_close_ int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char bs[64];
	uint64_t off, len;
	char hex[LV_SHA256_HEX];
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	int found = gpt_esp(fd, (uint64_t)st.st_size, &off, &len);
	if (found < 0) {
		lv_error(d, "'%s' is truncated: its EFI system partition ends past the end of the file", m->path);
		return -LVE_ARCHIVE;
	}
	if (!found)
		return 0;
	if (pread(fd, bs, sizeof(bs), (off_t)off) == (ssize_t)sizeof(bs)) {
		uint32_t bps = le16(bs + 11), total = le16(bs + 19) ? le16(bs + 19) : le32(bs + 32);
		if (bps >= 512 && bps <= 4096 && !(bps & (bps - 1)) && total && (uint64_t)bps * total <= len)
			len = (uint64_t)bps * total;
	}
	if (hash_range(fd, off, len, hex) < 0) {
		lv_error(d, "cannot read the EFI system partition of '%s'", m->path);
		return -EIO;
	}
	return add_layer(m, "efi.img", len, hex);
}

struct cloop {
	int fd;
	struct lv_cloop_index ix;
	struct lv_cloop_decoder dec;
	unsigned char *in, *out;
};

/* Block i, decoded into c->out. */
static int cloop_block(struct cloop *c, uint32_t i)
{
	size_t len = (size_t)(c->ix.off[i + 1] - c->ix.off[i]);
	if (pread(c->fd, c->in, len, (off_t)c->ix.off[i]) != (ssize_t)len)
		return -1;
	return lv_cloop_decode(&c->dec, c->ix.kind[i], c->in, len, c->out, c->ix.block_size);
}

/* The inner file system's kind and size, from its first 34 KiB: the ISO
 * 9660 volume space size, or the ext2 block count. */
static int inner_kind(struct lv_medium *m, struct cloop *c, uint64_t *size, struct lv_diags *d)
{
	unsigned char head[PVD_END];
	size_t have = 0;
	for (uint32_t i = 0; have < sizeof(head) && i < c->ix.num_blocks; i++) {
		if (cloop_block(c, i) < 0)
			return -1;
		size_t n = sizeof(head) - have < c->ix.block_size ? sizeof(head) - have : c->ix.block_size;
		memcpy(head + have, c->out, n);
		have += n;
	}
	*size = 0;
	if (have == sizeof(head) && head[PVD_OFFSET] == 1 && !memcmp(head + PVD_OFFSET + 1, "CD001", 5)) {
		strcpy(m->inner_type, "iso9660");
		*size = (uint64_t)le32(head + PVD_OFFSET + 80) * le16(head + PVD_OFFSET + 128);
	} else if (have >= LV_EXT2_SB_OFFSET + 1024 && (*size = lv_ext2_size(head + LV_EXT2_SB_OFFSET)))
		strcpy(m->inner_type, "ext2");
	if (!*size) {
		lv_error(d, "%s: LIVEC/LIVEC holds neither an ISO 9660 nor an ext2 file system", m->name);
		return -LVE_ARCHIVE;
	}
	if (*size > INNER_MAX) {
		lv_error(d, "%s: the file system in LIVEC/LIVEC claims %llu bytes, more than inspect unpacks (%llu)",
			 m->name, (unsigned long long)*size, INNER_MAX);
		return -LVE_TOOBIG;
	}
	if (*size > (uint64_t)c->ix.block_size * c->ix.num_blocks) {
		lv_error(d, "%s: the file system in LIVEC/LIVEC is larger than the cloop image (truncated)", m->name);
		return -LVE_ARCHIVE;
	}
	return 0;
}

/* Decodes every block up to the file system's size: its hash, and with
 * out >= 0 its bytes. */
static int cloop_stream(struct cloop *c, uint64_t size, int out, char hex[LV_SHA256_HEX])
{
	struct lv_sha256 sha;
	lv_sha256_init(&sha);
	for (uint64_t i = 0, pos = 0; pos < size; i++, pos += c->ix.block_size) {
		size_t n = size - pos < c->ix.block_size ? (size_t)(size - pos) : c->ix.block_size;
		if (cloop_block(c, (uint32_t)i) < 0)
			return -1;
		lv_sha256_update(&sha, c->out, n);
		if (out >= 0 && write(out, c->out, n) != (ssize_t)n)
			return -EIO;
	}
	lv_sha256_hex(&sha, hex);
	return 0;
}

static int cloop_open(struct lv_medium *m, struct cloop *c, struct lv_diags *d)
{
	_cleanup_free_ char *path = lv_medium_file(m, "LIVEC/LIVEC");
	const char *why = "cannot read it";
	uint64_t bad_block = 0;
	struct stat st;
	c->fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (c->fd < 0 || fstat(c->fd, &st) < 0 || lv_cloop_index_read(c->fd, (uint64_t)st.st_size, &c->ix, &why,
								       &bad_block) < 0) {
		lv_error(d, "%s: LIVEC/LIVEC: %s", m->name, why);
		return -LVE_ARCHIVE;
	}
	memcpy(m->cloop_version, c->ix.version, 3);
	m->cloop_block_size = c->ix.block_size;
	m->cloop_blocks = c->ix.num_blocks;
	c->in = malloc(lv_cloop_max_block(c->ix.block_size));
	c->out = malloc(c->ix.block_size);
	return c->in && c->out ? 0 : -ENOMEM;
}

/* The inner file system: its layer checksum, and with LV_MEDIUM_TREE its
 * bytes in the scratch directory (m->inner). */
static int unpack_cloop(struct lv_medium *m, unsigned want, struct lv_diags *d)
{
	struct cloop c = { .fd = -1 };
	_cleanup_close_ int out = -1;
	char hex[LV_SHA256_HEX];
	uint64_t size;
	int r = cloop_open(m, &c, d);
	if (r == 0 && (r = inner_kind(m, &c, &size, d)) == -1)
		lv_error(d, "%s: LIVEC/LIVEC: a damaged block", m->name);
	if (r == 0 && (want & LV_MEDIUM_TREE)) {
		m->inner = lv_path_join(m->scratch, "inner.img");
		out = open(m->inner, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		r = out < 0 ? -errno : 0;
	}
	if (r == 0 && (r = cloop_stream(&c, size, out, hex)) == -1)
		lv_error(d, "%s: LIVEC/LIVEC: a damaged block", m->name);
	if (r == 0 && (want & LV_MEDIUM_LAYERS))
		r = add_layer(m, "LIVEC/LIVEC:inner", size, hex);
	lv_cloop_decoder_free(&c.dec);
	lv_cloop_index_free(&c.ix);
	free(c.in);
	free(c.out);
	if (c.fd >= 0)
		close(c.fd);
	return r == -1 ? -LVE_ARCHIVE : r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct lv_layer *)a)->name, ((const struct lv_layer *)b)->name);
}

static int whole_layer(struct lv_medium *m, struct lv_diags *d)
{
	char hex[LV_SHA256_HEX];
	uint64_t size;
	int r = lv_sha256_file(m->path, hex, &size);
	if (r < 0)
		lv_error(d, "cannot read '%s': %s", m->path, lv_strerror(r));
	return r < 0 ? r : add_layer(m, NULL, size, hex);
}

int lv_medium_read(const char *iso, unsigned want, struct lv_medium *m, struct lv_diags *d)
{
	const char *tmp = getenv("TMPDIR");
	struct pass p = { m, want, d };
	int r;

	memset(m, 0, sizeof(*m));
	m->path = strdup(iso);
	m->name = lv_basename(iso);
	if ((r = check_iso(m, d)) < 0)
		return r;
	tmp = tmp && *tmp ? tmp : "/tmp";
	if (asprintf(&m->scratch, "%s/livec-inspect-XXXXXX", tmp) < 0 || !mkdtemp(m->scratch)) {
		r = -errno;
		lv_error(d, "cannot make a scratch directory in '%s': %s", tmp, strerror(-r));
		free(m->scratch);
		m->scratch = NULL;
		return r;
	}
	r = lv_archive_each(iso, m->name, LV_XFORMAT_ISO9660, take, &p, d);
	if (r == 0)
		r = check_parts(m, want, d);
	if (r == 0 && (want & LV_MEDIUM_LAYERS) && (r = whole_layer(m, d)) == 0)
		r = esp_layer(m, d);
	if (r == 0 && (want & (LV_MEDIUM_LAYERS | LV_MEDIUM_TREE)))
		r = unpack_cloop(m, want, d);
	if (m->nlayers)
		qsort(m->layers, m->nlayers, sizeof(*m->layers), by_name);
	return r;
}

void lv_medium_release(struct lv_medium *m)
{
	if (m->scratch)
		lv_remove_tree(m->scratch);
	for (size_t i = 0; i < m->nlayers; i++)
		free(m->layers[i].name);
	free(m->layers);
	free(m->scratch);
	free(m->inner);
	free(m->path);
	free(m->name);
	memset(m, 0, sizeof(*m));
}
