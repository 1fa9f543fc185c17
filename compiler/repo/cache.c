/* Content-addressed cache (cache.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo/cache.h"
#include "base/cleanup.h"
#include "base/fsutil.h"
#include "base/sha256.h"

int lv_cache_open(struct lv_cache *c, const char *dir)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int r;

	if (dir)
		c->root = strdup(dir);
	else if (xdg && *xdg)
		c->root = lv_path_join(xdg, "livec");
	else if (asprintf(&c->root, "%s/.cache/livec", home && *home ? home : "/root") < 0)
		c->root = NULL;
	if (!c->root)
		return -ENOMEM;
	static const char *const subs[] = { "sha256", "solv", "tmp" };
	for (size_t i = 0; i < LV_ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *p = lv_path_join(c->root, subs[i]);
		if ((r = lv_mkdir_p(p, 0755)) < 0)
			return r;
	}
	return 0;
}

void lv_cache_release(struct lv_cache *c)
{
	free(c->root);
	c->root = NULL;
}

char *lv_cache_blob(const struct lv_cache *c, const char *sha256)
{
	char *p;
	if (!sha256 || !lv_sha256_valid(sha256)) /* a name from a lock or a mirror: never a path */
		return NULL;
	if (asprintf(&p, "%s/sha256/%.2s", c->root, sha256) < 0)
		return NULL;
	mkdir(p, 0755);
	free(p);
	if (asprintf(&p, "%s/sha256/%.2s/%s", c->root, sha256, sha256) < 0)
		return NULL;
	return p;
}

int lv_cache_has(const struct lv_cache *c, const char *sha256, uint64_t size)
{
	_cleanup_free_ char *p = lv_cache_blob(c, sha256);
	char got[LV_SHA256_HEX];
	uint64_t got_size;
	struct stat st;

	if (!p || stat(p, &st) < 0)
		return 0;
	if ((size && (uint64_t)st.st_size != size) || lv_sha256_file(p, got, &got_size) < 0 ||
	    strcmp(got, sha256)) {
		unlink(p);
		return 0;
	}
	utimensat(AT_FDCWD, p, NULL, 0); /* used now: `livec cache prune` removes the least recently used */
	return 1;
}

char *lv_cache_path(const struct lv_cache *c, const char *sub, const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s/%s", c->root, sub, name) < 0)
		return NULL;
	return p;
}
