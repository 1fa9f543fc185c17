/* Mirror discovery from APT sources (sources.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "repo/deb822.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "repo/sources.h"

struct found {
	char *mirror, *security;     /* sources that name the suite itself */
	char *any, *any_security;    /* the first Debian mirror / security archive of any suite */
	char *any_suite;             /* the suite that source named */
};

/* Debian's release names and aliases: a source that names one of them (or
 * its -updates, -security, -backports, -proposed-updates companion) is a
 * Debian mirror, which serves every other suite at the same URI. */
static int debian_suite(const char *w, size_t wl, int *is_security)
{
	static const char *const names[] = {
		"buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid", "unstable",
		"testing", "stable", "oldstable", "oldoldstable", "experimental",
	};
	static const char *const tails[] = { "-proposed-updates", "-updates", "-backports" };
	static const char *const sec_tails[] = { "-security", "/updates" };
	size_t base = wl;
	*is_security = 0;
	for (size_t i = 0; i < LV_ARRAY_SIZE(sec_tails); i++) {
		size_t tl = strlen(sec_tails[i]);
		if (wl > tl && !strncmp(w + wl - tl, sec_tails[i], tl)) {
			base = wl - tl;
			*is_security = 1;
		}
	}
	for (size_t i = 0; i < LV_ARRAY_SIZE(tails) && base == wl; i++) {
		size_t tl = strlen(tails[i]);
		if (wl > tl && !strncmp(w + wl - tl, tails[i], tl))
			base = wl - tl;
	}
	for (size_t i = 0; i < LV_ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == base && !strncmp(w, names[i], base))
			return 1;
	return 0;
}

static char *trim_slash(const char *s, size_t len)
{
	while (len && s[len - 1] == '/')
		len--;
	return strndup(s, len);
}

/* Whether a source is Debian's archive: signed by Debian's archive keyring
 * (or with no Signed-By, so by the trusted keyrings, Debian's on a Debian
 * host), and not a dated snapshot, which serves the past only.  A third
 * party's repository that names a Debian suite (Docker's and others' do)
 * is neither the mirror of that suite nor of another. */
static int debian_source(const char *uri, size_t urilen, const char *signed_by, size_t sblen)
{
	if (memmem(uri, urilen, "/archive/", 9))
		return 0;
	/* debian-archive-keyring.gpg, or one of its per-release parts */
	return !signed_by || !sblen || memmem(signed_by, sblen, "debian-archive-", 15);
}

/* Considers one source entry: URI and a whitespace-separated suites list. */
static void consider(struct found *f, const char *suite, const char *uri, size_t urilen,
		     const char *suites, size_t slen, int debian)
{
	char sec1[128], sec2[128];
	snprintf(sec1, sizeof(sec1), "%s-security", suite);
	snprintf(sec2, sizeof(sec2), "%s/updates", suite);
	for (const char *p = suites, *end = suites + slen; p < end;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
			p++;
		const char *w = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		size_t wl = (size_t)(p - w);
		if (!wl || !debian)
			continue;
		if (!f->mirror && wl == strlen(suite) && !strncmp(w, suite, wl))
			f->mirror = trim_slash(uri, urilen);
		if (!f->security && ((wl == strlen(sec1) && !strncmp(w, sec1, wl)) ||
				     (wl == strlen(sec2) && !strncmp(w, sec2, wl))))
			f->security = trim_slash(uri, urilen);
		int sec;
		if (!debian_suite(w, wl, &sec))
			continue;
		if (sec && !f->any_security)
			f->any_security = trim_slash(uri, urilen);
		if (!sec && !f->any) {
			f->any = trim_slash(uri, urilen);
			f->any_suite = strndup(w, wl);
		}
	}
}

static int has_word(const char *v, size_t len, const char *word)
{
	size_t wl = strlen(word);
	for (size_t i = 0; i + wl <= len; i++)
		if (!strncmp(v + i, word, wl) && (i == 0 || v[i - 1] == ' ') &&
		    (i + wl == len || v[i + wl] == ' ' || v[i + wl] == '\n'))
			return 1;
	return 0;
}

static void scan_deb822(struct found *f, const char *suite, const char *path)
{
	struct lv_buf b = { .max = 1 << 20 };
	struct lv_deb822 r;
	struct lv_para p;

	if (lv_read_file(path, &b) < 0) {
		lv_buf_release(&b);
		return;
	}
	lv_deb822_init(&r, b.p, b.len);
	while (lv_deb822_next(&r, &p) == 1) {
		size_t tl, ul, sl, el;
		const char *types = lv_para_get(&p, "Types", &tl);
		const char *uris = lv_para_get(&p, "URIs", &ul);
		const char *suites = lv_para_get(&p, "Suites", &sl);
		const char *enabled = lv_para_get(&p, "Enabled", &el);
		size_t kl = 0;
		const char *signed_by = lv_para_get(&p, "Signed-By", &kl);
		if (!types || !uris || !suites || !has_word(types, tl, "deb"))
			continue;
		if (enabled && el == 2 && !strncmp(enabled, "no", 2))
			continue;
		size_t first = strcspn(uris, " \t\n");
		size_t len = first < ul ? first : ul;
		consider(f, suite, uris, len, suites, sl, debian_source(uris, len, signed_by, kl));
	}
	lv_buf_release(&b);
}

static void scan_oneline(struct found *f, const char *suite, const char *path)
{
	_cleanup_fclose_ FILE *in = fopen(path, "re");
	char line[2048];

	if (!in)
		return;
	while (fgets(line, sizeof(line), in)) {
		char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save);
		if (!tok || strcmp(tok, "deb"))
			continue;
		tok = strtok_r(NULL, " \t\r\n", &save);
		const char *signed_by = NULL;
		if (tok && tok[0] == '[') /* options: [arch=amd64 signed-by=...] */
			while (tok && !strchr(tok, ']')) {
				if (strstr(tok, "signed-by="))
					signed_by = strstr(tok, "signed-by=") + 10;
				tok = strtok_r(NULL, " \t\r\n", &save);
			}
		if (tok && strstr(tok, "signed-by="))
			signed_by = strstr(tok, "signed-by=") + 10;
		if (tok && tok[0] == '[')
			tok = strtok_r(NULL, " \t\r\n", &save);
		else if (tok && strchr(tok, ']'))
			tok = strtok_r(NULL, " \t\r\n", &save);
		const char *uri = tok;
		const char *dist = strtok_r(NULL, " \t\r\n", &save);
		if (uri && dist)
			consider(f, suite, uri, strlen(uri), dist, strlen(dist),
				 debian_source(uri, strlen(uri), signed_by, signed_by ? strlen(signed_by) : 0));
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files in dir ending in ext, sorted (APT reads them in that order). */
static void scan_dir(struct found *f, const char *suite, const char *dir, const char *ext, int deb822)
{
	DIR *dd = opendir(dir);
	char *names[256];
	size_t n = 0;
	struct dirent *e;

	if (!dd)
		return;
	while ((e = readdir(dd)) && n < LV_ARRAY_SIZE(names)) {
		size_t l = strlen(e->d_name), el = strlen(ext);
		if (l > el && !strcmp(e->d_name + l - el, ext))
			names[n++] = strdup(e->d_name);
	}
	closedir(dd);
	qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = lv_path_join(dir, names[i]);
		if (deb822)
			scan_deb822(f, suite, path);
		else
			scan_oneline(f, suite, path);
		free(names[i]);
	}
}

int lv_sources_host(const char *etc_apt, const char *suite, char **mirror, char **security, char **via)
{
	struct found f = { 0 };
	_cleanup_free_ char *dir = lv_path_join(etc_apt, "sources.list.d");
	_cleanup_free_ char *list = lv_path_join(etc_apt, "sources.list");

	/* APT's order: sources.list, then sources.list.d */
	scan_oneline(&f, suite, list);
	scan_dir(&f, suite, dir, ".list", 0);
	scan_dir(&f, suite, dir, ".sources", 1);
	*via = NULL;
	if (!f.mirror && f.any) {
		/* the same archive serves every suite: borrow its URI */
		f.mirror = TAKE_PTR(f.any);
		*via = TAKE_PTR(f.any_suite);
		if (!f.security)
			f.security = TAKE_PTR(f.any_security);
	}
	*mirror = f.mirror;
	*security = f.security;
	free(f.any);
	free(f.any_security);
	free(f.any_suite);
	return 0;
}

int lv_sources_pick(const char *manifest_mirror, const char *manifest_security, const char *suite,
		    char **mirror, char **security, struct lv_diags *d)
{
	char *host_m = NULL, *host_s = NULL;
	_cleanup_free_ char *via = NULL;
	const char *env_m = getenv("LIVEC_MIRROR"), *env_s = getenv("LIVEC_SECURITY_MIRROR");
	const char *etc = getenv("LIVEC_APT_ETC") ? getenv("LIVEC_APT_ETC") : "/etc/apt";

	lv_sources_host(etc, suite, &host_m, &host_s, &via);
	if (manifest_mirror)
		*mirror = trim_slash(manifest_mirror, strlen(manifest_mirror));
	else if (env_m && *env_m)
		*mirror = trim_slash(env_m, strlen(env_m));
	else if ((*mirror = host_m ? strdup(host_m) : NULL) && via)
		lv_note(d, "the APT sources in %s name no '%s': using the Debian mirror they list for '%s'",
			etc, suite, via);

	if (manifest_security)
		*security = trim_slash(manifest_security, strlen(manifest_security));
	else if (env_s && *env_s)
		*security = trim_slash(env_s, strlen(env_s));
	else if (host_s && !manifest_mirror && !(env_m && *env_m))
		*security = strdup(host_s);
	else if (*mirror && asprintf(security, "%s-security", *mirror) < 0)
		*security = NULL;
	free(host_m);
	free(host_s);
	if (!*mirror) {
		lv_error(d, "no mirror for suite '%s': set distribution.mirror in the manifest, "
			    "$LIVEC_MIRROR, or an APT source for it in %s", suite, etc);
		return -LVE_NOMIRROR;
	}
	return 0;
}
