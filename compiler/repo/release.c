/* Release and Packages parsing (release.h).  Field meanings: Debian's
 * RepositoryFormat wiki page and Policy §5.3, §5.6. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "repo/release.h"
#include "base/sha256.h"

long long lv_parse_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	/* "Sat, 10 May 2025 09:43:39 UTC"; the weekday is optional. */
	const char *p = strchr(s, ',') ? strchr(s, ',') + 1 : s;
	const char *end = strptime(p, " %d %b %Y %H:%M:%S", &tm);
	if (!end)
		return -1;
	return (long long)timegm(&tm);
}

int lv_release_expired(const struct lv_release *r)
{
	return r->valid_until_epoch > 0 && r->valid_until_epoch < (long long)time(NULL);
}

static int yes(const char *v, size_t len)
{
	return v && len == 3 && !strncmp(v, "yes", 3);
}

int lv_release_priority(const struct lv_release *r)
{
	return !r->not_automatic ? 500 : r->but_automatic_upgrades ? 100 : 1;
}

int lv_release_parse(const char *text, size_t len, struct lv_release *r, char *why, size_t whylen)
{
	struct lv_deb822 rd;
	struct lv_para p;
	size_t vl;

	memset(r, 0, sizeof(*r));
	r->date_epoch = r->valid_until_epoch = -1;
	lv_deb822_init(&rd, text, len);
	if (lv_deb822_next(&rd, &p) != 1) {
		snprintf(why, whylen, "not a Release file");
		return -LVE_PARSE;
	}
	r->suite = lv_para_dup(&p, "Suite");
	r->codename = lv_para_dup(&p, "Codename");
	r->date = lv_para_dup(&p, "Date");
	r->valid_until = lv_para_dup(&p, "Valid-Until");
	if (r->date)
		r->date_epoch = lv_parse_date(r->date);
	if (r->valid_until)
		r->valid_until_epoch = lv_parse_date(r->valid_until);
	const char *bh = lv_para_get(&p, "Acquire-By-Hash", &vl);
	r->by_hash = yes(bh, vl);
	const char *na = lv_para_get(&p, "NotAutomatic", &vl);
	r->not_automatic = yes(na, vl);
	const char *bau = lv_para_get(&p, "ButAutomaticUpgrades", &vl);
	r->but_automatic_upgrades = yes(bau, vl);
	if (!r->date || r->date_epoch < 0) {
		snprintf(why, whylen, "Release has no valid Date field");
		lv_release_release(r);
		return -LVE_PARSE;
	}
	const char *v = lv_para_get(&p, "SHA256", &vl);
	if (!v) {
		snprintf(why, whylen, "Release has no SHA256 field");
		lv_release_release(r);
		return -LVE_PARSE;
	}
	size_t cap = 0;
	for (const char *q = v, *end = v + vl; q < end;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		const char *le = nl ? nl : end;
		char hash[80], path[512];
		unsigned long long size;
		char line[640];
		size_t ll = (size_t)(le - q) < sizeof(line) - 1 ? (size_t)(le - q) : sizeof(line) - 1;
		memcpy(line, q, ll);
		line[ll] = '\0';
		q = nl ? nl + 1 : end;
		if (strspn(line, " \t\r") == ll)
			continue;
		if (sscanf(line, " %79s %llu %511s", hash, &size, path) != 3 || !lv_sha256_valid(hash)) {
			snprintf(why, whylen, "malformed SHA256 line in Release: '%s'", line);
			lv_release_release(r);
			return -LVE_PARSE;
		}
		if (r->nfiles == cap) {
			cap = cap ? 2 * cap : 64;
			r->files = realloc(r->files, cap * sizeof(*r->files));
		}
		struct lv_relfile *f = &r->files[r->nfiles++];
		f->path = strdup(path);
		memcpy(f->sha256, hash, 65);
		f->size = size;
	}
	return 0;
}

void lv_release_release(struct lv_release *r)
{
	free(r->suite);
	free(r->codename);
	free(r->date);
	free(r->valid_until);
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i].path);
	free(r->files);
	memset(r, 0, sizeof(*r));
}

const struct lv_relfile *lv_release_find(const struct lv_release *r, const char *path)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	return NULL;
}

int lv_pkginfo_from(const struct lv_para *p, struct lv_pkginfo *info)
{
	size_t l;
	const char *v;

	memset(info, 0, sizeof(*info));
	info->name = lv_para_dup(p, "Package");
	info->version = lv_para_dup(p, "Version");
	info->arch = lv_para_dup(p, "Architecture");
	info->filename = lv_para_dup(p, "Filename");
	info->sha256 = lv_para_dup(p, "SHA256");
	info->priority = lv_para_dup(p, "Priority");
	info->maintainer = lv_para_dup(p, "Maintainer");
	v = lv_para_get(p, "Essential", &l);
	info->essential = v && l == 3 && !strncmp(v, "yes", 3);
	v = lv_para_get(p, "Size", &l);
	char *end = NULL;
	if (v && l && isdigit((unsigned char)*v))
		info->size = strtoull(v, &end, 10);
	if (!info->name || !info->version || !info->arch || !info->filename || !info->sha256 ||
	    !lv_sha256_valid(info->sha256) || !end || (size_t)(end - v) != l) {
		lv_pkginfo_release(info);
		return -LVE_PARSE;
	}
	/* "Source: name" or "Source: name (version)" when the source version
	 * differs from the binary's (binNMUs); absent when name and version match. */
	v = lv_para_get(p, "Source", &l);
	if (v) {
		const char *sp = memchr(v, ' ', l);
		info->source = strndup(v, sp ? (size_t)(sp - v) : l);
		const char *open = sp ? memchr(sp, '(', l - (size_t)(sp - v)) : NULL;
		const char *close = open ? memchr(open, ')', l - (size_t)(open - v)) : NULL;
		if (open && close)
			info->source_version = strndup(open + 1, (size_t)(close - open - 1));
	}
	if (!info->source)
		info->source = strdup(info->name);
	if (!info->source_version)
		info->source_version = strdup(info->version);
	return 0;
}

void lv_pkginfo_release(struct lv_pkginfo *i)
{
	free(i->name);
	free(i->version);
	free(i->arch);
	free(i->filename);
	free(i->sha256);
	free(i->priority);
	free(i->source);
	free(i->source_version);
	free(i->maintainer);
	memset(i, 0, sizeof(*i));
}
