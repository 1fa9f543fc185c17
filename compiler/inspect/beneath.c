/* A tree confined beneath one directory (beneath.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/inroot.h"
#include "base/fsutil.h"
#include "inspect/beneath.h"

struct lv_beneath_dir {
	char *path;
	unsigned mode;
	long long mtime;
	int has_time;
};

int lv_beneath_check(const char *path)
{
	if (!*path)
		return 0;
	if (path[0] == '/')
		return -EPERM;
	for (const char *p = path;;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return -EPERM;
		if (!e)
			return 0;
		p = e + 1;
	}
}

/* path (a directory, "" for the top) beneath b's directory, never through
 * a symlink, as an fd with flags; -errno. */
static int open_beneath(const struct lv_beneath *b, const char *path, int flags)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC),
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, b->dirfd, *path ? path : ".", &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

static int refuse(struct lv_beneath *b, const char *path, const char *why)
{
	lv_error(b->d, "refusing '%s' in %s: %s", path, b->source ? b->source : "the medium", why);
	return -LVE_ARCHIVE;
}

static int failed(struct lv_beneath *b, const char *path, int err)
{
	lv_error(b->d, "cannot write '%s' under '%s': %s", path, b->dir, strerror(-err));
	return err;
}

static int remember_dir(struct lv_beneath *b, const char *path, unsigned mode, long long mtime, int has_time)
{
	for (size_t i = b->ndirs; i-- > 0;)
		if (!strcmp(b->dirs[i].path, path)) {
			b->dirs[i] = (struct lv_beneath_dir){ b->dirs[i].path, mode, mtime, has_time };
			return 0;
		}
	if (b->ndirs == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct lv_beneath_dir *v = realloc(b->dirs, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		b->dirs = v;
		b->cap = cap;
	}
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	b->dirs[b->ndirs++] = (struct lv_beneath_dir){ p, mode, mtime, has_time };
	return 0;
}

/* Makes the missing directories of dir (a medium that lists a file before
 * its directory), mode 0755 unless an entry for them comes later. */
static int make_dirs(struct lv_beneath *b, const char *dir)
{
	_cleanup_free_ char *p = strdup(dir);
	if (!p)
		return -ENOMEM;
	for (char *s = p;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		const char *slash = strrchr(p, '/');
		_cleanup_free_ char *up = slash ? strndup(p, (size_t)(slash - p)) : strdup("");
		_cleanup_close_ int fd = up ? open_beneath(b, up, O_PATH | O_DIRECTORY) : -ENOMEM;
		if (fd < 0)
			return fd;
		if (mkdirat(fd, slash ? slash + 1 : p, 0700) == 0) {
			int r = remember_dir(b, p, 0755, 0, 0);
			if (r < 0)
				return r;
		} else if (errno != EEXIST)
			return -errno;
		*s = c;
		if (!c)
			return 0;
	}
}

/* The parent directory of path as an O_PATH fd (made when missing); *base
 * is the last component. */
static int parent(struct lv_beneath *b, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	_cleanup_free_ char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
	if (!dir)
		return -ENOMEM;
	int fd = open_beneath(b, dir, O_PATH | O_DIRECTORY);
	if (fd == -ENOENT && (fd = make_dirs(b, dir)) == 0)
		fd = open_beneath(b, dir, O_PATH | O_DIRECTORY);
	if (fd == -ELOOP || fd == -EXDEV)
		return refuse(b, path, "its directory is a symlink on the medium");
	if (fd == -ENOTDIR)
		return refuse(b, path, "its directory is not a directory on the medium");
	return fd;
}


static int owner(const struct lv_beneath *b, int d, const char *base, const struct lv_xentry *e)
{
	if (b->as_root && fchownat(d, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int stamp(int d, const char *base, long long mtime)
{
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	return utimensat(d, base, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* 0: made, 1: already there (its mode and time are the last entry's). */
static int put_dir(struct lv_beneath *b, int d, const char *base, const struct lv_xentry *e)
{
	int there = lv_inroot_clear(d, base);
	if (there < 0)
		return there;
	if (!there && mkdirat(d, base, 0700) < 0)
		return -errno;
	int r = owner(b, d, base, e);
	if (r == 0)
		r = remember_dir(b, e->path, e->mode, e->mtime, 1);
	return r < 0 ? r : there;
}

/* The tree's own root: the directory itself. */
static int put_top(struct lv_beneath *b, const struct lv_xentry *e)
{
	if (e->type != 'd')
		return refuse(b, e->path, "the top of the tree is not a directory");
	if (b->as_root && fchownat(b->dirfd, "", e->uid, e->gid, AT_EMPTY_PATH) < 0)
		return failed(b, "/", -errno);
	b->entries += !b->top_done;
	b->top_done = 1;
	return remember_dir(b, "", e->mode, e->mtime, 1);
}

static int copy_data(struct lv_beneath *b, int fd, const struct lv_xentry *e, struct lv_xdata *data)
{
	char buf[65536];
	uint64_t left = e->size;
	if (e->size > LV_BENEATH_MAX - b->bytes)
		return refuse(b, e->path, "the tree would be larger than inspect writes (64 GiB)");
	b->bytes += e->size;
	while (left > 0) {
		long n = data->read(data->src, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0)
			return -LVE_ARCHIVE;
		if (n == 0) {
			lv_error(b->d, "%s: '%s' ends %llu bytes early", b->source, e->path, (unsigned long long)left);
			return -LVE_ARCHIVE;
		}
		if (write(fd, buf, (size_t)n) != n)
			return -EIO;
		left -= (uint64_t)n;
	}
	return 0;
}

static int put_file(struct lv_beneath *b, int d, const char *base, const struct lv_xentry *e,
		    struct lv_xdata *data)
{
	struct timespec ts[2] = { { e->mtime, 0 }, { e->mtime, 0 } };
	_cleanup_close_ int fd = openat(d, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = copy_data(b, fd, e, data);
	if (r == 0 && b->as_root && fchown(fd, e->uid, e->gid) < 0)
		r = -errno;
	/* after chown, which clears setuid and setgid */
	if (r == 0 && fchmod(fd, e->mode) < 0)
		r = -errno;
	if (r == 0 && e->cap && !b->as_root)
		b->skipped_caps++;
	else if (r == 0 && e->cap && fsetxattr(fd, "security.capability", e->cap, e->cap_len, 0) < 0)
		r = -errno;
	if (r == 0 && futimens(fd, ts) < 0)
		r = -errno;
	return r;
}

static int put_hardlink(struct lv_beneath *b, int d, const char *base, const struct lv_xentry *e)
{
	const char *sbase;
	if (lv_beneath_check(e->link) < 0 || !*e->link)
		return refuse(b, e->path, "a hard link to a path outside the tree");
	_cleanup_close_ int sd = parent(b, e->link, &sbase);
	if (sd < 0)
		return sd;
	return linkat(sd, sbase, d, base, 0) < 0 ? -errno : 0;
}

/* A symlink, FIFO or device node (the latter only as root). */
static int put_special(struct lv_beneath *b, int d, const char *base, const struct lv_xentry *e)
{
	int r = 0;
	if (e->type == 'l')
		r = symlinkat(e->link, d, base) < 0 ? -errno : 0;
	else if (e->type == 'p')
		r = mkfifoat(d, base, 0600) < 0 ? -errno : 0;
	else if (!b->as_root) {
		b->skipped_devices++;
		return 0;
	} else {
		mode_t t = e->type == 'c' ? S_IFCHR : S_IFBLK;
		r = mknodat(d, base, t | 0600, makedev(e->rdev_major, e->rdev_minor)) < 0 ? -errno : 0;
	}
	if (r == 0)
		r = owner(b, d, base, e);
	if (r == 0 && e->type != 'l' && fchmodat(d, base, e->mode, 0) < 0)
		r = -errno;
	return r == 0 ? stamp(d, base, e->mtime) : r;
}

int lv_beneath_put(struct lv_beneath *b, const struct lv_xentry *e, struct lv_xdata *data)
{
	const char *base;
	int r;

	if (lv_beneath_check(e->path) < 0)
		return refuse(b, e->path, "an absolute path or one with '.' or '..' parts");
	if (!strchr("fdlhcbps", e->type))
		return refuse(b, e->path, "a file of unknown type");
	if (!*e->path)
		return put_top(b, e);
	if (e->type == 's') {
		b->skipped_sockets++;
		return 0;
	}
	_cleanup_close_ int d = parent(b, e->path, &base);
	if (d < 0)
		return d == -LVE_ARCHIVE ? d : failed(b, e->path, d);
	if (e->type == 'd')
		r = put_dir(b, d, base, e);
	else if ((r = lv_inroot_clear(d, base)) == 1)
		return refuse(b, e->path, "a directory of that name is already there");
	else if (r == 0)
		r = e->type == 'f' ? put_file(b, d, base, e, data)
		    : e->type == 'h' ? put_hardlink(b, d, base, e) : put_special(b, d, base, e);
	if (r < 0)
		return r == -LVE_ARCHIVE ? r : failed(b, e->path, r);
	b->entries += r == 0;
	return 0;
}

static int empty_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;
	if (!dp)
		return -errno;
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dp);
	return n == 0;
}

int lv_beneath_open(struct lv_beneath *b, const char *dir, struct lv_diags *d)
{
	memset(b, 0, sizeof(*b));
	b->dirfd = -1;
	b->d = d;
	b->as_root = geteuid() == 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int r = -errno;
		lv_error(d, "cannot make '%s': %s", dir, strerror(-r));
		return r;
	}
	int r = empty_dir(dir);
	if (r <= 0) {
		lv_error(d, "'%s' %s: --extract wants a new or empty directory", dir,
			 r == 0 ? "is not empty" : "is not a directory");
		return r == 0 ? -LVE_USAGE : r;
	}
	b->dir = strdup(dir);
	b->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!b->dir || b->dirfd < 0)
		return -ENOMEM;
	return 0;
}

/* One directory's mode and time, by name in its parent. */
static int finish_dir(struct lv_beneath *b, const struct lv_beneath_dir *dd)
{
	const char *base;
	struct stat st;
	if (!*dd->path) {
		_cleanup_close_ int fd = open_beneath(b, "", O_RDONLY | O_DIRECTORY);
		struct timespec ts[2] = { { dd->mtime, 0 }, { dd->mtime, 0 } };
		if (fd < 0 || fchmod(fd, dd->mode) < 0 || (dd->has_time && futimens(fd, ts) < 0))
			return fd < 0 ? fd : -errno;
		return 0;
	}
	_cleanup_close_ int d = parent(b, dd->path, &base);
	if (d < 0)
		return d;
	if (fstatat(d, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (fchmodat(d, base, dd->mode, 0) < 0)
		return -errno;
	return dd->has_time ? stamp(d, base, dd->mtime) : 0;
}

int lv_beneath_finish(struct lv_beneath *b)
{
	/* backwards: a directory's children were made after it */
	for (size_t i = b->ndirs; i-- > 0;) {
		int r = finish_dir(b, &b->dirs[i]);
		if (r < 0)
			return r == -LVE_ARCHIVE ? r : failed(b, b->dirs[i].path, r);
	}
	return 0;
}

void lv_beneath_release(struct lv_beneath *b)
{
	for (size_t i = 0; i < b->ndirs; i++)
		free(b->dirs[i].path);
	free(b->dirs);
	free(b->dir);
	if (b->dirfd >= 0)
		close(b->dirfd);
	memset(b, 0, sizeof(*b));
	b->dirfd = -1;
}
