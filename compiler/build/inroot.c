/* Root-confined file operations (inroot.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "build/inroot.h"

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = { .flags = (unsigned long long)flags,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

int lv_inroot_check(const char *path)
{
	if (!*path || path[0] == '/')
		return -EINVAL;
	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		p += l + (e ? 1 : 0);
	}
	return 0;
}

/* The parent directory of path, resolved in the root, as an O_PATH fd;
 * *base points at the last component. */
static int parent(int rootfd, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		*base = path;
		return openat2_in_root(rootfd, "", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	*base = slash + 1;
	_cleanup_free_ char *dir = strndup(path, (size_t)(slash - path));
	return openat2_in_root(rootfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int lv_inroot_mkdirs(int rootfd, const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);
	int r;
	if ((r = lv_inroot_check(path)) < 0)
		return r;
	for (char *s = p;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			const char *base;
			_cleanup_close_ int d = parent(rootfd, p, &base);
			if (d < 0)
				return d;
			if (mkdirat(d, base, mode) == 0) {
				/* the caller's umask must not decide the image's modes */
				if (fchmodat(d, base, mode, 0) < 0)
					return -errno;
			} else if (errno != EEXIST)
				return -errno;
			*s = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int lv_inroot_clear(int d, const char *base)
{
	struct stat st;
	if (fstatat(d, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return 1;
	if (unlinkat(d, base, 0) < 0)
		return -errno;
	return 0;
}

static int owner_mode_time(int d, const char *base, const struct lv_debentry *e, int is_link)
{
	struct timespec ts[2] = { { e->mtime, 0 }, { e->mtime, 0 } };
	if (fchownat(d, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* after chown, which clears setuid/setgid */
	if (!is_link && fchmodat(d, base, e->mode, 0) < 0)
		return -errno;
	if (utimensat(d, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

int lv_inroot_entry(int rootfd, const struct lv_debentry *e, struct lv_debreader *rd)
{
	const char *base;
	int r;

	if ((r = lv_inroot_check(e->path)) < 0 || (e->type == 'h' && lv_inroot_check(e->link) < 0))
		return -EPERM;
	_cleanup_close_ int d = parent(rootfd, e->path, &base);
	if (d < 0)
		return d;
	if (e->type == 'd') {
		struct stat st;
		if (fstatat(d, base, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
			/* an existing directory, or a symlink to one (merged /usr) */
			if (fstatat(d, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				return 0;
			return owner_mode_time(d, base, e, 0);
		}
		if ((r = lv_inroot_clear(d, base)) < 0)
			return r;
		if (mkdirat(d, base, 0700) < 0)
			return -errno;
		return owner_mode_time(d, base, e, 0);
	}
	if ((r = lv_inroot_clear(d, base)) < 0)
		return r;
	if (r == 1)
		return -EISDIR;
	switch (e->type) {
	case 'f': {
		int fd = openat(d, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		char buf[65536];
		long n;
		long long left = e->size;
		while (left > 0 && (n = lv_deb_read_data(rd, buf, sizeof(buf))) > 0) {
			if (write(fd, buf, (size_t)n) != n) {
				close(fd);
				return -EIO;
			}
			left -= n;
		}
		close(fd);
		if (left)
			return -LVE_ARCHIVE;
		return owner_mode_time(d, base, e, 0);
	}
	case 'l':
		if (symlinkat(e->link, d, base) < 0)
			return -errno;
		return owner_mode_time(d, base, e, 1);
	case 'h': {
		const char *sbase;
		_cleanup_close_ int sd = parent(rootfd, e->link, &sbase);
		if (sd < 0)
			return sd;
		if (linkat(sd, sbase, d, base, 0) < 0)
			return -errno;
		return 0;
	}
	case 'c':
	case 'b':
	case 'p': {
		mode_t t = e->type == 'c' ? S_IFCHR : e->type == 'b' ? S_IFBLK : S_IFIFO;
		if (mknodat(d, base, t | 0600, makedev(e->rdev_major, e->rdev_minor)) < 0)
			return -errno;
		return owner_mode_time(d, base, e, 0);
	}
	}
	return -EINVAL;
}

/* Opens the parent of path and clears what is at its last component (a
 * directory there is an error): ready to create the new entry. */
static int new_entry(int rootfd, const char *path, const char **base)
{
	int r = lv_inroot_check(path);
	if (r < 0)
		return r;
	int d = parent(rootfd, path, base);
	if (d < 0)
		return d;
	if ((r = lv_inroot_clear(d, *base)) != 0) {
		close(d);
		return r == 1 ? -EISDIR : r;
	}
	return d;
}

int lv_inroot_write(int rootfd, const char *path, const void *data, size_t len, mode_t mode)
{
	const char *base;
	_cleanup_close_ int d = new_entry(rootfd, path, &base);
	if (d < 0)
		return d;
	_cleanup_close_ int fd = openat(d, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		return -EIO;
	if (fchmod(fd, mode) < 0)
		return -errno;
	return 0;
}

int lv_inroot_symlink(int rootfd, const char *path, const char *target)
{
	const char *base;
	_cleanup_close_ int d = new_entry(rootfd, path, &base);
	if (d < 0)
		return d;
	return symlinkat(target, d, base) < 0 ? -errno : 0;
}

int lv_inroot_unlink(int rootfd, const char *path)
{
	const char *base;
	int r;
	if ((r = lv_inroot_check(path)) < 0)
		return r;
	_cleanup_close_ int d = parent(rootfd, path, &base);
	if (d < 0)
		return d == -ENOENT ? 0 : d;
	if (unlinkat(d, base, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int lv_inroot_read(int rootfd, const char *path, struct lv_buf *b)
{
	struct stat st;
	int r;
	if ((r = lv_inroot_check(path)) < 0)
		return r;
	_cleanup_close_ int fd = openat2_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL; /* a FIFO or device in the image is never read */
	if (b->max && b->len + (uint64_t)st.st_size > b->max)
		return -LVE_TOOBIG;
	return lv_read_fd(fd, b);
}

int lv_inroot_open(int rootfd, const char *path, int flags)
{
	int r = *path ? lv_inroot_check(path) : 0;
	return r < 0 ? r : openat2_in_root(rootfd, path, flags | O_CLOEXEC);
}
