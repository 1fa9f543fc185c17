/* Tree copies (clone.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "build/clone.h"

/* Hard links already copied: (dev, ino) -> path below dst. */
struct link {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct clone {
	int srcroot, dstroot;
	struct link *links;
	size_t nlinks;
	struct lv_clone_stats *st;
	struct lv_diags *d;
};

/* The extended attributes of src's entry onto dst's (after the owner:
 * chown clears security.capability). */
static int copy_xattrs(const char *src, const char *dst)
{
	ssize_t n = llistxattr(src, NULL, 0);
	if (n <= 0)
		return n == 0 || errno == ENOTSUP ? 0 : -errno;
	_cleanup_free_ char *list = malloc((size_t)n);
	if (!list || (n = llistxattr(src, list, (size_t)n)) < 0)
		return list ? -errno : -ENOMEM;
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t vl = lgetxattr(src, k, NULL, 0);
		_cleanup_free_ char *val = vl >= 0 ? malloc((size_t)vl + 1) : NULL;
		if (!val || (vl = lgetxattr(src, k, val, (size_t)vl)) < 0 || lsetxattr(dst, k, val, (size_t)vl, 0) < 0)
			return val ? -errno : -ENOMEM;
	}
	return 0;
}

static int copy_data(int in, int out, off_t size, struct lv_clone_stats *st)
{
	if (ioctl(out, FICLONE, in) == 0) {
		st->reflinked++;
		return 0;
	}
	for (off_t left = size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP)) {
			char buf[65536];
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, (size_t)n) != n)
				return -EIO;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		left -= n;
	}
	return 0;
}

/* "/proc/self/fd/N/NAME": a path for the *xattr calls, which have no *at
 * form, that resolves through the directory already opened. */
static void fd_path(char *buf, size_t n, int dirfd, const char *name)
{
	snprintf(buf, n, "/proc/self/fd/%d/%s", dirfd, name);
}

static int clone_dir(struct clone *c, int sfd, int dfd, const char *rel);

static int clone_entry(struct clone *c, int sfd, int dfd, const char *name, const char *rel)
{
	struct stat st;
	char sp[4400], dp[4400], path[4096];
	int r = 0;
	snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", name);
	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < c->nlinks; i++)
			if (c->links[i].dev == st.st_dev && c->links[i].ino == st.st_ino)
				return linkat(c->dstroot, c->links[i].path, dfd, name, 0) < 0 ? -errno : 0;
		struct link *nl = realloc(c->links, (c->nlinks + 1) * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		c->links = nl;
		c->links[c->nlinks++] = (struct link){ st.st_dev, st.st_ino, strdup(path) };
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dfd, name, 0700) < 0)
			return -errno;
		_cleanup_close_ int s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d2 = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s2 < 0 || d2 < 0)
			return -errno;
		if ((r = clone_dir(c, s2, d2, path)) < 0)
			return r;
	} else if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || out < 0)
			return -errno;
		if ((r = copy_data(in, out, st.st_size, c->st)) < 0)
			return r;
		c->st->files++;
		c->st->bytes += (unsigned long long)st.st_size;
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			return -errno;
	} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
		/* a socket too: the tree reader keeps what the tree has */
		if (mknodat(dfd, name, st.st_mode, st.st_rdev) < 0)
			return -errno;
	} else
		return -EINVAL;
	/* owner, then mode (chown clears setuid), then attributes, then times */
	if (fchownat(dfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st.st_mode) && fchmodat(dfd, name, st.st_mode & 07777, 0) < 0)
		return -errno;
	fd_path(sp, sizeof(sp), sfd, name);
	fd_path(dp, sizeof(dp), dfd, name);
	if ((r = copy_xattrs(sp, dp)) < 0)
		return r;
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	return utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int clone_dir(struct clone *c, int sfd, int dfd, const char *rel)
{
	int fd = dup(sfd);
	DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int r = 0;
	if (!dh) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (r == 0 && (errno = 0, e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    (r = clone_entry(c, sfd, dfd, e->d_name, rel)) < 0 && r != -ECANCELED)
			lv_error(c->d, "cannot copy '%s%s%s' of the tree: %s", rel, *rel ? "/" : "", e->d_name,
				 strerror(-r));
	if (r == 0 && errno) {
		r = -errno;
		lv_error(c->d, "cannot read the directory '%s' of the tree: %s", *rel ? rel : "/", strerror(-r));
	}
	closedir(dh);
	return r < 0 ? -ECANCELED : 0; /* reported once, where it happened */
}

int lv_tree_clone(const char *src, const char *dst, struct lv_clone_stats *st, struct lv_diags *d)
{
	struct lv_clone_stats none;
	struct clone c = { .st = st ? st : &none, .d = d };
	struct stat s;
	int r;
	memset(c.st, 0, sizeof(*c.st));
	c.srcroot = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.srcroot < 0 || fstat(c.srcroot, &s) < 0 || mkdir(dst, 0700) < 0) {
		r = -errno;
		lv_error(d, "cannot copy the tree '%s' to '%s': %s", src, dst, strerror(-r));
		if (c.srcroot >= 0)
			close(c.srcroot);
		return r;
	}
	c.dstroot = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = c.dstroot < 0 ? -errno : clone_dir(&c, c.srcroot, c.dstroot, "");
	if (r == 0) {
		struct timespec ts[2] = { s.st_atim, s.st_mtim };
		if (fchown(c.dstroot, s.st_uid, s.st_gid) < 0 || fchmod(c.dstroot, s.st_mode & 07777) < 0 ||
		    futimens(c.dstroot, ts) < 0)
			r = -errno;
		if (r < 0)
			lv_error(d, "cannot copy the root of the tree '%s': %s", src, strerror(-r));
	} else if (r != -ECANCELED)
		lv_error(d, "cannot copy the tree '%s' to '%s': %s", src, dst, strerror(-r));
	for (size_t i = 0; i < c.nlinks; i++)
		free(c.links[i].path);
	free(c.links);
	close(c.srcroot);
	if (c.dstroot >= 0)
		close(c.dstroot);
	return r == -ECANCELED ? -EIO : r;
}

int lv_file_clone(const char *src, const char *dst, mode_t mode)
{
	struct lv_clone_stats st;
	struct stat s;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", dst, (long)getpid());
	_cleanup_close_ int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	int r = in < 0 || out < 0 || fstat(in, &s) < 0 ? -errno : 0;
	if (r == 0 && !S_ISREG(s.st_mode))
		r = -EINVAL;
	if (r == 0)
		r = copy_data(in, out, s.st_size, &st);
	if (r == 0 && (fchmod(out, mode) < 0 || rename(tmp, dst) < 0))
		r = -errno;
	if (r < 0 && out >= 0)
		unlink(tmp);
	return r;
}
