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
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "err.h"
#include "fsutil.h"
#include "inroot.h"

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

int lv_inroot_parent(int rootfd, const char *path, const char **base)
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
			_cleanup_close_ int d = lv_inroot_parent(rootfd, p, &base);
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

/* Opens the parent of path and clears what is at its last component (a
 * directory there is an error): ready to create the new entry. */
static int new_entry(int rootfd, const char *path, const char **base)
{
	int r = lv_inroot_check(path);
	if (r < 0)
		return r;
	int d = lv_inroot_parent(rootfd, path, base);
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
	_cleanup_close_ int d = lv_inroot_parent(rootfd, path, &base);
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

int lv_inroot_exists(int rootfd, const char *path)
{
	int fd = openat2_in_root(rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int lv_inroot_want_dir(int rootfd, const char *path)
{
	struct stat st;
	_cleanup_close_ int fd = lv_inroot_open(rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))
		return 0;
	int r = lv_inroot_unlink(rootfd, path);
	return r < 0 ? r : 1;
}
