/* Reading the tree (tree.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "build/idmap.h"
#include "build/tree.h"

struct inode_key {
	dev_t dev;
	ino_t ino;
	long index;
};

struct reader {
	struct lv_tree *t;
	size_t cap;
	long long epoch;
	enum lv_tree_ids ids;
	struct inode_key *inodes;
	size_t ninodes, capinodes;
	struct lv_diags *d;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct lv_node *add(struct reader *r)
{
	if (r->t->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 4096;
		r->t->v = realloc(r->t->v, r->cap * sizeof(*r->t->v));
	}
	struct lv_node *n = &r->t->v[r->t->n++];
	memset(n, 0, sizeof(*n));
	n->hardlink = -1;
	return n;
}

/* The names in a directory, without "." and "..", sorted: host readdir
 * order never reaches the output.  *names is caller-freed (each and all). */
static int sorted_names(int dfd, char ***names, size_t *nn)
{
	DIR *dir = fdopendir(dup(dfd));
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*nn = 0;
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*nn == cap) {
			cap = cap ? 2 * cap : 64;
			*names = realloc(*names, cap * sizeof(char *));
		}
		(*names)[(*nn)++] = strdup(e->d_name);
	}
	closedir(dir);
	if (*nn) /* an empty directory has no array: qsort must not get NULL */
		qsort(*names, *nn, sizeof(char *), cmp_name);
	return 0;
}

/* A regular file with more than one link: the node becomes a member of its
 * inode's group (hardlink = the index of the first member), or starts it. */
static void link_group(struct reader *r, struct lv_node *n, long self, const struct stat *st)
{
	for (size_t k = 0; k < r->ninodes; k++)
		if (r->inodes[k].dev == st->st_dev && r->inodes[k].ino == st->st_ino) {
			n->hardlink = r->inodes[k].index;
			return;
		}
	if (r->ninodes == r->capinodes) {
		r->capinodes = r->capinodes ? 2 * r->capinodes : 64;
		r->inodes = realloc(r->inodes, r->capinodes * sizeof(*r->inodes));
	}
	r->inodes[r->ninodes++] = (struct inode_key){ st->st_dev, st->st_ino, self };
}

/* A regular file: its size, its hard-link group, its file capabilities. */
static void file_node(struct reader *r, struct lv_node *n, int dfd, const char *name, const struct stat *st)
{
	long self = (long)(n - r->t->v);
	char capv[256];

	n->type = 'f';
	n->size = (uint64_t)st->st_size;
	if (st->st_nlink > 1)
		link_group(r, n, self, st);
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t cl = fd >= 0 ? fgetxattr(fd, "security.capability", capv, sizeof(capv)) : -1;
	if (cl > 0) {
		/* as the image carries it, not naming the sandbox's root */
		cl = (ssize_t)lv_idmap_file_caps(capv, (size_t)cl);
		n->cap = malloc((size_t)cl);
		memcpy(n->cap, capv, (size_t)cl);
		n->cap_len = (size_t)cl;
	}
}

static int walk(struct reader *r, int dfd, const char *prefix);

/* Mode and owner: the ids on disk as the image's (build/idmap.h).  An id
 * outside the image's range is a file livec made with its own ids: a bug
 * to report, not an owner to publish. */
static int owner(struct lv_node *n, const struct stat *st, enum lv_tree_ids ids, struct lv_diags *d)
{
	n->mode = st->st_mode & 07777;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	if (ids == LV_TREE_IMAGE_IDS && (lv_idmap_image_id(st->st_uid, 0, &n->uid) < 0 || lv_idmap_image_id(st->st_gid, 1, &n->gid) < 0))
		return lv_error(d, "'/%s' in the tree belongs to %u:%u, outside the image's ids (%u..%u)", n->path,
				(unsigned)st->st_uid, (unsigned)st->st_gid, lv_idmap()->uid,
				lv_idmap()->uid + LV_IDMAP_COUNT - 1),
		       -ERANGE;
	return 0;
}

/* A directory: its entries follow it, read through their own fd. */
static int dir_node(struct reader *r, struct lv_node *n, int dfd, const char *name, const char *path)
{
	n->type = 'd';
	int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return -errno;
	char *sub_prefix = strdup(path);
	int rc = walk(r, sub, sub_prefix); /* n may move: add() reallocates */
	free(sub_prefix);
	close(sub);
	return rc;
}

static int link_node(struct lv_node *n, int dfd, const char *name)
{
	char target[4096];
	ssize_t l = readlinkat(dfd, name, target, sizeof(target) - 1);
	if (l < 0)
		return -errno;
	target[l] = '\0';
	n->type = 'l';
	n->link = strdup(target);
	n->mode = 0777;
	return 0;
}

/* One entry of a directory as the next node: what stat says, clamped to
 * the epoch, then what its type adds (and a directory's entries). */
static int read_entry(struct reader *r, int dfd, const char *prefix, const char *name)
{
	struct stat st;
	char *path;

	if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", name) < 0)
		abort();
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		lv_error(r->d, "cannot stat '/%s' in the tree: %s", path, strerror(errno));
		free(path);
		return -errno;
	}
	struct lv_node *n = add(r);
	n->path = path;
	if (owner(n, &st, r->ids, r->d) < 0)
		return -ERANGE;
	n->mtime = st.st_mtime < r->epoch ? (long long)st.st_mtime : r->epoch;
	if (S_ISREG(st.st_mode))
		file_node(r, n, dfd, name, &st);
	else if (S_ISDIR(st.st_mode))
		return dir_node(r, n, dfd, name, path);
	else if (S_ISLNK(st.st_mode))
		return link_node(n, dfd, name);
	else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		n->type = S_ISCHR(st.st_mode) ? 'c' : 'b';
		n->rdev_major = major(st.st_rdev);
		n->rdev_minor = minor(st.st_rdev);
	} else if (S_ISFIFO(st.st_mode))
		n->type = 'p';
	else
		n->type = 's';
	return 0;
}

static int walk(struct reader *r, int dfd, const char *prefix)
{
	char **names;
	size_t nn;
	int rc = sorted_names(dfd, &names, &nn);

	for (size_t i = 0; i < nn && rc == 0; i++)
		rc = read_entry(r, dfd, prefix, names[i]);
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return rc;
}

int lv_tree_read(const char *root, enum lv_tree_ids ids, long long epoch, struct lv_tree *t, struct lv_diags *d)
{
	struct reader r = { .t = t, .epoch = epoch, .ids = ids, .d = d };
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->root = strdup(root);
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		lv_error(d, "cannot read the tree '%s': %s", root, strerror(errno));
		return -errno;
	}
	struct lv_node *top = add(&r);
	top->path = strdup("");
	top->type = 'd';
	if (owner(top, &st, ids, d) < 0)
		return -ERANGE;
	top->mtime = st.st_mtime < epoch ? (long long)st.st_mtime : epoch;
	int rc = walk(&r, fd, "");
	free(r.inodes);
	return rc;
}

void lv_tree_release(struct lv_tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].link);
		free(t->v[i].cap);
	}
	free(t->v);
	free(t->root);
	memset(t, 0, sizeof(*t));
}

char *lv_tree_source(const struct lv_tree *t, const struct lv_node *n)
{
	char *p;
	if (asprintf(&p, "%s/%s", t->root, n->path) < 0)
		return NULL;
	return p;
}

void lv_tree_filter(const struct lv_tree *src, lv_tree_keep_fn keep, void *ud, struct lv_tree *dst)
{
	long *map = malloc((src->n + 1) * sizeof(long));
	memset(dst, 0, sizeof(*dst));
	dst->root = strdup(src->root);
	dst->v = calloc(src->n + 1, sizeof(*dst->v));
	for (size_t i = 0; i < src->n; i++) {
		map[i] = -1;
		if (i && !keep(&src->v[i], ud))
			continue;
		struct lv_node *n = &dst->v[dst->n];
		*n = src->v[i];
		n->path = strdup(src->v[i].path);
		n->link = src->v[i].link ? strdup(src->v[i].link) : NULL;
		if (src->v[i].cap) {
			n->cap = malloc(src->v[i].cap_len);
			memcpy(n->cap, src->v[i].cap, src->v[i].cap_len);
		}
		/* a group whose first member was left out: this one carries the data */
		long first = src->v[i].hardlink;
		if (first >= 0 && map[first] < 0)
			map[first] = (long)dst->n, n->hardlink = -1;
		else if (first >= 0)
			n->hardlink = map[first];
		map[i] = (long)dst->n;
		dst->n++;
	}
	free(map);
}

/* One file: owner first (chown clears setuid bits and capabilities), then
 * mode and capabilities again, time last. */
static int apply_node(int rootfd, const struct lv_node *n, size_t *stripped)
{
	const char *p = *n->path ? n->path : ".";
	struct timespec ts[2] = { { n->mtime, 0 }, { n->mtime, 0 } };
	if (fchownat(rootfd, p, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == EINVAL ? -ERANGE : -errno; /* EINVAL: not mapped here */
	/* rootless, the image's root is the user: a setuid-root program
	 * would run as the user for anyone who runs it */
	unsigned mode = n->mode;
	if (lv_idmap()->rootless && n->type == 'f' && ((n->uid == 0 && (mode & S_ISUID)) ||
						       (n->gid == 0 && (mode & S_ISGID)))) {
		mode &= ~((n->uid == 0 ? S_ISUID : 0u) | (n->gid == 0 ? S_ISGID : 0u));
		(*stripped)++;
	}
	if (n->type != 'l' && fchmodat(rootfd, p, mode, 0) < 0)
		return -errno;
	if (n->cap) {
		_cleanup_close_ int fd = openat(rootfd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fsetxattr(fd, "security.capability", n->cap, n->cap_len, 0) < 0)
			return -errno;
	}
	return utimensat(rootfd, p, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int lv_tree_apply(const struct lv_tree *t, size_t *stripped)
{
	_cleanup_close_ int rootfd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	*stripped = 0;
	if (rootfd < 0)
		return -errno;
	for (size_t i = t->n; i-- > 0;) { /* children before parents: their times stay */
		int r = apply_node(rootfd, &t->v[i], stripped);
		if (r < 0)
			return r;
	}
	return 0;
}
