/* Copyright file analysis (copyright.h).  References: the machine-readable
 * copyright format 1.0 (DEP-5) §"License specification" and "License short
 * name"; the SPDX License List for ids; Debian Policy §12.5 for
 * /usr/share/common-licenses. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "license/copyright.h"
#include "repo/deb822.h"

const char *lv_license_method_name(enum lv_license_method m)
{
	static const char *const n[] = { "none", "dep5", "common-licenses-reference", "text-match" };
	return n[m];
}

/* The lockfile's license-method: the method, then ", ambiguous" for a file
 * that names several licenses without saying (for livec) which files each
 * covers. */
static const char ambiguous_suffix[] = ", ambiguous";

void lv_license_method_format(enum lv_license_method m, int ambiguous, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s%s", lv_license_method_name(m), ambiguous ? ambiguous_suffix : "");
}

int lv_license_method_parse(const char *s, enum lv_license_method *m, int *ambiguous)
{
	size_t l = strlen(s), sl = sizeof(ambiguous_suffix) - 1;
	*ambiguous = l > sl && !strcmp(s + l - sl, ambiguous_suffix);
	if (*ambiguous)
		l -= sl;
	for (int i = LV_LIC_NONE; i <= LV_LIC_TEXT; i++)
		if (strlen(lv_license_method_name((enum lv_license_method)i)) == l &&
		    !strncmp(s, lv_license_method_name((enum lv_license_method)i), l)) {
			*m = (enum lv_license_method)i;
			return 0;
		}
	return -1;
}

/* SPDX ids Debian packages commonly declare under the same (case-folded)
 * name; the canonical spelling is what the SPDX License List uses. */
static const char *const spdx_known[] = {
	"0BSD", "AFL-2.1", "AFL-3.0", "Apache-1.1", "Apache-2.0", "APSL-2.0", "Artistic-1.0",
	"Artistic-1.0-Perl", "Artistic-2.0", "Beerware", "BSD-1-Clause", "BSD-2-Clause",
	"BSD-3-Clause", "BSD-4-Clause", "BSL-1.0", "bzip2-1.0.6", "CC-BY-3.0", "CC-BY-4.0",
	"CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CPL-1.0", "curl", "ECL-2.0",
	"EPL-1.0", "EPL-2.0", "EUPL-1.2", "FSFAP", "FSFUL", "FSFULLR", "FTL", "GPL-1.0-only",
	"GPL-1.0-or-later", "HPND", "ICU", "IJG", "ISC", "LPPL-1.3c", "Libpng", "libtiff",
	"MIT", "MIT-0", "MIT-CMU", "MPL-1.1", "MPL-2.0", "NCSA", "NTP", "OFL-1.1", "OLDAP-2.8",
	"OpenSSL", "PHP-3.01", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby", "SGI-B-2.0",
	"Sleepycat", "SSLeay-standalone", "TCL", "Unicode-DFS-2016", "Unicode-3.0", "Unlicense",
	"UPL-1.0", "Vim", "W3C", "WTFPL", "X11", "Zlib", "ZPL-2.1",
};

/* Debian short names that differ from their SPDX id. */
static const struct {
	const char *debian, *spdx;
} renames[] = {
	{ "Expat", "MIT" },           { "BSD-2-clause", "BSD-2-Clause" },
	{ "BSD-3-clause", "BSD-3-Clause" }, { "BSD-4-clause", "BSD-4-Clause" },
	{ "Artistic", "Artistic-1.0" }, { "Apache-2", "Apache-2.0" },
	{ "CC0", "CC0-1.0" },         { "PSF-2", "PSF-2.0" },
	{ "Python", "Python-2.0" },   { "BSL", "BSL-1.0" },
	{ "Boost-1.0", "BSL-1.0" },   { "SIL-OFL-1.1", "OFL-1.1" },
	{ "OFL", "OFL-1.1" },         { "ZPL-2.1", "ZPL-2.1" },
	{ "MPL-2", "MPL-2.0" },       { "Unicode", "Unicode-DFS-2016" },
};

/* Debian exception names -> SPDX exception ids (the GPL version picks
 * among versioned ones). */
static const char *exception_id(const char *exc, int gpl_major)
{
	if (!strcasecmp(exc, "Autoconf") || !strncasecmp(exc, "Autoconf-", 9))
		return gpl_major >= 3 ? "Autoconf-exception-3.0" : "Autoconf-exception-2.0";
	if (!strncasecmp(exc, "GCC", 3))
		return gpl_major >= 3 ? "GCC-exception-3.1" : "GCC-exception-2.0";
	if (!strncasecmp(exc, "Bison", 5))
		return "Bison-exception-2.2";
	if (!strncasecmp(exc, "Libtool", 7))
		return "Libtool-exception";
	if (!strncasecmp(exc, "Classpath", 9))
		return "Classpath-exception-2.0";
	if (!strncasecmp(exc, "Font", 4))
		return "Font-exception-2.0";
	if (!strncasecmp(exc, "Linux-syscall", 13) || !strcasecmp(exc, "syscall"))
		return "Linux-syscall-note";
	if (!strncasecmp(exc, "LLVM", 4))
		return "LLVM-exception";
	if (!strncasecmp(exc, "OCaml", 5))
		return "OCaml-LGPL-linking-exception";
	if (!strncasecmp(exc, "u-boot", 6))
		return "u-boot-exception-2.0";
	return NULL;
}

/* A Debian license name as a LicenseRef idstring: letters, digits, '.', '-'.
 * A trailing '+' reads "or later", as in Debian's own names. */
static char *sanitize_ref(const char *s)
{
	size_t len = strlen(s);
	int plus = len && s[len - 1] == '+';
	char *out = malloc(len + 10), *o = out;
	for (size_t i = 0; i < len - (size_t)plus; i++) {
		if (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '-')
			*o++ = s[i];
		else if (o > out && o[-1] != '-')
			*o++ = '-';
	}
	while (o > out && o[-1] == '-')
		o--;
	if (plus) {
		memcpy(o, "-or-later", 9);
		o += 9;
	}
	*o = '\0';
	return out;
}

static struct lv_spdx *ref(const char *name)
{
	_cleanup_free_ char *s = sanitize_ref(name);
	char id[300];
	snprintf(id, sizeof(id), "LicenseRef-Debian-%s", *s ? s : "unknown");
	return lv_spdx_id(id);
}

/* GPL-2, GPL-2+, LGPL-2.1+, AGPL-3, GFDL-1.3+, GFDL-NIV-1.2: the versioned
 * GNU licenses.  Returns NULL if name is not one. */
static struct lv_spdx *gnu(const char *name, int *major)
{
	static const char *const fams[] = { "GPL", "LGPL", "AGPL", "GFDL-NIV", "GFDL" };
	for (size_t f = 0; f < LV_ARRAY_SIZE(fams); f++) {
		size_t fl = strlen(fams[f]);
		if (strncasecmp(name, fams[f], fl))
			continue;
		const char *v = name + fl;
		int plus = 0;
		char ver[16] = "";
		if (*v == '-' || *v == ' ')
			v++;
		size_t n = 0;
		while ((isdigit((unsigned char)*v) || *v == '.') && n + 1 < sizeof(ver))
			ver[n++] = *v++;
		ver[n] = '\0';
		if (*v == '+') {
			plus = 1;
			v++;
		}
		if (!strncasecmp(v, ".0", 2))
			v += 2;
		/* SPDX spellings written as Debian names: "LGPL-2.0-or-later", "GPL-2.0-only" */
		if (!plus && !strcasecmp(v, "-or-later")) {
			plus = 1;
			v += 9;
		} else if (!plus && !strcasecmp(v, "-only"))
			v += 5;
		/* "GFDL-1.3+-no-invariant(s)": Debian's other spelling of GFDL-NIV */
		int niv = !strcmp(fams[f], "GFDL-NIV");
		if (!strcmp(fams[f], "GFDL") && (!strcasecmp(v, "-no-invariant") || !strcasecmp(v, "-no-invariants"))) {
			niv = 1;
			v += strlen(v);
		}
		if (*v)
			return NULL;
		if (!*ver) { /* unversioned "GPL": any version; the first GFDL is 1.1 */
			strcpy(ver, fams[f][0] == 'L' ? "2" : fams[f][1] == 'F' ? "1.1" : "1");
			plus = 1;
		}
		if (!strchr(ver, '.'))
			strcat(ver, ".0");
		*major = ver[0] - '0';
		char id[64];
		if (niv)
			snprintf(id, sizeof(id), "GFDL-%s-no-invariants-%s", ver, plus ? "or-later" : "only");
		else
			snprintf(id, sizeof(id), "%s-%s-%s", fams[f], ver, plus ? "or-later" : "only");
		return lv_spdx_id(id);
	}
	return NULL;
}

struct lv_spdx *lv_debian_license(const char *name_in, const char *exception)
{
	char name[256];
	int major = 0;
	struct lv_spdx *e = NULL;

	snprintf(name, sizeof(name), "%s", name_in);
	size_t l = strlen(name);
	while (l && (name[l - 1] == '.' || name[l - 1] == ';'))
		name[--l] = '\0';

	if (!strcasecmp(name, "Perl"))
		e = lv_spdx_op(LV_SPDX_OR, lv_spdx_id("GPL-1.0-or-later"), lv_spdx_id("Artistic-1.0-Perl"));
	else if (!strcasecmp(name, "public-domain") || !strcasecmp(name, "PD"))
		e = lv_spdx_id("LicenseRef-Debian-public-domain");
	if (!e)
		e = gnu(name, &major);
	for (size_t i = 0; !e && i < LV_ARRAY_SIZE(renames); i++)
		if (!strcasecmp(name, renames[i].debian))
			e = lv_spdx_id(renames[i].spdx);
	for (size_t i = 0; !e && i < LV_ARRAY_SIZE(spdx_known); i++)
		if (!strcasecmp(name, spdx_known[i]))
			e = lv_spdx_id(spdx_known[i]);
	if (!e && (!strcasecmp(name, "MIT/X11") || !strcasecmp(name, "X11-MIT")))
		e = lv_spdx_id("X11");
	if (!e)
		e = ref(name);
	if (!exception)
		return e;
	const char *exc = exception_id(exception, major);
	if (exc && e->op == LV_SPDX_ID && strncmp(e->id, "LicenseRef-", 11)) {
		struct lv_spdx *w = lv_spdx_op(LV_SPDX_WITH, e, NULL);
		w->id = strdup(exc);
		return w;
	}
	/* SPDX 2.3 has no custom exceptions: the combination becomes one ref,
	 * named after the SPDX id where there is one */
	char both[300];
	int plain = e->op == LV_SPDX_ID && strncmp(e->id, "LicenseRef-", 11);
	snprintf(both, sizeof(both), "%s-with-%s-exception", plain ? e->id : name, exception);
	lv_spdx_free(e);
	return ref(both);
}

/* ---- Debian license expressions ---- */

struct dlex {
	char **t;
	size_t n, i;
};

static void tokenize(const char *s, struct dlex *x)
{
	x->t = calloc(strlen(s) + 2, sizeof(char *));
	x->n = x->i = 0;
	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (*s == ',') {
			x->t[x->n++] = strdup(",");
			s++;
			continue;
		}
		const char *w = s;
		while (*s && !isspace((unsigned char)*s) && *s != ',')
			s++;
		x->t[x->n++] = strndup(w, (size_t)(s - w));
	}
}

static const char *peek(const struct dlex *x)
{
	return x->i < x->n ? x->t[x->i] : "";
}

static struct lv_spdx *d_term(struct dlex *x)
{
	const char *name = peek(x);
	if (!*name || !strcmp(name, ",") || !strcasecmp(name, "and") || !strcasecmp(name, "or"))
		return NULL;
	x->i++;
	if (!strcasecmp(peek(x), "with")) {
		/* "with <words> exception" */
		struct lv_buf exc = { 0 };
		x->i++;
		while (x->i < x->n && strcasecmp(peek(x), "exception") && strcmp(peek(x), ",") &&
		       strcasecmp(peek(x), "and") && strcasecmp(peek(x), "or")) {
			lv_buf_printf(&exc, "%s%s", exc.len ? "-" : "", peek(x));
			x->i++;
		}
		if (!strcasecmp(peek(x), "exception"))
			x->i++;
		struct lv_spdx *e = lv_debian_license(name, exc.p ? exc.p : "unknown");
		lv_buf_release(&exc);
		return e;
	}
	return lv_debian_license(name, NULL);
}

static struct lv_spdx *d_and(struct dlex *x)
{
	struct lv_spdx *e = d_term(x);
	while (e && !strcasecmp(peek(x), "and")) {
		x->i++;
		struct lv_spdx *r = d_term(x);
		if (!r)
			break;
		e = lv_spdx_op(LV_SPDX_AND, e, r);
	}
	return e;
}

static struct lv_spdx *d_or(struct dlex *x)
{
	struct lv_spdx *e = d_and(x);
	while (e && !strcasecmp(peek(x), "or")) {
		x->i++;
		struct lv_spdx *r = d_and(x);
		if (!r)
			break;
		e = lv_spdx_op(LV_SPDX_OR, e, r);
	}
	return e;
}

struct lv_spdx *lv_debian_expression(const char *line)
{
	struct dlex x;
	tokenize(line, &x);
	struct lv_spdx *e = d_or(&x);
	/* ", and" / ", or": lower precedence than plain and/or, left to right */
	while (e && !strcmp(peek(&x), ",")) {
		x.i++;
		enum lv_spdx_op op = LV_SPDX_AND;
		if (!strcasecmp(peek(&x), "or")) {
			op = LV_SPDX_OR;
			x.i++;
		} else if (!strcasecmp(peek(&x), "and"))
			x.i++;
		struct lv_spdx *r = d_or(&x);
		if (!r)
			break;
		e = lv_spdx_op(op, e, r);
	}
	for (size_t i = 0; i < x.n; i++)
		free(x.t[i]);
	free(x.t);
	return e;
}

/* ---- whole files ---- */

static char *first_line(const char *v, size_t len)
{
	const char *nl = memchr(v, '\n', len);
	size_t l = nl ? (size_t)(nl - v) : len;
	while (l && isspace((unsigned char)v[l - 1]))
		l--;
	return strndup(v, l);
}

static enum lv_license_method dep5(const char *text, size_t len, struct lv_spdx **out)
{
	struct lv_deb822 r;
	struct lv_para p;
	struct lv_spdx *all = NULL, *header = NULL;
	int first = 1;
	size_t vl;

	lv_deb822_init(&r, text, len);
	while (lv_deb822_next(&r, &p) == 1) {
		const char *lic = lv_para_get(&p, "License", &vl);
		if (first) {
			first = 0;
			if (lic) {
				_cleanup_free_ char *line = first_line(lic, vl);
				header = lv_debian_expression(line);
			}
			continue;
		}
		if (!lic || !lv_para_get(&p, "Files", NULL))
			continue; /* standalone License paragraphs hold texts, not claims */
		_cleanup_free_ char *line = first_line(lic, vl);
		struct lv_spdx *e = lv_debian_expression(line);
		if (e)
			all = lv_spdx_and_unique(all, e);
	}
	if (!all)
		all = header;
	else
		lv_spdx_free(header);
	*out = all;
	return all ? LV_LIC_DEP5 : LV_LIC_NONE;
}

static int has(const char *text, const char *needle)
{
	return strcasestr(text, needle) != NULL;
}

/* "or (at your option) any later version" anywhere in text: text_match's
 * coarse reading of a file that names one license. */
static int later(const char *text)
{
	return has(text, "any later version") || has(text, "or later");
}

/* A permissive license quoted in full: its id, or NULL. */
static const char *permissive_text(const char *text)
{
	if (has(text, "Permission is hereby granted, free of charge, to any person obtaining a copy"))
		return "MIT";
	if (has(text, "Redistribution and use in source and binary forms")) {
		if (has(text, "advertising materials"))
			return "BSD-4-Clause";
		if (has(text, "Neither the name") || has(text, "endorse or promote"))
			return "BSD-3-Clause";
		return "BSD-2-Clause";
	}
	if (has(text, "provided 'as-is', without any express or implied warranty"))
		return "Zlib";
	if (has(text, "Permission to use, copy, modify, and/or distribute this software for any"))
		return "ISC";
	if (has(text, "Apache License") && has(text, "Version 2.0"))
		return "Apache-2.0";
	/* X.Org's notices: the Open Group's (SPDX MIT-open-group), or the
	 * older one without its "Except as contained" clause
	 * (HPND-sell-variant) */
	if (has(text, "Permission to use, copy, modify, distribute, and sell this software"))
		return has(text, "Except as contained in this notice") ? "MIT-open-group" : "HPND-sell-variant";
	return NULL;
}

/* ---- other files: /usr/share/common-licenses references (Debian Policy
 * §12.5).  Each reference is read with the text around it: the GNU
 * license's version and "or later" wording stated near it, and a
 * well-known exception stated near it.  A file that names several licenses
 * in prose is reported with all of them, marked ambiguous: which files each
 * covers is written for people, not for livec. ---- */

/* Bytes before a reference that may state its version (the license notice
 * usually comes first, then "On Debian systems ... /usr/share/common-
 * licenses/GPL"), and at most this many after it, to the paragraph's end. */
#define REF_BEFORE 1500
#define REF_AFTER 300

/* Where `phrase` occurs in [b, e), case-insensitively; a run of white space
 * in the phrase matches any run in the text (copyright files wrap lines
 * anywhere).  NULL if it does not occur. */
static const char *find_words(const char *b, const char *e, const char *phrase)
{
	for (const char *s = b; s < e; s++) {
		const char *t = s, *p = phrase;
		while (*p && t < e) {
			if (isspace((unsigned char)*p)) {
				if (!isspace((unsigned char)*t))
					break;
				while (isspace((unsigned char)*p))
					p++;
				while (t < e && isspace((unsigned char)*t))
					t++;
			} else if (tolower((unsigned char)*p) == tolower((unsigned char)*t)) {
				p++;
				t++;
			} else
				break;
		}
		if (!*p)
			return s;
	}
	return NULL;
}

enum gnu_family { FAM_NONE, FAM_GPL, FAM_LGPL, FAM_AGPL, FAM_GFDL };

/* The GNU license a name at s starts ("Lesser General Public", "LGPL",
 * "GNU Free Documentation", ...); FAM_NONE if none does. */
static enum gnu_family family_at(const char *b, const char *s)
{
	static const struct {
		const char *word;
		enum gnu_family fam;
	} words[] = {
		{ "Lesser", FAM_LGPL }, { "Library General", FAM_LGPL }, { "LGPL", FAM_LGPL },
		{ "Affero", FAM_AGPL }, { "AGPL", FAM_AGPL },          { "Free Documentation", FAM_GFDL },
		{ "FDL", FAM_GFDL },    { "General Public", FAM_GPL },  { "GPL", FAM_GPL },
	};
	for (size_t i = 0; i < LV_ARRAY_SIZE(words); i++) {
		size_t l = strlen(words[i].word);
		if (strncasecmp(s, words[i].word, l))
			continue;
		if (words[i].fam != FAM_GPL)
			return words[i].fam;
		if (s > b && strchr("LA", toupper((unsigned char)s[-1])))
			return FAM_NONE; /* the tail of LGPL/AGPL: found at s - 1 */
		const char *w = s; /* "Lesser General Public": the word before decides */
		while (w > b && isspace((unsigned char)w[-1]))
			w--;
		for (size_t k = 0; k < 3 && w != s; k++) {
			static const char *const before[] = { "Lesser", "Library", "Affero" };
			size_t bl = strlen(before[k]);
			if (w - b >= (ptrdiff_t)bl && !strncasecmp(w - bl, before[k], bl))
				return k == 2 ? FAM_AGPL : FAM_LGPL;
		}
		return FAM_GPL;
	}
	return FAM_NONE;
}

/* The license a version number belongs to: the closest GNU license name
 * before it in the same sentence. */
static enum gnu_family family_before(const char *b, const char *num)
{
	const char *start = num - 400 > b ? num - 400 : b;
	for (const char *q = num - 1; q >= start; q--) {
		if ((q[0] == '.' && q + 1 < num && isspace((unsigned char)q[1])) || (q[0] == '\n' && q[1] == '\n'))
			break;
		enum gnu_family f = family_at(b, q);
		if (f != FAM_NONE)
			return f;
	}
	return FAM_NONE;
}

/* A version number is stated as "version 2", "License 2.1", "FDL 1.3",
 * "v3", "GPLv2", "LGPLv2.1": the word or "v" right before num. */
static int version_marker(const char *b, const char *num)
{
	const char *p = num;
	if (p > b && tolower((unsigned char)p[-1]) == 'v') {
		p--;
		return p == b || !isalpha((unsigned char)p[-1]) || (p - b >= 3 && !strncasecmp(p - 3, "GPL", 3));
	}
	while (p > b && isspace((unsigned char)p[-1]))
		p--;
	if (p == num)
		return 0;
	static const char *const words[] = { "version", "license", "fdl" };
	for (size_t i = 0; i < LV_ARRAY_SIZE(words); i++) {
		size_t l = strlen(words[i]);
		if (p - b >= (ptrdiff_t)l && !strncasecmp(p - l, words[i], l) &&
		    (p - l == b || !isalpha((unsigned char)p[-(ptrdiff_t)l - 1])))
			return 1;
	}
	return 0;
}

/* One GNU license version as the text states it. */
struct stated {
	enum gnu_family fam;
	int major, minor, later;
	const char *at;
};

/* "2", "2.1", "3.0" at s (1 to 3, no further digit: not "1991"); returns
 * the end of the number or NULL. */
static const char *read_version(const char *s, const char *e, int *major, int *minor)
{
	if (s >= e || *s < '1' || *s > '3')
		return NULL;
	*major = *s++ - '0';
	*minor = 0;
	if (s + 1 < e && *s == '.' && isdigit((unsigned char)s[1])) {
		*minor = s[1] - '0';
		s += 2;
	}
	return s < e && isdigit((unsigned char)*s) ? NULL : s;
}

/* "or (at your option) any later version", "or later", "2.1+": in the
 * rest of the sentence after a version number. */
static int later_wording(const char *s, const char *e)
{
	if (s < e && *s == '+')
		return 1;
	const char *end = s + 200 < e ? s + 200 : e;
	for (const char *q = s; q < end; q++)
		if ((*q == '.' && q + 1 < end && isspace((unsigned char)q[1])) || (q[0] == '\n' && q[1] == '\n')) {
			end = q;
			break;
		}
	return find_words(s, end, "later version") || find_words(s, end, "or later") ||
	       find_words(s, end, "any later");
}

/* The next version statement in [*s, e) (advancing *s past it); 0 at the end. */
static int next_stated(const char *b, const char **s, const char *e, struct stated *st)
{
	for (; *s < e; (*s)++) {
		const char *end = read_version(*s, e, &st->major, &st->minor);
		if (!end || !version_marker(b, *s) || (*s > b && isdigit((unsigned char)(*s)[-1])))
			continue;
		st->fam = family_before(b, *s);
		st->later = later_wording(end, e);
		st->at = *s;
		*s = end;
		return 1;
	}
	return 0;
}

/* A reference's name: family and version as the link names them
 * ("GPL-2", "LGPL-2.1", "GFDL"); major 0 for an unversioned link. */
struct ref_name {
	enum gnu_family fam;
	int major, minor;
	const char *other; /* not a GNU license: its Debian name */
};

static int parse_ref_name(const char *n, struct ref_name *r)
{
	static const char *const others[] = { "Apache-2.0", "Artistic", "BSD", "MPL-1.1", "MPL-2.0", "CC0-1.0" };
	static const struct {
		const char *name;
		enum gnu_family fam;
	} gnus[] = { { "LGPL", FAM_LGPL }, { "AGPL", FAM_AGPL }, { "GFDL", FAM_GFDL }, { "GPL", FAM_GPL } };
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < LV_ARRAY_SIZE(others); i++) {
		size_t l = strlen(others[i]);
		if (!strncmp(n, others[i], l) && !isalnum((unsigned char)n[l]) && n[l] != '-') {
			r->other = !strcmp(others[i], "BSD") ? "BSD-3-clause" : others[i];
			return 1;
		}
	}
	for (size_t i = 0; i < LV_ARRAY_SIZE(gnus); i++) {
		size_t l = strlen(gnus[i].name);
		if (strncmp(n, gnus[i].name, l))
			continue;
		r->fam = gnus[i].fam;
		if (n[l] == '-' && read_version(n + l + 1, n + l + 5, &r->major, &r->minor))
			return 1;
		return !isalnum((unsigned char)n[l]) && n[l] != '-';
	}
	return 0;
}

/* Default when no version is stated: "the GPL" means any version ever
 * published (GPL-2.0 §9), so the first. */
static void first_version(enum gnu_family f, int *major, int *minor)
{
	*major = f == FAM_LGPL ? 2 : 1;
	*minor = f == FAM_GFDL ? 1 : 0;
}

/* The Debian name ("GPL-2.0+") of a GNU reference, read in [b, e) around
 * `at`: an unversioned link takes the version stated nearest before it (else
 * just after it); a versioned one is "or later" if a statement of that very
 * version says so, else "only". */
static void gnu_ref_name(const struct ref_name *r, const char *b, const char *at, const char *e, char *out,
			 size_t outsz)
{
	static const char *const fam_name[] = { "", "GPL", "LGPL", "AGPL", "GFDL" };
	int major = r->major, minor = r->minor, plus = 0, have_before = 0;
	struct stated st, after = { 0 };
	const char *s = b;
	while (next_stated(b, &s, e, &st)) {
		/* a versioned link needs its very number; an unversioned one a
		 * statement that names its license */
		if (st.fam != r->fam && (st.fam != FAM_NONE || !r->major))
			continue;
		if (r->major)
			plus |= st.major == r->major && st.minor == r->minor && st.later;
		else if (st.at < at) { /* the last one before the link */
			major = st.major;
			minor = st.minor;
			plus = st.later;
			have_before = 1;
		} else if (!after.at)
			after = st;
	}
	if (!r->major && !have_before && after.at) {
		major = after.major;
		minor = after.minor;
		plus = after.later;
	}
	if (!major) {
		first_version(r->fam, &major, &minor);
		plus = 1;
	}
	snprintf(out, outsz, "%s-%d.%d%s", fam_name[r->fam], major, minor, plus ? "+" : "");
}

/* Well-known exceptions as their texts word them -> the Debian exception
 * name exception_id() maps to SPDX (SPDX License List, "Exceptions"). */
static const struct {
	const char *phrase, *debian;
} exception_texts[] = {
	{ "GCC Runtime Library Exception", "GCC" },
	{ "some of which are compiled with GCC", "GCC" },              /* GCC-exception-2.0 */
	{ "configuration script generated by Autoconf", "Autoconf" },   /* Autoconf-exception-2.0 */
	{ "Autoconf Configure Script Exception", "Autoconf" },          /* Autoconf-exception-3.0 */
	{ "Bison parser skeleton", "Bison" },                           /* Bison-exception-2.2 */
	{ "link this library with independent modules", "Classpath" }, /* Classpath-exception-2.0 */
	{ "if you create a document which uses this font", "Font" },    /* Font-exception-2.0 */
	/* no SPDX id: lv_debian_license makes it a LicenseRef (see docs/licenses.md) */
	{ "link the code of this program with the OpenSSL library", "OpenSSL" },
	{ "link the code of portions of this program with the OpenSSL library", "OpenSSL" },
	{ "OpenSSL exception", "OpenSSL" },
};

/* The Debian name of a well-known exception stated in [b, e), or NULL. */
static const char *exception_in(const char *b, const char *e)
{
	for (size_t i = 0; i < LV_ARRAY_SIZE(exception_texts); i++)
		if (find_words(b, e, exception_texts[i].phrase))
			return exception_texts[i].debian;
	return NULL;
}

/* Statements that settle a whole file, however many licenses it names
 * besides: Debian's gcc-N copyright, which the runtime library packages
 * (libgcc-s1, libstdc++6, ...) share through their doc-directory links. */
static const struct {
	const char *phrase, *debian;
} governing[] = {
	{ "The following runtime libraries are licensed under the terms of the GNU General Public "
	  "License (v3 or later) with version 3.1 of the GCC Runtime Library Exception",
	  "GPL-3+ with GCC exception" },
};

static const char common_prefix[] = "/usr/share/common-licenses/";

/* The reference at `at` (pointing at its name) as SPDX, or NULL for a name
 * livec does not know.  `single_gpl`: the file's only GNU reference, which
 * takes an exception stated anywhere in the file. */
static struct lv_spdx *read_ref(const char *text, const char *at, int single_gpl)
{
	struct ref_name r;
	if (!parse_ref_name(at, &r))
		return NULL;
	if (r.other)
		return lv_debian_license(r.other, NULL);
	const char *b = at - REF_BEFORE > text ? at - REF_BEFORE : text;
	const char *e = at + strlen(at) < at + REF_AFTER ? at + strlen(at) : at + REF_AFTER;
	const char *para = strstr(at, "\n\n");
	if (para && para < e)
		e = para;
	char name[32];
	if (r.major) /* its very version may be worded anywhere: the notice often opens the file */
		gnu_ref_name(&r, text, at, text + strlen(text), name, sizeof(name));
	else
		gnu_ref_name(&r, b, at, e, name, sizeof(name));
	const char *exc = NULL;
	if (r.fam != FAM_GFDL)
		exc = exception_in(b, e) ? exception_in(b, e) : single_gpl ? exception_in(text, text + strlen(text)) : NULL;
	return lv_debian_license(name, exc);
}

/* How many references in text name a GNU license other than the GFDL. */
static int gpl_refs(const char *text)
{
	int n = 0;
	struct ref_name r;
	for (const char *p = strstr(text, common_prefix); p; p = strstr(p + 1, common_prefix))
		n += parse_ref_name(p + sizeof(common_prefix) - 1, &r) && !r.other && r.fam != FAM_GFDL;
	return n;
}

static enum lv_license_method common_refs(const char *text, struct lv_spdx **out, int *ambiguous)
{
	struct lv_spdx *all = NULL;
	const char *end = text + strlen(text);

	*ambiguous = 0;
	if (!has(text, common_prefix))
		return LV_LIC_NONE;
	if (has(text, "same terms as Perl itself")) {
		*out = lv_debian_license("Perl", NULL);
		return LV_LIC_COMMON;
	}
	for (size_t i = 0; i < LV_ARRAY_SIZE(governing); i++)
		if (find_words(text, end, governing[i].phrase)) {
			*out = lv_debian_expression(governing[i].debian);
			return LV_LIC_COMMON;
		}
	int single_gpl = gpl_refs(text) == 1;
	for (const char *p = strstr(text, common_prefix); p; p = strstr(p + 1, common_prefix)) {
		struct lv_spdx *e = read_ref(text, p + sizeof(common_prefix) - 1, single_gpl);
		if (e)
			all = lv_spdx_and_unique(all, e);
	}
	/* a permissive license quoted in full besides the references is named too */
	const char *text_id = all ? permissive_text(text) : NULL;
	if (text_id)
		all = lv_spdx_and_unique(all, lv_spdx_id(text_id));
	*out = all;
	*ambiguous = all && all->op == LV_SPDX_AND;
	return all ? LV_LIC_COMMON : LV_LIC_NONE;
}

static enum lv_license_method text_match(const char *text, struct lv_spdx **out)
{
	const char *id = permissive_text(text);
	if (id)
		;
	else if (has(text, "GNU Lesser General Public License") || has(text, "GNU Library General Public License"))
		id = later(text) ? (has(text, "version 3") ? "LGPL-3.0-or-later" : "LGPL-2.1-or-later")
				 : (has(text, "version 3") ? "LGPL-3.0-only" : "LGPL-2.1-only");
	else if (has(text, "GNU General Public License")) {
		int v3 = has(text, "version 3"), v2 = has(text, "version 2");
		if (v3 || v2)
			id = v3 ? (later(text) ? "GPL-3.0-or-later" : "GPL-3.0-only")
				: (later(text) ? "GPL-2.0-or-later" : "GPL-2.0-only");
	} else if (has(text, "public domain"))
		id = "LicenseRef-Debian-public-domain";
	*out = id ? lv_spdx_id(id) : NULL;
	return id ? LV_LIC_TEXT : LV_LIC_NONE;
}

enum lv_license_method lv_copyright_analyse(const char *text, size_t len, struct lv_spdx **expr, int *ambiguous)
{
	_cleanup_free_ char *z = strndup(text, len); /* NUL-terminated copy */
	size_t skip = 0;
	*expr = NULL;
	*ambiguous = 0;
	while (skip < len && isspace((unsigned char)z[skip]))
		skip++;
	if (!strncasecmp(z + skip, "Format:", 7) || !strncasecmp(z + skip, "Format-Specification:", 21)) {
		enum lv_license_method m = dep5(z + skip, len - skip, expr);
		if (m != LV_LIC_NONE)
			return m;
	}
	if (common_refs(z, expr, ambiguous) == LV_LIC_NONE)
		return text_match(z, expr);
	return LV_LIC_COMMON;
}
