/* Release files and Packages indexes: the parsed metadata of a Debian
 * repository (the signed Release text; Packages paragraphs). */
#ifndef LV_RELEASE_H
#define LV_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "repo/deb822.h"

struct lv_relfile {
	char *path;            /* relative to dists/<suite>/, e.g. main/binary-amd64/Packages.xz */
	char sha256[65];
	uint64_t size;
};

struct lv_release {
	char *suite, *codename, *date, *valid_until;
	long long date_epoch;         /* Date: as seconds since the epoch, -1 if absent */
	long long valid_until_epoch;  /* -1 if absent */
	int by_hash;                  /* Acquire-By-Hash: yes */
	int not_automatic;            /* NotAutomatic: yes (experimental, backports) */
	int but_automatic_upgrades;   /* ButAutomaticUpgrades: yes (backports) */
	struct lv_relfile *files;
	size_t nfiles;
};

/* Parses a Release text; 0 or -LVE_PARSE with a message in why. */
int lv_release_parse(const char *text, size_t len, struct lv_release *r, char *why, size_t whylen);
void lv_release_release(struct lv_release *r);
/* 1 if the Release has a Valid-Until and it has passed (reads the wall
 * clock: only ever to check, never to write). */
int lv_release_expired(const struct lv_release *r);
/* The entry for path, or NULL (borrowed). */
const struct lv_relfile *lv_release_find(const struct lv_release *r, const char *path);
/* apt's default pin priority of a suite: 1 for NotAutomatic, 100 when it
 * also has ButAutomaticUpgrades (backports), else 500 (apt_preferences(5)). */
int lv_release_priority(const struct lv_release *r);
/* RFC 2822 date as used in Release files -> epoch seconds, or -1. */
long long lv_parse_date(const char *s);

/* One binary package paragraph, as livec needs it (slices are copied). */
struct lv_pkginfo {
	char *name, *version, *arch;
	char *filename, *sha256;
	uint64_t size;
	int essential;
	char *priority;                /* NULL when absent */
	char *source, *source_version; /* always set: default to name and version */
	char *maintainer;
};

/* Fills info from a Packages paragraph; 0, or -LVE_PARSE when a required
 * field (Package, Version, Architecture, Filename, Size, SHA256) is missing
 * or malformed. */
int lv_pkginfo_from(const struct lv_para *p, struct lv_pkginfo *info);
void lv_pkginfo_release(struct lv_pkginfo *info);

#endif
