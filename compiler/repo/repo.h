/* Repository metadata: from mirror URLs to verified Packages indexes.
 *
 * Takes the manifest's distribution section and the cache.  For each suite
 * (<suite>, <suite>-updates, <suite>-security unless turned off) it downloads
 * InRelease, verifies its signature (verify.c) and parses only the signed
 * text.  lv_index_fetch() then gets one Packages index by hash, checks the
 * compressed and the uncompressed SHA256 against Release, and leaves the
 * uncompressed index in the cache.  Callers that already hold a parsed form
 * keyed by the index hash (the .solv cache) skip that step, so a warm lock
 * downloads nothing but InRelease. */
#ifndef LV_REPO_H
#define LV_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "repo/cache.h"
#include "base/diag.h"
#include "manifest/manifest.h"
#include "repo/gpgv.h"
#include "repo/release.h"

enum lv_mirror_role {
	LV_MIRROR_PRIMARY,   /* Debian's mirror */
	LV_MIRROR_SECURITY,  /* Debian's security mirror */
	LV_MIRROR_EXTRA,     /* a distribution.repositories entry */
	LV_MIRROR_LOCAL,     /* packages.local: indexed by livec (local.c), no signature */
};

struct lv_index {
	char *component;
	char *path;            /* "main/binary-amd64/Packages", relative to dists/<suite>/ */
	char sha256[65];       /* of the uncompressed index */
	uint64_t size;
	char *local;           /* the uncompressed index in the cache, once fetched */
};

struct lv_repo {
	char *name;            /* as the lock calls it: bookworm, bookworm-updates, a repository's name */
	char *suite;           /* its directory under dists/ */
	char *base;            /* mirror root URL (never written to a lockfile) */
	enum lv_mirror_role role;
	/* from the manifest (borrowed): */
	char *const *components;
	size_t ncomponents;
	const char *arch;
	struct lv_sigcheck sc; /* who may sign its InRelease */
	long priority;         /* apt's pin priority; -1 until known (from the Release) */
	struct lv_release rel; /* the verified Release */
	char inrelease_sha256[65];
	char signer[41];
	char *rolled_back_from; /* set by lock --allow-older: the Date this replaces */
	struct lv_index *idx;
	size_t nidx;
};

struct lv_repos {
	struct lv_repo *v;
	size_t n;
};

/* Names the suites for the manifest (bookworm -> + -updates, -security),
 * then its distribution.repositories, then packages.local as "local". */
int lv_repos_plan(const struct lv_manifest *m, struct lv_repos *out, struct lv_diags *d);
/* Downloads and verifies every InRelease; fills rel, signer, priority and
 * idx (packages.local: indexes the directory). */
int lv_repos_acquire(const struct lv_manifest *m, const struct lv_cache *c, struct lv_repos *repos,
		     struct lv_diags *d);
/* Verifies the InRelease at path (from `what`, a URL or a description)
 * with the repository's keys into rp->rel and rp->signer, and checks it is
 * the suite rp->suite; with `now`, also that Valid-Until has not passed. */
int lv_repo_verify_inrelease(const char *path, struct lv_repo *rp, const char *what, int now,
			     struct lv_diags *d);
/* "COMPONENT/binary-ARCH/Packages": the index path of component k. */
void lv_index_path(const struct lv_repo *rp, size_t k, char *buf, size_t n);
/* How the lock names a role ("primary", "security", "repository",
 * "local"), and back: 0, or -1 for another word. */
const char *lv_mirror_role_name(enum lv_mirror_role role);
int lv_mirror_role_parse(const char *s, enum lv_mirror_role *role);
/* The plan's repository named `name`, or NULL. */
struct lv_repo *lv_repos_find(const struct lv_repos *r, const char *name);
/* Makes repo->idx[i].local available (download by hash, verify, decompress). */
int lv_index_fetch(const struct lv_cache *c, struct lv_repo *repo, struct lv_index *ix,
		   struct lv_diags *d);
/* The URL of a pool file in a repository (malloc'd). */
char *lv_repo_url(const struct lv_repo *r, const char *filename);
void lv_repos_release(struct lv_repos *r);

#endif
