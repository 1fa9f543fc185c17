/* Placing a .deb's data.tar entries in the tree (debentry.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/inroot.h"
#include "build/debentry.h"
#include "build/idmap.h"

static int owner_mode_time(int d, const char *base, const struct lv_debentry *e, int is_link)
{
	struct timespec ts[2] = { { e->mtime, 0 }, { e->mtime, 0 } };
	const struct lv_idmap *ids = lv_idmap();
	if (e->uid >= LV_IDMAP_COUNT || e->gid >= LV_IDMAP_COUNT)
		return -ERANGE;
	if (fchownat(d, base, ids->uid + e->uid, ids->gid + e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* after chown, which clears setuid/setgid */
	if (!is_link && fchmodat(d, base, e->mode, 0) < 0)
		return -errno;
	if (utimensat(d, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

int lv_debentry_place(int rootfd, const struct lv_debentry *e, struct lv_debreader *rd)
{
	const char *base;
	int r;

	if ((r = lv_inroot_check(e->path)) < 0 || (e->type == 'h' && lv_inroot_check(e->link) < 0))
		return -EPERM;
	_cleanup_close_ int d = lv_inroot_parent(rootfd, e->path, &base);
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
		_cleanup_close_ int sd = lv_inroot_parent(rootfd, e->link, &sbase);
		if (sd < 0)
			return sd;
		if (linkat(sd, sbase, d, base, 0) < 0)
			return -errno;
		return 0;
	}
	case 'c':
	case 'b':
		/* a device node would be a real one on the host's disk */
		return -LVE_DEVICE;
	case 'p':
		if (mkfifoat(d, base, 0600) < 0)
			return -errno;
		return owner_mode_time(d, base, e, 0);
	}
	return -EINVAL;
}

