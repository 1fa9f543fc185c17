/* License policy audit (audit.h). */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "license/audit.h"
#include "license/copyright.h"
#include "base/json.h"

struct policy_ctx {
	const struct lv_manifest *m;
	struct lv_buf why;   /* the rules that matched, for the report */
};

static const char *match(const struct lv_strs *list, const char *id, const char *full)
{
	for (size_t i = 0; i < list->n; i++)
		if (!fnmatch(list->v[i], id, FNM_CASEFOLD) || (full && !fnmatch(list->v[i], full, FNM_CASEFOLD)))
			return list->v[i];
	return NULL;
}

static void note(struct policy_ctx *p, const char *rule, const char *pattern, const char *id)
{
	char one[512];
	snprintf(one, sizeof(one), "%s: %s%s%s", rule, id, pattern && strcmp(pattern, id) ? " ~ " : "",
		 pattern && strcmp(pattern, id) ? pattern : "");
	if (p->why.p && strstr(p->why.p, one))
		return;
	lv_buf_printf(&p->why, "%s%s", p->why.len ? "; " : "", one);
}

static enum lv_verdict leaf(const char *id, const char *with, void *ud)
{
	struct policy_ctx *p = ud;
	const struct lv_manifest *m = p->m;
	char full[512];
	const char *pat;

	if (!strcmp(id, "NOASSERTION")) {
		const char *rule = m->licenses.noassertion;
		if (strcmp(rule, "allow"))
			note(p, "licenses.noassertion", NULL, rule);
		return !strcmp(rule, "deny") ? LV_DENY : !strcmp(rule, "review") ? LV_REVIEW : LV_OK;
	}
	snprintf(full, sizeof(full), "%s WITH %s", id, with ? with : "");
	const char *f = with ? full : NULL;
	if ((pat = match(&m->licenses.deny, id, f))) {
		note(p, "licenses.deny", pat, with ? full : id);
		return LV_DENY;
	}
	if (m->licenses.allow_given && !match(&m->licenses.allow, id, f)) {
		note(p, "not in licenses.allow", NULL, with ? full : id);
		return LV_DENY;
	}
	if ((pat = match(&m->licenses.review, id, f))) {
		note(p, "licenses.review", pat, with ? full : id);
		return LV_REVIEW;
	}
	return LV_OK;
}

static const struct lv_waiver *waiver_for(const struct lv_manifest *m, const struct lv_lockpkg *pkg)
{
	for (size_t i = 0; i < m->licenses.exceptions.n; i++) {
		const struct lv_waiver *w = &m->licenses.exceptions.v[i];
		if (w->package && !fnmatch(w->package, pkg->name, 0) &&
		    (!w->license || !strcasecmp(w->license, pkg->license)))
			return w;
	}
	return NULL;
}

/* Debian's own verdict: what its archive files under non-free or
 * non-free-firmware is not free software by the DFSG, whatever license
 * names the copyright file uses (firmware EULAs, or GPL for the tools that
 * ship the blobs).  Such a package is judged as LicenseRef-Debian-non-free
 * AND its license, so `deny: [LicenseRef-Debian-non-free]` catches it and
 * an exception must name it.  Returns the component, or NULL. */
static const char *nonfree_component(const struct lv_lockpkg *pkg)
{
	static const char *const comps[] = { "non-free-firmware", "non-free" };
	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
		size_t l = strlen(comps[i]);
		if (pkg->filename && !strncmp(pkg->filename, "pool/", 5) && !strncmp(pkg->filename + 5, comps[i], l) &&
		    pkg->filename[5 + l] == '/')
			return comps[i];
	}
	return NULL;
}

/* The policy's verdict on a license expression (one that is not an SPDX
 * expression is judged as NOASSERTION). */
static enum lv_verdict judge(const char *license, struct policy_ctx *p)
{
	struct lv_spdx *e = lv_spdx_parse(license);
	if (!e)
		e = lv_spdx_id("NOASSERTION");
	enum lv_verdict v = lv_spdx_eval(e, leaf, p);
	lv_spdx_free(e);
	return v;
}

int lv_audit_run(const struct lv_manifest *m, const struct lv_lock *l, const struct lv_unowned *u,
		 struct lv_audit *out)
{
	const struct lv_lockset *sets[] = { &l->rootfs, &l->boot };
	const char *names[] = { "rootfs", "boot" };

	memset(out, 0, sizeof(*out));
	out->unowned = u;
	if (u && u->n)
		out->unowned_verdict = !strcmp(m->licenses.unowned, "deny")	? LV_DENY
				       : !strcmp(m->licenses.unowned, "review") ? LV_REVIEW
										: LV_OK;
	out->declared = calloc(u ? u->ndeclared + 1 : 1, sizeof(*out->declared));
	for (size_t i = 0; u && i < u->ndeclared; i++) {
		struct policy_ctx p = { .m = m };
		out->declared[i].verdict = judge(u->declared[i].license, &p);
		out->declared[i].rule = lv_buf_steal(&p.why);
		if (out->declared[i].verdict == LV_DENY)
			out->violations++;
		else if (out->declared[i].verdict == LV_REVIEW)
			out->review++;
	}
	out->rows = calloc(l->rootfs.n + l->boot.n + 1, sizeof(*out->rows));
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s]->n; i++) {
			const struct lv_lockpkg *pkg = &sets[s]->v[i];
			struct lv_audit_row *row = &out->rows[out->n++];
			struct policy_ctx p = { .m = m };
			enum lv_license_method meth;
			int ambiguous;

			row->pkg = pkg;
			row->set = names[s];
			const char *comp = nonfree_component(pkg);
			if (comp) {
				char *both = NULL;
				if (asprintf(&both, "LicenseRef-Debian-non-free AND (%s)", pkg->license) < 0)
					abort();
				lv_buf_printf(&p.why, "Debian's %s component", comp);
				row->verdict = judge(both, &p);
				free(both);
			} else {
				row->verdict = judge(pkg->license, &p);
			}
			row->rule = lv_buf_steal(&p.why);
			if (lv_license_method_parse(pkg->license_method, &meth, &ambiguous) == 0) {
				out->by_method[meth]++;
				out->ambiguous += (size_t)ambiguous;
			}
			const struct lv_waiver *w = row->verdict != LV_OK ? waiver_for(m, pkg) : NULL;
			if (w) {
				row->waiver = w->reason;
				out->waived++;
			} else if (row->verdict == LV_DENY)
				out->violations++;
			else if (row->verdict == LV_REVIEW)
				out->review++;
			else
				out->ok++;
		}
	return 0;
}

void lv_audit_release(struct lv_audit *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rows[i].rule);
	free(a->rows);
	for (size_t i = 0; a->unowned && a->declared && i < a->unowned->ndeclared; i++)
		free(a->declared[i].rule);
	free(a->declared);
	memset(a, 0, sizeof(*a));
}

static const char *verdict_word(enum lv_verdict v)
{
	return v == LV_DENY ? "VIOLATION" : v == LV_REVIEW ? "review" : "ok";
}

static const char *verdict_name(const struct lv_audit_row *r)
{
	return r->waiver ? "waived" : verdict_word(r->verdict);
}

void lv_audit_text(const struct lv_audit *a, struct lv_buf *out, int width)
{
	int wn = 7, wv = 7, wm = 6, wd = 9;
	for (size_t i = 0; i < a->n; i++) {
		const struct lv_lockpkg *p = a->rows[i].pkg;
		wn = (int)strlen(p->name) > wn ? (int)strlen(p->name) : wn;
		wv = (int)strlen(p->version) > wv ? (int)strlen(p->version) : wv;
		wm = (int)strlen(p->license_method) > wm ? (int)strlen(p->license_method) : wm;
	}
	if (wv > 28)
		wv = 28;
	/* the license comes last and takes what is left of a terminal line */
	int wl = width ? width - (wn + wv + wm + wd + 8) : 0;
	if (width && wl < 20)
		wl = 20;
	lv_buf_printf(out, "%-*s  %-*s  %-*s  %-*s  %s\n", wn, "PACKAGE", wv, "VERSION", wm, "METHOD", wd,
		      "VERDICT", "LICENSE");
	for (size_t i = 0; i < a->n; i++) {
		const struct lv_audit_row *r = &a->rows[i];
		const char *lic = r->pkg->license;
		lv_buf_printf(out, "%-*s  %-*.*s  %-*s  %-*s  ", wn, r->pkg->name, wv, wv, r->pkg->version, wm,
			      r->pkg->license_method, wd, verdict_name(r));
		if (wl && (int)strlen(lic) > wl)
			lv_buf_printf(out, "%.*s...", wl - 3, lic);
		else
			lv_buf_puts(out, lic);
		if (r->verdict != LV_OK && *r->rule)
			lv_buf_printf(out, "%s(%s)", width ? "\n    " : "  ", r->rule);
		if (r->waiver)
			lv_buf_printf(out, "%s[waived: %s]", width ? "\n    " : "  ", r->waiver);
		lv_buf_puts(out, "\n");
	}
	lv_buf_printf(out,
		      "\n%zu packages: %zu ok, %zu to review, %zu waived, %zu violation%s\n"
		      "license found by: %zu dep5, %zu common-licenses-reference, %zu text-match, %zu none; "
		      "%zu ambiguous (several licenses, files not said)\n",
		      a->n, a->ok, a->review, a->waived, a->violations, a->violations == 1 ? "" : "s",
		      a->by_method[LV_LIC_DEP5], a->by_method[LV_LIC_COMMON], a->by_method[LV_LIC_TEXT],
		      a->by_method[LV_LIC_NONE], a->ambiguous);
	for (size_t i = 0; a->unowned && i < a->unowned->ndeclared; i++)
		lv_buf_printf(out, "files: /%s: %zu file%s, license %s (declared in the manifest): %s%s%s\n",
			      a->unowned->declared[i].target, a->unowned->declared[i].files,
			      a->unowned->declared[i].files == 1 ? "" : "s", a->unowned->declared[i].license,
			      verdict_word(a->declared[i].verdict), *a->declared[i].rule ? ", " : "",
			      a->declared[i].rule);
	if (a->unowned && a->unowned->have_record)
		lv_buf_printf(out, "files made while installing (dpkg, maintainer scripts, livec's system "
				   "section; /%s): %zu\n", LV_GENERATED_LIST, a->unowned->generated);
	if (a->unowned) {
		lv_buf_printf(out, "files from no package and not declared in the manifest: %zu%s\n",
			      a->unowned->n, a->unowned_verdict == LV_DENY ? " (licenses.unowned: deny)" : "");
		for (size_t i = 0; i < a->unowned->n; i++)
			lv_buf_printf(out, "  /%s\n", a->unowned->paths[i]);
	}
}

static int method_ambiguous(const char *method)
{
	enum lv_license_method m;
	int ambiguous = 0;
	return lv_license_method_parse(method, &m, &ambiguous) == 0 && ambiguous;
}

void lv_audit_json(const struct lv_audit *a, const struct lv_lock *l, struct lv_buf *out)
{
	struct lv_json j;
	lv_json_init(&j, out);
	lv_json_obj(&j, NULL);
	lv_json_str(&j, "manifest", l->manifest);
	lv_json_arr(&j, "packages");
	for (size_t i = 0; i < a->n; i++) {
		const struct lv_audit_row *r = &a->rows[i];
		lv_json_obj(&j, NULL);
		lv_json_str(&j, "set", r->set);
		lv_json_str(&j, "name", r->pkg->name);
		lv_json_str(&j, "version", r->pkg->version);
		lv_json_str(&j, "license", r->pkg->license);
		lv_json_str(&j, "method", r->pkg->license_method);
		lv_json_bool(&j, "ambiguous", method_ambiguous(r->pkg->license_method));
		lv_json_str(&j, "copyright-sha256", r->pkg->copyright_sha256);
		lv_json_str(&j, "verdict", verdict_name(r));
		lv_json_str(&j, "rule", r->rule);
		if (r->waiver)
			lv_json_str(&j, "waiver", r->waiver);
		lv_json_end(&j, '}');
	}
	lv_json_end(&j, ']');
	lv_json_obj(&j, "summary");
	lv_json_num(&j, "packages", (long long)a->n);
	lv_json_num(&j, "ok", (long long)a->ok);
	lv_json_num(&j, "review", (long long)a->review);
	lv_json_num(&j, "waived", (long long)a->waived);
	lv_json_num(&j, "violations", (long long)a->violations);
	lv_json_obj(&j, "methods");
	for (int m = LV_LIC_NONE; m <= LV_LIC_TEXT; m++)
		lv_json_num(&j, lv_license_method_name((enum lv_license_method)m), (long long)a->by_method[m]);
	lv_json_end(&j, '}');
	lv_json_num(&j, "ambiguous", (long long)a->ambiguous);
	lv_json_end(&j, '}');
	if (a->unowned) {
		if (a->unowned->have_record)
			lv_json_num(&j, "generated", (long long)a->unowned->generated);
		lv_json_arr(&j, "declared");
		for (size_t i = 0; i < a->unowned->ndeclared; i++) {
			char target[4200];
			snprintf(target, sizeof(target), "/%s", a->unowned->declared[i].target);
			lv_json_obj(&j, NULL);
			lv_json_str(&j, "target", target);
			lv_json_str(&j, "license", a->unowned->declared[i].license);
			lv_json_num(&j, "files", (long long)a->unowned->declared[i].files);
			lv_json_str(&j, "verdict", verdict_word(a->declared[i].verdict));
			lv_json_str(&j, "rule", a->declared[i].rule);
			lv_json_end(&j, '}');
		}
		lv_json_end(&j, ']');
		lv_json_arr(&j, "unowned");
		for (size_t i = 0; i < a->unowned->n; i++) {
			char path[4200];
			snprintf(path, sizeof(path), "/%s", a->unowned->paths[i]);
			lv_json_str(&j, NULL, path);
		}
		lv_json_end(&j, ']');
	}
	lv_json_end(&j, '}');
}
