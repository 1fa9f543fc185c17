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

static int walk(struct reader *r, int dfd, const char *prefix)
{
	DIR *dir = fdopendir(dup(dfd));
	struct dirent *e;
	char **names = NULL;
	size_t nn = 0, cap = 0;
	int rc = 0;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (nn == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(char *));
		}
		names[nn++] = strdup(e->d_name);
	}
	closedir(dir);
	/* host readdir order never reaches the output */
	qsort(names, nn, sizeof(char *), cmp_name);
	for (size_t i = 0; i < nn && rc == 0; i++) {
		struct stat st;
		char *path;
		if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", names[i]) < 0)
			abort();
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			lv_error(r->d, "cannot stat '/%s' in the tree: %s", path, strerror(errno));
			free(path);
			rc = -errno;
			break;
		}
		struct lv_node *n = add(r);
		long self = (long)(n - r->t->v);
		n->path = path;
		n->mode = st.st_mode & 07777;
		n->uid = st.st_uid;
		n->gid = st.st_gid;
		n->mtime = st.st_mtime < r->epoch ? (long long)st.st_mtime : r->epoch;
		if (S_ISREG(st.st_mode)) {
			n->type = 'f';
			n->size = (uint64_t)st.st_size;
			if (st.st_nlink > 1) {
				for (size_t k = 0; k < r->ninodes; k++)
					if (r->inodes[k].dev == st.st_dev && r->inodes[k].ino == st.st_ino) {
						n->hardlink = r->inodes[k].index;
						break;
					}
				if (n->hardlink < 0) {
					if (r->ninodes == r->capinodes) {
						r->capinodes = r->capinodes ? 2 * r->capinodes : 64;
						r->inodes = realloc(r->inodes, r->capinodes * sizeof(*r->inodes));
					}
					r->inodes[r->ninodes++] = (struct inode_key){ st.st_dev, st.st_ino, self };
				}
			}
			char capv[256];
			_cleanup_close_ int fd = openat(dfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			ssize_t cl = fd >= 0 ? fgetxattr(fd, "security.capability", capv, sizeof(capv)) : -1;
			if (cl > 0) {
				n->cap = malloc((size_t)cl);
				memcpy(n->cap, capv, (size_t)cl);
				n->cap_len = (size_t)cl;
			}
		} else if (S_ISDIR(st.st_mode)) {
			n->type = 'd';
			int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				rc = -errno;
				break;
			}
			char *sub_prefix = strdup(path);
			rc = walk(r, sub, sub_prefix);
			free(sub_prefix);
			close(sub);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t l = readlinkat(dfd, names[i], target, sizeof(target) - 1);
			if (l < 0) {
				rc = -errno;
				break;
			}
			target[l] = '\0';
			n->type = 'l';
			n->link = strdup(target);
			n->mode = 0777;
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			n->type = S_ISCHR(st.st_mode) ? 'c' : 'b';
			n->rdev_major = major(st.st_rdev);
			n->rdev_minor = minor(st.st_rdev);
		} else if (S_ISFIFO(st.st_mode))
			n->type = 'p';
		else
			n->type = 's';
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return rc;
}

int lv_tree_read(const char *root, long long epoch, struct lv_tree *t, struct lv_diags *d)
{
	struct reader r = { .t = t, .epoch = epoch, .d = d };
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
	top->mode = st.st_mode & 07777;
	top->uid = st.st_uid;
	top->gid = st.st_gid;
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
