/* Normalisation rules (normalize.h).  Every path is handled inside the root
 * (openat2 RESOLVE_IN_ROOT): a package cannot redirect a rule outside it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/inroot.h"
#include "build/normalize.h"

enum action {
	DELETE,        /* remove the file or symlink */
	EMPTY,         /* make it an empty file (keep its mode) */
	DELETE_MATCH,  /* remove entries of dir whose name matches pattern (files only) */
	DELETE_TREE_MATCH, /* the same, in dir and every directory below it */
	CLEAR_DIR,     /* remove everything inside dir (files and subtrees) */
};

struct rule {
	enum action action;
	const char *path;      /* relative to the root */
	const char *pattern;   /* for the *_MATCH actions */
	const char *why;
};

static const struct rule rules[] = {
	{ DELETE_TREE_MATCH, "var/log", "*", "logs record when, where and in which order the build ran" },
	{ DELETE, "var/cache/ldconfig/aux-cache", NULL, "ldconfig's cache of inode numbers and times" },
	{ EMPTY, "etc/machine-id", NULL, "the machine id must be unique per machine: systemd writes it at first boot when empty" },
	{ DELETE, "var/lib/dbus/machine-id", NULL, "dbus's copy of the machine id (a link to /etc/machine-id at boot)" },
	{ DELETE_MATCH, "etc", "*-", "shadow's backups of passwd, group, shadow, gshadow, subuid, subgid" },
	{ DELETE, "etc/.pwd.lock", NULL, "shadow's lock file, left behind by useradd" },
	{ DELETE_MATCH, "var/lib/dpkg", "*-old", "dpkg's backups of status and available" },
	{ DELETE_MATCH, "var/cache/debconf", "*-old", "debconf's backups of its databases" },
	{ DELETE_TREE_MATCH, "var/cache/man", "index.db", "man-db's index: a gdbm file with build-time contents" },
	{ DELETE_TREE_MATCH, "usr/lib", "*.pyc", "Python byte code records source mtimes and is rebuilt on demand" },
	{ DELETE_MATCH, "etc/ssh", "ssh_host_*", "host keys must be unique: generated at first boot" },
	{ DELETE, "etc/ssl/private/ssl-cert-snakeoil.key", NULL, "a private key made at build time" },
	{ DELETE, "etc/ssl/certs/ssl-cert-snakeoil.pem", NULL, "the certificate of that key" },
	{ DELETE, "var/lib/systemd/random-seed", NULL, "a random seed must not be shared by every copy" },
	{ DELETE, "var/lib/urandom/random-seed", NULL, "the same, for the sysvinit seed" },
	{ DELETE, "var/lib/systemd/catalog/database", NULL, "journalctl's catalog index: hash order; rebuilt at boot" },
	{ DELETE_MATCH, "var/lib/apt/lists", "*_*", "apt lists are the mirror's state at build time" },
	{ DELETE_MATCH, "var/cache/apt", "*.bin", "apt's binary caches embed times and the host's view" },
	{ DELETE_MATCH, "var/cache/apt/archives", "*.deb", "downloaded packages do not belong in the image" },
	{ DELETE_MATCH, "var/cache/fontconfig", "*", "fontconfig caches carry times and random ids" },
	{ DELETE, "etc/resolv.conf", NULL, "name servers come from the network the image boots on" },
	{ CLEAR_DIR, "tmp", NULL, "scratch space" },
	{ CLEAR_DIR, "var/tmp", NULL, "scratch space" },
	{ CLEAR_DIR, "run", NULL, "runtime state is made at boot (a tmpfs)" },
};

static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = { .flags = (unsigned long long)flags,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Removes everything inside directory fd dfd. */
static int clear_fd(int dfd, size_t *removed)
{
	DIR *dir = fdopendir(dup(dfd));
	struct dirent *e;
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				clear_fd(sub, removed);
				close(sub);
			}
			if (unlinkat(dfd, e->d_name, AT_REMOVEDIR) == 0)
				(*removed)++;
		} else if (unlinkat(dfd, e->d_name, 0) == 0)
			(*removed)++;
	}
	closedir(dir);
	return 0;
}

static void delete_match(int dfd, const char *pattern, int recurse, size_t *removed)
{
	DIR *dir = fdopendir(dup(dfd));
	struct dirent *e;
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!recurse)
				continue;
			int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				delete_match(sub, pattern, 1, removed);
				close(sub);
			}
			/* __pycache__ directories go with their .pyc files */
			if (!strcmp(e->d_name, "__pycache__") && !fnmatch(pattern, "x.pyc", 0))
				unlinkat(dfd, e->d_name, AT_REMOVEDIR);
		} else if (!fnmatch(pattern, e->d_name, 0) && unlinkat(dfd, e->d_name, 0) == 0)
			(*removed)++;
	}
	closedir(dir);
}

int lv_normalize(const char *root, struct lv_normalize_stats *st, struct lv_diags *d)
{
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	memset(st, 0, sizeof(*st));
	if (rootfd < 0) {
		lv_error(d, "cannot open '%s': %s", root, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < LV_ARRAY_SIZE(rules); i++) {
		const struct rule *r = &rules[i];
		switch (r->action) {
		case DELETE: {
			struct stat s;
			_cleanup_close_ int fd = open_in_root(rootfd, r->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 && fstat(fd, &s) == 0 && !S_ISDIR(s.st_mode) &&
			    lv_inroot_unlink(rootfd, r->path) == 0)
				st->removed++;
			break;
		}
		case EMPTY: {
			/* a regular file, emptied; anything else a package put
			 * there (a FIFO would hang the open, a device would be
			 * opened) is removed */
			struct stat s;
			_cleanup_close_ int pfd = open_in_root(rootfd, r->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (pfd < 0 || fstat(pfd, &s) < 0)
				break;
			if (!S_ISREG(s.st_mode)) {
				if (!S_ISDIR(s.st_mode) && lv_inroot_unlink(rootfd, r->path) == 0)
					st->removed++;
				break;
			}
			_cleanup_close_ int fd = open_in_root(rootfd, r->path,
							      O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0)
				st->emptied++;
			break;
		}
		case DELETE_MATCH:
		case DELETE_TREE_MATCH:
		case CLEAR_DIR: {
			_cleanup_close_ int dfd = open_in_root(rootfd, r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0)
				break;
			if (r->action == CLEAR_DIR)
				clear_fd(dfd, &st->removed);
			else
				delete_match(dfd, r->pattern, r->action == DELETE_TREE_MATCH, &st->removed);
			break;
		}
		}
	}
	return 0;
}
