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

int lv_license_method_parse(const char *s, enum lv_license_method *m)
{
	for (int i = LV_LIC_NONE; i <= LV_LIC_TEXT; i++)
		if (!strcmp(s, lv_license_method_name((enum lv_license_method)i))) {
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
		if (*v)
			return NULL;
		if (!*ver) { /* unversioned "GPL": any version */
			strcpy(ver, fams[f][0] == 'L' ? "2" : "1");
			plus = 1;
		}
		if (!strchr(ver, '.'))
			strcat(ver, ".0");
		*major = ver[0] - '0';
		char id[64];
		if (!strcmp(fams[f], "GFDL-NIV"))
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

/* "version 2 ... or (at your option) any later version" near a GNU license name. */
static int later(const char *text)
{
	return has(text, "any later version") || has(text, "or later");
}

static enum lv_license_method common_refs(const char *text, struct lv_spdx **out)
{
	static const char *const names[] = {
		"GPL-1", "GPL-2", "GPL-3", "LGPL-2.1", "LGPL-2", "LGPL-3", "GFDL-1.2", "GFDL-1.3",
		"Apache-2.0", "Artistic", "BSD", "MPL-1.1", "MPL-2.0", "CC0-1.0", "GPL", "LGPL", "GFDL",
	};
	static const char prefix[] = "/usr/share/common-licenses/";
	struct lv_spdx *all = NULL;
	int perl = has(text, "same terms as Perl itself");

	if (perl && has(text, prefix)) {
		*out = lv_debian_license("Perl", NULL);
		return LV_LIC_COMMON;
	}
	for (const char *p = strstr(text, prefix); p; p = strstr(p + 1, prefix)) {
		const char *n = p + sizeof(prefix) - 1;
		for (size_t i = 0; i < LV_ARRAY_SIZE(names); i++) {
			size_t l = strlen(names[i]);
			if (strncmp(n, names[i], l) || isalnum((unsigned char)n[l]) ||
			    (n[l] == '.' && isdigit((unsigned char)n[l + 1])) || n[l] == '-')
				continue;
			char name[32];
			if (!strcmp(names[i], "GPL") || !strcmp(names[i], "LGPL") || !strcmp(names[i], "GFDL")) {
				/* the unversioned link: find the version in the text */
				const char *v = strcasestr(text, "version ");
				int major = v ? atoi(v + 8) : 0;
				if (major < 1 || major > 3)
					snprintf(name, sizeof(name), "%s", names[i]);
				else if (!strcmp(names[i], "LGPL") && major == 2)
					snprintf(name, sizeof(name), "LGPL-2.1");
				else
					snprintf(name, sizeof(name), "%s-%d", names[i], major);
			} else
				snprintf(name, sizeof(name), "%s", names[i]);
			if (!strcmp(names[i], "BSD"))
				snprintf(name, sizeof(name), "BSD-3-clause");
			if (!strncmp(name, "GPL", 3) || !strncmp(name, "LGPL", 4) || !strncmp(name, "GFDL", 4))
				if (later(text) && !strchr(name, '+'))
					strcat(name, "+");
			all = lv_spdx_and_unique(all, lv_debian_license(name, NULL));
			break;
		}
	}
	*out = all;
	return all ? LV_LIC_COMMON : LV_LIC_NONE;
}

static enum lv_license_method text_match(const char *text, struct lv_spdx **out)
{
	const char *id = NULL;
	if (has(text, "Permission is hereby granted, free of charge, to any person obtaining a copy"))
		id = "MIT";
	else if (has(text, "Redistribution and use in source and binary forms")) {
		if (has(text, "advertising materials"))
			id = "BSD-4-Clause";
		else if (has(text, "Neither the name") || has(text, "endorse or promote"))
			id = "BSD-3-Clause";
		else
			id = "BSD-2-Clause";
	} else if (has(text, "provided 'as-is', without any express or implied warranty"))
		id = "Zlib";
	else if (has(text, "Permission to use, copy, modify, and/or distribute this software for any"))
		id = "ISC";
	else if (has(text, "Apache License") && has(text, "Version 2.0"))
		id = "Apache-2.0";
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

enum lv_license_method lv_copyright_analyse(const char *text, size_t len, struct lv_spdx **expr)
{
	_cleanup_free_ char *z = strndup(text, len); /* NUL-terminated copy */
	size_t skip = 0;
	*expr = NULL;
	while (skip < len && isspace((unsigned char)z[skip]))
		skip++;
	if (!strncasecmp(z + skip, "Format:", 7) || !strncasecmp(z + skip, "Format-Specification:", 21)) {
		enum lv_license_method m = dep5(z + skip, len - skip, expr);
		if (m != LV_LIC_NONE)
			return m;
	}
	if (common_refs(z, expr) != LV_LIC_NONE)
		return LV_LIC_COMMON;
	return text_match(z, expr);
}
