/* File-system helpers (fsutil.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

int lv_read_file(const char *path, struct lv_buf *b)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : lv_read_fd(fd, b);
}

int lv_read_fd(int fd, struct lv_buf *b)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		int r = lv_buf_append(b, chunk, (size_t)n);
		if (r < 0)
			return r;
	}
	if (n < 0)
		return -errno;
	return lv_buf_append(b, "", 0);
}

char *lv_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

char *lv_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strdup(slash ? slash + 1 : path);
}

/* The process's umask, read without changing it (umask(2) would, for a
 * moment, for every thread): /proc/self/status says it. */
static mode_t current_umask(void)
{
	unsigned m = 022;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &m) == 1)
			break;
	if (f)
		fclose(f);
	return (mode_t)m;
}

int lv_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int lv_write_atomic(const char *path, const void *data, size_t len)
{
	_cleanup_free_ char *dir = lv_dirname(path);
	_cleanup_free_ char *tmp = NULL;
	const char *p = data;

	if (!dir || asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	/* created anew (O_EXCL, never through a link someone left there) */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644 & ~current_umask()) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return -e;
	}
	int r = lv_write_all(fd, p, len);
	if (r < 0) {
		close(fd);
		unlink(tmp);
		return r;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}

int lv_mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

char *lv_path_join(const char *a, const char *b)
{
	char *out;
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (asprintf(&out, "%.*s/%s", (int)la, a, b) < 0)
		return NULL;
	return out;
}

int lv_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int remove_cb(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

void lv_remove_tree(const char *path)
{
	nftw(path, remove_cb, 64, FTW_DEPTH | FTW_PHYS);
}
