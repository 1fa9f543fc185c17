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

#define LV_TREECACHE_FORMAT 3 /* 3: two stages (installed-KEY, KEY) */

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

/* What every stage's key starts with: the format, livec (its version and
 * the code that assembles the tree: a rebuilt livec of the same version
 * may order or configure differently), the epoch, the architecture and
 * the host ids the tree's files belong to (idmap.h). */
static void key_head(struct lv_sha256 *s, const char *stage, const struct lv_manifest *m, long long epoch)
{
	char head[160], self[LV_SHA256_HEX] = "unknown";
	snprintf(head, sizeof(head), "livec-%s %d %s %lld %s %u:%u\n", stage, LV_TREECACHE_FORMAT, LIVEC_VERSION,
		 epoch, m->dist.architecture, lv_idmap()->host_uid, lv_idmap()->host_gid);
	lv_sha256_update(s, head, strlen(head));
	lv_sha256_file("/proc/self/exe", self, NULL);
	lv_sha256_update(s, self, strlen(self));
}

int lv_treecache_installed_key(const struct lv_manifest *m, const struct lv_lock *l, long long epoch,
			       char key[65])
{
	struct lv_sha256 s;
	lv_sha256_init(&s);
	key_head(&s, "installed", m, epoch);
	/* the packages, by content (the set is sorted by name) */
	for (size_t i = 0; i < l->rootfs.n; i++) {
		const struct lv_lockpkg *p = &l->rootfs.v[i];
		lv_sha256_update(&s, p->name, strlen(p->name) + 1);
		lv_sha256_update(&s, p->sha256, strlen(p->sha256) + 1);
	}
	/* the debconf answers dpkg's maintainer scripts read */
	lv_sha256_update(&s, "debconf", 8);
	for (size_t i = 0; i < m->system.debconf.n; i++)
		lv_sha256_update(&s, m->system.debconf.v[i], strlen(m->system.debconf.v[i]) + 1);
	lv_sha256_hex(&s, key);
	return 0;
}

/* Each stage's entry prefix and pointer suffix. */
static const struct {
	const char *prefix, *pointer;
} stages[] = {
	[LV_TREECACHE_INSTALLED] = { "installed-", ".installed" },
	[LV_TREECACHE_FINISHED] = { "", ".current" },
	[LV_TREECACHE_CLOOP] = { "cloop-", ".cloop" },
};

char *lv_treecache_name(enum lv_treecache_stage stage, const char *key)
{
	char *n;
	if (asprintf(&n, "%s%s", stages[stage].prefix, key) < 0)
		abort();
	return n;
}

/* The key of an entry name of any stage, or NULL. */
static const char *entry_key(const char *name)
{
	for (size_t i = 0; i < LV_ARRAY_SIZE(stages); i++) {
		size_t l = strlen(stages[i].prefix);
		const char *k = name + l;
		if (!strncmp(name, stages[i].prefix, l) && strlen(k) == 64 && strspn(k, "0123456789abcdef") == 64)
			return k;
	}
	return NULL;
}

/* Is name a stage's pointer ("NAME.current", ...)? */
static int is_pointer(const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < LV_ARRAY_SIZE(stages); i++) {
		size_t l = strlen(stages[i].pointer);
		if (len > l && !strcmp(name + len - l, stages[i].pointer))
			return 1;
	}
	return 0;
}

int lv_treecache_key(const struct lv_manifest *m, const char *lock_path, long long epoch, char key[65])
{
	struct lv_sha256 s;
	char lock_sha[LV_SHA256_HEX];
	int r;

	if ((r = lv_sha256_file(lock_path, lock_sha, NULL)) < 0)
		return r;
	lv_sha256_init(&s);
	key_head(&s, "tree", m, epoch);
	lv_sha256_update(&s, lock_sha, 64);
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

/* "ENTRY.used", touched when a build uses the entry: what `cache prune`
 * goes by (the entry's own times are the image's). */
static void mark_used(const char *path)
{
	_cleanup_free_ char *stamp = NULL;
	if (asprintf(&stamp, "%s.used", path) < 0)
		return;
	int fd = open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
}

char *lv_treecache_lookup(const struct lv_cache *c, const char *key, int *lockfd)
{
	char *p = lv_cache_path(c, "trees", key);
	struct stat held, now;
	*lockfd = p ? lock_tree(p, LOCK_SH) : -1;
	/* the lock waited for a sweep that removed (renamed away) the entry:
	 * the descriptor is then not the entry the name names any more */
	if (*lockfd >= 0 && (fstat(*lockfd, &held) < 0 || stat(p, &now) < 0 || held.st_dev != now.st_dev ||
			     held.st_ino != now.st_ino)) {
		close(*lockfd);
		*lockfd = -1;
	}
	if (*lockfd >= 0) {
		mark_used(p);
		return p;
	}
	free(p);
	return NULL;
}

/* An entry out of the cache, under the exclusive lock its caller holds:
 * first renamed out of every reader's sight (".trash-..."), then deleted;
 * an interrupted deletion leaves trash, never a half entry a build could
 * take.  1 when it went. */
static int remove_entry(const char *dir, const char *name)
{
	_cleanup_free_ char *p = lv_path_join(dir, name), *trash = NULL, *stamp = NULL;
	if (asprintf(&trash, "%s/.trash-%ld-%s", dir, (long)getpid(), name) < 0 ||
	    asprintf(&stamp, "%s.used", p) < 0 || rename(p, trash) < 0)
		return 0;
	unlink(stamp);
	lv_remove_tree(trash);
	return 1;
}

/* "PID..." names a process that is gone (of this pid namespace). */
static int stale_staging_pid(const char *s)
{
	char *end;
	long pid = strtol(s, &end, 10);
	return (*end == '.' || *end == '-' || !*end) && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Removes `name` in trees/ if it is a staging directory (".build-PID...")
 * or trash (".trash-PID-...") of a build that is gone: the process its
 * name holds is not there, and no build holds its lock (a build in
 * another pid namespace would).  The lock is kept while it goes, so a
 * build that takes the name meanwhile waits, then sees it gone. */
static void remove_stale(const char *dir, const char *name)
{
	if ((strncmp(name, ".build-", 7) && strncmp(name, ".trash-", 7)) || !stale_staging_pid(name + 7))
		return;
	_cleanup_free_ char *p = lv_path_join(dir, name);
	_cleanup_close_ int fd = lock_tree(p, LOCK_EX | LOCK_NB);
	if (fd >= 0)
		lv_remove_tree(p);
}

int lv_treecache_staging(const struct lv_cache *c, char *path, size_t size)
{
	_cleanup_free_ char *dir = lv_cache_path(c, "trees", "");
	if (!dir)
		return -ENOMEM;
	lv_mkdir_p(dir, 0700);
	for (int tries = 0; tries < 8; tries++) {
		struct stat held, now;
		if ((size_t)snprintf(path, size, "%s.build-%ld.XXXXXX", dir, (long)getpid()) >= size)
			return -ENAMETOOLONG;
		if (!mkdtemp(path))
			return -errno;
		int fd = lock_tree(path, LOCK_SH);
		/* a sweep in another pid namespace took it between mkdtemp and
		 * the lock: it is gone, take another */
		if (fd >= 0 && fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev &&
		    held.st_ino == now.st_ino)
			return fd;
		if (fd >= 0)
			close(fd);
		else
			rmdir(path); /* not lockable (interrupted, ...): not left behind */
	}
	return -EAGAIN;
}

/* Is `name` a whole line of the pointers' text? */
static int named(const struct lv_buf *pointers, const char *name)
{
	size_t l = strlen(name);
	for (const char *at = pointers->p; at && (at = memmem(at, pointers->len - (size_t)(at - pointers->p), name, l));
	     at++)
		if ((at == pointers->p || at[-1] == '\n') && at[l] == '\n')
			return 1;
	return 0;
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
		(void)len;
		if (is_pointer(names[i]->d_name) && lv_read_file(p, &current) == 0)
			lv_buf_puts(&current, "\n");
	}
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		_cleanup_free_ char *p = lv_path_join(dir, nm);
		if (nm[0] == '.') {
			remove_stale(dir, nm);
		} else if (entry_key(nm) && !named(&current, nm)) {
			_cleanup_close_ int fd = lock_tree(p, LOCK_EX | LOCK_NB);
			if (fd >= 0)
				remove_entry(dir, nm);
		}
		free(names[i]);
	}
	free(n > 0 ? names : NULL);
	lv_buf_release(&current);
}

char *lv_treecache_store(const struct lv_cache *c, const char *name, enum lv_treecache_stage stage,
			 const char *key, const char *tree, int *lockfd)
{
	_cleanup_free_ char *dir = lv_cache_path(c, "trees", ""), *entry = lv_treecache_name(stage, key);
	_cleanup_free_ char *dst = lv_cache_path(c, "trees", entry);

	lv_mkdir_p(dir, 0700);
	/* locked before it is in sight: the lock goes with the directory, so
	 * no other build's sweep can take it between rename and lock */
	*lockfd = lock_tree(tree, LOCK_SH);
	if (*lockfd < 0 || rename(tree, dst) < 0) { /* another file system, or already there */
		if (*lockfd >= 0)
			close(*lockfd);
		*lockfd = -1;
		return NULL;
	}
	mark_used(dst);
	lv_treecache_claim(c, name, stage, key);
	return TAKE_PTR(dst);
}

void lv_treecache_claim(const struct lv_cache *c, const char *name, enum lv_treecache_stage stage, const char *key)
{
	_cleanup_free_ char *entry = lv_treecache_name(stage, key);
	char pointer_name[300];
	/* one entry per manifest name and stage: the one it replaces goes
	 * when no build reads it any more */
	snprintf(pointer_name, sizeof(pointer_name), "%s%s", name, stages[stage].pointer);
	_cleanup_free_ char *pointer = lv_cache_path(c, "trees", pointer_name);
	lv_write_atomic(pointer, entry, strlen(entry));
	sweep(c);
}

void lv_treecache_clean(const struct lv_cache *c)
{
	sweep(c);
}

/* ---- how much, and what goes first ---- */

static unsigned long long du_sum;

static int du_cb(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)p, (void)type, (void)f;
	du_sum += (unsigned long long)st->st_blocks * 512;
	return 0;
}

static unsigned long long du(const char *path)
{
	du_sum = 0;
	nftw(path, du_cb, 16, FTW_PHYS);
	return du_sum;
}

void lv_cache_usage(const struct lv_cache *c, struct lv_cache_usage *u)
{
	static const char *const derived[] = { "solv", "license", "files" };
	_cleanup_free_ char *blobs = lv_cache_path(c, "sha256", ""), *trees = lv_cache_path(c, "trees", "");
	struct dirent **names;
	memset(u, 0, sizeof(*u));
	u->blobs = du(blobs);
	for (size_t i = 0; i < LV_ARRAY_SIZE(derived); i++) {
		_cleanup_free_ char *p = lv_cache_path(c, derived[i], "");
		u->derived += du(p);
	}
	int n = scandir(trees, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		_cleanup_free_ char *p = lv_path_join(trees, nm);
		if (!strncmp(nm, ".build-", 7))
			u->staging += du(p);
		else if (entry_key(nm))
			for (size_t k = 0; k < LV_ARRAY_SIZE(stages); k++)
				if (!strcmp(nm + strlen(stages[k].prefix), entry_key(nm)) &&
				    !strncmp(nm, stages[k].prefix, strlen(stages[k].prefix)))
					u->stage[k] += du(p);
		free(names[i]);
	}
	free(n > 0 ? names : NULL);
	u->total = u->blobs + u->derived + u->stage[0] + u->stage[1] + u->stage[2] + u->staging;
}

struct victim {
	char *path;
	long long used;   /* mtime: when a build last used it */
	int tree;
};

static int by_use(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;
	return x->used < y->used ? -1 : x->used > y->used ? 1 : strcmp(x->path, y->path);
}

static void add_victim(struct victim **v, size_t *n, const char *path, int tree)
{
	struct stat st;
	_cleanup_free_ char *stamp = NULL;
	if (tree && asprintf(&stamp, "%s.used", path) < 0)
		return;
	if ((!stamp || lstat(stamp, &st) < 0) && lstat(path, &st) < 0)
		return;
	struct victim *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return;
	*v = nv;
	nv[(*n)++] = (struct victim){ strdup(path), (long long)st.st_mtime, tree };
}

int lv_cache_hold(const struct lv_cache *c, int exclusive)
{
	_cleanup_free_ char *p = lv_cache_path(c, "", "builds.lock");
	int fd = p ? open(p, O_RDONLY | O_CREAT | O_CLOEXEC, 0600) : -1;
	if (fd >= 0 && flock(fd, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

unsigned long long lv_cache_prune(const struct lv_cache *c, unsigned long long max, size_t *removed)
{
	struct lv_cache_usage before, u;
	struct victim *v = NULL;
	size_t n = 0;
	*removed = 0;
	lv_cache_usage(c, &before);
	sweep(c);
	lv_cache_usage(c, &u);
	if (max && u.total > max) {
		_cleanup_free_ char *trees = lv_cache_path(c, "trees", ""), *blobs = lv_cache_path(c, "sha256", "");
		struct dirent **names;
		int k = scandir(trees, &names, NULL, alphasort);
		for (int i = 0; i < k; i++) {
			if (entry_key(names[i]->d_name)) {
				_cleanup_free_ char *p = lv_path_join(trees, names[i]->d_name);
				add_victim(&v, &n, p, 1);
			}
			free(names[i]);
		}
		free(k > 0 ? names : NULL);
		/* packages only when no build runs: one may be between fetching
		 * and unpacking them */
		_cleanup_close_ int alone = lv_cache_hold(c, 1);
		for (int fan = 0; alone >= 0 && fan < 256; fan++) {
			char sub[8];
			snprintf(sub, sizeof(sub), "%02x", fan);
			_cleanup_free_ char *d = lv_path_join(blobs, sub);
			k = scandir(d, &names, NULL, alphasort);
			for (int i = 0; i < k; i++) {
				if (strlen(names[i]->d_name) == 64) {
					_cleanup_free_ char *p = lv_path_join(d, names[i]->d_name);
					add_victim(&v, &n, p, 0);
				}
				free(names[i]);
			}
			free(k > 0 ? names : NULL);
		}
		qsort(v, n, sizeof(*v), by_use);
		unsigned long long total = u.total;
		for (size_t i = 0; i < n && total > max; i++) {
			unsigned long long size = du(v[i].path);
			if (v[i].tree) {
				_cleanup_close_ int fd = lock_tree(v[i].path, LOCK_EX | LOCK_NB);
				_cleanup_free_ char *name = lv_basename(v[i].path);
				if (fd < 0 || !remove_entry(trees, name))
					continue; /* a build reads it, or it cannot go */
			} else if (unlink(v[i].path) < 0)
				continue;
			total -= size < total ? size : total;
			(*removed)++;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	lv_cache_usage(c, &u);
	return before.total > u.total ? before.total - u.total : 0;
}
