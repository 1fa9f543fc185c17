/* The lockfile (README, "The lockfile"): every byte that goes into the image, pinned.
 *
 * Canonical YAML: keys sorted, packages as a mapping sorted by name, one
 * block each, no timestamps of its own; so the same resolution always gives
 * the same bytes.  lv_lock_write() writes atomically; lv_lock_read() reads
 * back what lv_lock_write() wrote (and rejects anything else with a
 * diagnostic pointing at the line). */
#ifndef LV_LOCKFILE_H
#define LV_LOCKFILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/diag.h"
#include "manifest/manifest.h"

#define LV_LOCK_FORMAT 1

struct lv_lockpkg {
	char *name, *version, *arch;
	char *repo;            /* suite name of a lv_lockrepo */
	char *filename;        /* relative to the mirror root */
	uint64_t size;
	char *sha256;
	char *source, *source_version;
	char *reason;
	char *maintainer;      /* the Maintainer field (SPDX supplier) */
	/* the license inventory (license.c) */
	char *license;         /* SPDX expression, or NOASSERTION */
	char *license_method;  /* dep5, common-licenses-reference, text-match, none */
	char *copyright_sha256;/* of the copyright file read ("" when none) */
	char *copyright_from;  /* the package whose copyright file was read */
};

struct lv_lockset {
	struct lv_lockpkg *v;
	size_t n;
};

struct lv_lockindex {
	char *path;            /* e.g. main/binary-amd64/Packages (uncompressed) */
	char *sha256;
	uint64_t size;
};

struct lv_lockrepo {
	char *name;            /* bookworm, bookworm-updates, bookworm-security */
	char *mirror;          /* which root serves it: "primary" or "security" (Debian's mirrors),
				  "repository" (distribution.repositories) or "local" (packages.local:
				  no InRelease, no date, no signer) */
	long priority;         /* apt's pin priority of a repository; 0: not written (Debian's: 500) */
	char *suite, *codename;
	char *date;            /* Release Date: */
	char *inrelease_sha256;
	char *signed_by;       /* primary key fingerprint that signed InRelease */
	char *valid_until;     /* Release Valid-Until:, NULL if none */
	char *rolled_back_from;/* the Date of the lock this one replaced by --allow-older, or NULL */
	int snapshot;          /* distribution.snapshot: an expired Valid-Until was acceptable */
	struct lv_lockindex *idx;
	size_t nidx;
};

struct lv_lock {
	int format;
	char *livec_version;
	char *manifest;        /* the manifest's name */
	char *inputs_digest;   /* "sha256:<hex>" over what affects resolution */
	long long source_date_epoch;
	struct lv_lockrepo *repos;
	size_t nrepos;
	struct lv_lockset rootfs, boot;
};

/* The digest of every manifest input that affects resolution. */
void lv_lock_inputs_digest(const struct lv_manifest *m, char out[72]);

int lv_lock_format(const struct lv_lock *l, struct lv_buf *out);
int lv_lock_write(const char *path, const struct lv_lock *l);
int lv_lock_read(const char *path, struct lv_lock *l, struct lv_diags *d);
void lv_lock_release(struct lv_lock *l);
void lv_lockset_sort(struct lv_lockset *s);
void lv_lockpkg_release(struct lv_lockpkg *p);

/* The lockfile of a manifest: the nearest lockfiles/ directory at or above
 * the manifest's directory holds <name>.lock; without one, livec.lock next
 * to the manifest.  Returns malloc'd path. */
char *lv_lock_default_path(const char *manifest_path, const char *name);

#endif
