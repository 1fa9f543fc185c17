/* Assembled-tree cache (treecache.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/fsutil.h"
#include "build/runtime.h"
#include "base/sha256.h"
#include "build/system.h"
#include "build/idmap.h"
#include "build/treecache.h"

#define LV_TREECACHE_FORMAT 2 /* 2: the tree has LV_GENERATED_LIST */

static struct lv_sha256 *walk_sha;
static size_t walk_prefix;

static int hash_cb(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	char meta[4200], sum[4096] = "";
	lv_sha256_update(walk_sha, p + walk_prefix, strlen(p + walk_prefix) + 1);
	if (type == FTW_F && S_ISREG(st->st_mode))
		lv_sha256_file(p, sum, NULL);
	else if (S_ISLNK(st->st_mode)) { /* where a link points is its content */
		ssize_t n = readlink(p, sum, sizeof(sum) - 1);
		sum[n > 0 ? n : 0] = '\0';
	}
	snprintf(meta, sizeof(meta), "%o:%s", (unsigned)st->st_mode, sum);
	lv_sha256_update(walk_sha, meta, strlen(meta) + 1);
	return 0;
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Sorted walk (nftw's order is the host's readdir order). */
static void hash_tree(struct lv_sha256 *s, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, cmp_name);
	struct stat st;
	if (n < 0) {
		if (lstat(dir, &st) == 0)
			hash_cb(dir, &st, S_ISREG(st.st_mode) ? FTW_F : FTW_SL, NULL);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			_cleanup_free_ char *p = lv_path_join(dir, names[i]->d_name);
			if (lstat(p, &st) == 0) {
				hash_cb(p, &st, S_ISREG(st.st_mode) ? FTW_F : S_ISDIR(st.st_mode) ? FTW_D : FTW_SL, NULL);
				if (S_ISDIR(st.st_mode))
					hash_tree(s, p);
			}
		}
		free(names[i]);
	}
	free(names);
}

int lv_treecache_key(const struct lv_manifest *m, const char *lock_path, long long epoch, char key[65])
{
	struct lv_sha256 s;
	char head[128], lock_sha[LV_SHA256_HEX];
	int r;

	if ((r = lv_sha256_file(lock_path, lock_sha, NULL)) < 0)
		return r;
	lv_sha256_init(&s);
	/* the host ids the tree's files belong to (idmap.h) */
	snprintf(head, sizeof(head), "livec-tree %d %s %lld %s %u:%u\n", LV_TREECACHE_FORMAT, LIVEC_VERSION,
		 epoch, m->dist.architecture, lv_idmap()->host_uid, lv_idmap()->host_gid);
	lv_sha256_update(&s, head, strlen(head));
	lv_sha256_update(&s, lock_sha, 64);
	/* livec itself: the code that assembles the tree (a rebuilt livec of
	 * the same version may order or configure differently) */
	char self[LV_SHA256_HEX] = "unknown";
	lv_sha256_file("/proc/self/exe", self, NULL);
	lv_sha256_update(&s, self, strlen(self));
	/* what the manifest says of the tree, in canonical form */
	static const char *const sections[] = { "system", "files", "hooks", NULL };
	struct lv_buf canon = { 0 };
	lv_manifest_canonical(m, sections, &canon);
	lv_sha256_update(&s, canon.p, canon.len);
	lv_buf_release(&canon);
	/* the content of what files: copies */
	for (size_t i = 0; i < m->files.n; i++) {
		walk_sha = &s;
		walk_prefix = strlen(m->files.v[i].from);
		hash_tree(&s, m->files.v[i].from);
	}
	/* and livec's runtime files the system section installs */
	for (size_t i = 0; lv_system_runtime[i]; i++) {
		_cleanup_free_ char *p = lv_path_join(lv_runtime_dir(), lv_system_runtime[i]);
		char sha[LV_SHA256_HEX] = "missing";
		lv_sha256_file(p, sha, NULL);
		lv_sha256_update(&s, lv_system_runtime[i], strlen(lv_system_runtime[i]) + 1);
		lv_sha256_update(&s, sha, strlen(sha));
	}
	lv_sha256_hex(&s, key);
	return 0;
}

/* A shared lock on a cached tree while a build reads it: a tree is only
 * removed under an exclusive lock it gets at once, so a reader keeps it. */
static int lock_tree(const char *path, int how)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, how) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

char *lv_treecache_lookup(const struct lv_cache *c, const char *key, int *lockfd)
{
	char *p = lv_cache_path(c, "trees", key);
	*lockfd = p ? lock_tree(p, LOCK_SH) : -1;
	if (*lockfd >= 0)
		return p;
	free(p);
	return NULL;
}

/* 1 if `name` in trees/ is a staging root ".build-PID.XXXXXX" whose build
 * is gone */
static int stale_staging(const char *name)
{
	char *end;
	if (strncmp(name, ".build-", 7))
		return 0;
	long pid = strtol(name + 7, &end, 10);
	return (*end == '.' || !*end) && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Every tree no manifest's ".current" names and no build reads, and every
 * staging root of a build that is gone, removed. */
static void sweep(const struct lv_cache *c)
{
	_cleanup_free_ char *dir = lv_cache_path(c, "trees", "");
	struct lv_buf current = { .max = 1 << 20 };
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) { /* the keys the pointers name */
		size_t len = strlen(names[i]->d_name);
		_cleanup_free_ char *p = lv_path_join(dir, names[i]->d_name);
		if (len > 8 && !strcmp(names[i]->d_name + len - 8, ".current") && lv_read_file(p, &current) == 0)
			lv_buf_puts(&current, "\n");
	}
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		_cleanup_free_ char *p = lv_path_join(dir, nm);
		if (stale_staging(nm)) {
			lv_remove_tree(p);
		} else if (strlen(nm) == 64 && strspn(nm, "0123456789abcdef") == 64 &&
			   !(current.p && memmem(current.p, current.len, nm, 64))) {
			_cleanup_close_ int fd = lock_tree(p, LOCK_EX | LOCK_NB);
			if (fd >= 0)
				lv_remove_tree(p);
		}
		free(names[i]);
	}
	free(n > 0 ? names : NULL);
	lv_buf_release(&current);
}

char *lv_treecache_store(const struct lv_cache *c, const char *name, const char *key, const char *tree,
			 int *lockfd)
{
	_cleanup_free_ char *dir = lv_cache_path(c, "trees", "");
	_cleanup_free_ char *dst = lv_cache_path(c, "trees", key);
	char pointer_name[300];

	lv_mkdir_p(dir, 0700);
	if (rename(tree, dst) < 0)
		return NULL; /* another file system, or already there */
	*lockfd = lock_tree(dst, LOCK_SH);
	/* keep one tree per manifest name: the one it replaces goes when no
	 * build reads it any more */
	snprintf(pointer_name, sizeof(pointer_name), "%s.current", name);
	_cleanup_free_ char *pointer = lv_cache_path(c, "trees", pointer_name);
	lv_write_atomic(pointer, key, 64);
	sweep(c);
	return TAKE_PTR(dst);
}

void lv_treecache_clean(const struct lv_cache *c)
{
	sweep(c);
}
