/* Reading dpkg's output (dpkglog.h).
 *
 * dpkg reports a failed maintainer script as
 *
 *   Setting up NAME (VERSION) ...
 *   <whatever the script printed>
 *   dpkg: error processing package NAME (--configure):
 *    installed NAME package post-installation script subprocess returned error exit status 1
 *
 * and a package it could not configure as
 *
 *   dpkg: dependency problems prevent configuration of NAME:
 *    NAME depends on OTHER (= 1.0); however:
 *     Package OTHER is not configured yet.
 *
 * (dpkg's src/main/errors.c, src/main/script.c and src/main/depcon.c word
 * them so; the "Errors were encountered" summary that follows lists victims
 * too, so the first failure printed is the one to name). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "build/dpkglog.h"
#include "base/err.h"

/* The line that starts at p (without its newline), as a length. */
static size_t line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return (size_t)((nl ? nl : end) - p);
}

static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl + 1 : end;
}

static int starts(const char *p, const char *end, const char *prefix)
{
	size_t l = strlen(prefix);
	return (size_t)(end - p) >= l && !memcmp(p, prefix, l);
}

static const char *script_of(const char *line, size_t len)
{
	static const struct { const char *phrase, *script; } names[] = {
		{ "post-installation script", "postinst" }, { "pre-installation script", "preinst" },
		{ "pre-removal script", "prerm" },          { "post-removal script", "postrm" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (memmem(line, len, names[i].phrase, strlen(names[i].phrase)))
			return names[i].script;
	return NULL;
}

/* The start of the output that belongs to pkg before `stop`: the line after
 * the last "Setting up PKG (" / "Unpacking PKG (" / "Preparing to unpack"
 * line naming it, else the start of the text. */
static const char *output_start(const char *text, const char *stop, const char *pkg, size_t pl)
{
	const char *from = text;
	for (const char *p = text; p < stop; p = next_line(p, stop)) {
		static const char *const heads[] = { "Setting up ", "Unpacking ", "Preparing to unpack " };
		for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
			size_t hl = strlen(heads[i]);
			if (starts(p, stop, heads[i]) && memmem(p + hl, line_len(p + hl, stop), pkg, pl))
				from = next_line(p, stop);
		}
	}
	return from;
}

/* The last `lines` non-empty lines of [from, to), indented, as a new string. */
static char *tail_lines(const char *from, const char *to, size_t lines)
{
	size_t total = 0, k = 0;
	for (const char *q = from; q < to; q = next_line(q, to))
		total += line_len(q, to) > 0;
	char *out = NULL;
	size_t cap = 0;
	FILE *f = open_memstream(&out, &cap);
	for (const char *q = from; q < to; q = next_line(q, to))
		if (line_len(q, to) > 0 && k++ >= (total > lines ? total - lines : 0))
			fprintf(f, "%s    %.*s", k > 1 + (total > lines ? total - lines : 0) ? "\n" : "",
				(int)line_len(q, to), q);
	fclose(f);
	return out;
}

int lv_dpkg_explain(const char *text, size_t len, struct lv_diags *d)
{
	static const char err[] = "dpkg: error processing package ";
	static const char dep[] = "dpkg: dependency problems prevent configuration of ";
	const char *end = text + len;

	/* a maintainer script that failed, while configuring (named by its
	 * package) or unpacking (named by its archive); the next line says
	 * " installed|new|old NAME package <script> subprocess returned ..." */
	static const char arch[] = "dpkg: error processing archive ";
	for (const char *p = text; p < end; p = next_line(p, end)) {
		if (!starts(p, end, err) && !starts(p, end, arch))
			continue;
		const char *why = next_line(p, end);
		size_t wl = line_len(why, end);
		const char *script = script_of(why, wl);
		if (!script)
			continue;
		const char *name = why;
		while (name < why + wl && *name == ' ')
			name++;
		while (name < why + wl && *name != ' ')
			name++;                 /* past "installed", "new" or "old" */
		while (name < why + wl && *name == ' ')
			name++;
		size_t nl = 0;
		while (name + nl < why + wl && name[nl] != ' ')
			nl++;
		const char *st = memmem(why, wl, "exit status ", 12);
		_cleanup_free_ char *pkg = strndup(name, nl);
		_cleanup_free_ char *out = tail_lines(output_start(text, p, pkg, nl), p, 15);
		if (st)
			lv_error(d, "package '%s': its %s failed with exit status %.*s; its last lines of output:\n%s",
				 pkg, script, (int)(why + wl - st - 12), st + 12, *out ? out : "    (none)");
		else
			lv_error(d, "package '%s': its %s failed (%.*s); its last lines of output:\n%s", pkg,
				 script, (int)wl, why, *out ? out : "    (none)");
		return 1;
	}
	/* else the first package dpkg could not configure, and why */
	for (const char *p = text; p < end; p = next_line(p, end)) {
		if (!starts(p, end, dep))
			continue;
		const char *name = p + sizeof(dep) - 1;
		size_t nl = 0, ll = line_len(name, end);
		while (nl < ll && name[nl] != ':')
			nl++;
		const char *q = next_line(p, end), *stop = q;
		while (stop < end && *stop == ' ')
			stop = next_line(stop, end);
		_cleanup_free_ char *why = tail_lines(q, stop, 20);
		lv_error(d, "package '%.*s' could not be configured:\n%s", (int)nl, name, why);
		return 1;
	}
	return 0;
}
