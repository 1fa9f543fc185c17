/* SPDX 2.3 JSON writer (out_spdx.h).  Field names and required properties:
 * SPDX specification 2.3, chapters 6 (document creation) and 7 (package),
 * and its JSON serialisation.  Every LicenseRef used by a package is
 * declared in hasExtractedLicensingInfos, as §10 requires. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "license/copyright.h"
#include "license/out_spdx.h"
#include "license/spdx.h"

/* SPDXRef-<set>-<name>: only letters, digits, '.' and '-' are allowed. */
static void spdx_ref(char *out, size_t size, const char *set, const char *name)
{
	size_t n = (size_t)snprintf(out, size, "SPDXRef-%s-", set);
	for (const char *s = name; *s && n + 6 < size; s++) {
		if (isalnum((unsigned char)*s) || *s == '.' || *s == '-')
			out[n++] = *s;
		else
			n += (size_t)snprintf(out + n, size - n, "-%02X-", (unsigned char)*s);
	}
	out[n] = '\0';
}

/* purl: pkg:deb/debian/NAME@VERSION?arch=ARCH, percent-encoding the rest. */
static void purl(struct lv_buf *b, const struct lv_lockpkg *p)
{
	lv_buf_printf(b, "pkg:deb/debian/%s@", p->name);
	for (const unsigned char *s = (const unsigned char *)p->version; *s; s++)
		if (isalnum(*s) || strchr(".-_~", *s))
			lv_buf_append(b, s, 1);
		else
			lv_buf_printf(b, "%%%02X", *s);
	lv_buf_printf(b, "?arch=%s", p->arch);
}

/* "Jane Doe <jd@example.org>" -> "Organization: Jane Doe (jd@example.org)".
 * Debian maintainers are often teams: Organization is the honest default. */
static void supplier(struct lv_buf *b, const char *m)
{
	const char *lt = strchr(m, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!*m) {
		lv_buf_puts(b, "NOASSERTION");
		return;
	}
	if (!lt || !gt) {
		lv_buf_printf(b, "Organization: %s", m);
		return;
	}
	int nl = (int)(lt - m);
	while (nl > 0 && m[nl - 1] == ' ')
		nl--;
	lv_buf_printf(b, "Organization: %.*s (%.*s)", nl, m, (int)(gt - lt - 1), lt + 1);
}

static void collect_refs(const struct lv_spdx *e, char ***refs, size_t *n)
{
	if (!e)
		return;
	if (e->op == LV_SPDX_ID && !strncmp(e->id, "LicenseRef-", 11)) {
		for (size_t i = 0; i < *n; i++)
			if (!strcmp((*refs)[i], e->id))
				return;
		*refs = realloc(*refs, (*n + 1) * sizeof(char *));
		(*refs)[(*n)++] = strdup(e->id);
	}
	collect_refs(e->l, refs, n);
	collect_refs(e->r, refs, n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One files: entry of the manifest as a package of its own: what it adds
 * is on the image too, under the license the manifest declares. */
static void files_entry(struct lv_json *j, const struct lv_mfile *f, size_t i, struct lv_buf *t, char ***refs,
			size_t *nrefs)
{
	char ref[64];
	struct lv_spdx *e = f->license ? lv_spdx_parse(f->license) : NULL;
	collect_refs(e, refs, nrefs);
	snprintf(ref, sizeof(ref), "SPDXRef-files-%zu", i + 1);
	lv_json_obj(j, NULL);
	lv_json_str(j, "SPDXID", ref);
	t->len = 0;
	lv_buf_printf(t, "files: /%s", f->dest);
	lv_json_str(j, "name", t->p);
	lv_json_str(j, "supplier", "NOASSERTION");
	lv_json_str(j, "downloadLocation", "NOASSERTION");
	lv_json_bool(j, "filesAnalyzed", 0);
	lv_json_str(j, "licenseConcluded", "NOASSERTION");
	lv_json_str(j, "licenseDeclared", e ? f->license : "NOASSERTION");
	lv_json_str(j, "copyrightText", "NOASSERTION");
	t->len = 0;
	lv_buf_printf(t, "entry %zu of the manifest's files:, installed at /%s; license as the manifest "
			 "declares it", i + 1, f->dest);
	lv_json_str(j, "comment", t->p);
	lv_json_end(j, '}');
	lv_spdx_free(e);
}

static const char *const set_names[] = { "rootfs", "boot" };

/* The document's own fields and its creationInfo (SPDX 2.3 chapter 6). */
static void document_info(struct lv_json *j, const struct lv_lock *l, const char *lock_sha256, long long epoch)
{
	char created[21], ns[512];

	lv_clock_iso8601(epoch, created);
	snprintf(ns, sizeof(ns), "https://spdx.livec.invalid/%s/%s", l->manifest, lock_sha256);
	lv_json_str(j, "spdxVersion", "SPDX-2.3");
	lv_json_str(j, "dataLicense", "CC0-1.0");
	lv_json_str(j, "SPDXID", "SPDXRef-DOCUMENT");
	lv_json_str(j, "name", l->manifest);
	lv_json_str(j, "documentNamespace", ns);
	lv_json_obj(j, "creationInfo");
	lv_json_str(j, "created", created);
	lv_json_arr(j, "creators");
	lv_json_str(j, NULL, "Tool: livec-" LIVEC_VERSION);
	lv_json_end(j, ']');
	lv_json_str(j, "comment", "Generated from the livec lockfile and the manifest's files: entries; "
				  "licenses as declared in each package's "
				  "/usr/share/doc/<package>/copyright, and by the manifest for files:.");
	lv_json_end(j, '}');
}

/* One locked package of the set named set (SPDX 2.3 chapter 7), with its
 * checksum, its purl and where its license was found; the LicenseRefs of
 * its license join refs.  t is scratch space. */
static void package_entry(struct lv_json *j, const struct lv_lockpkg *p, const char *set, struct lv_buf *t,
			  char ***refs, size_t *nrefs)
{
	char ref[512];
	struct lv_spdx *e = lv_spdx_parse(p->license);

	collect_refs(e, refs, nrefs);
	spdx_ref(ref, sizeof(ref), set, p->name);
	lv_json_obj(j, NULL);
	lv_json_str(j, "SPDXID", ref);
	lv_json_str(j, "name", p->name);
	lv_json_str(j, "versionInfo", p->version);
	t->len = 0;
	supplier(t, p->maintainer);
	lv_json_str(j, "supplier", t->p);
	lv_json_str(j, "downloadLocation", p->filename);
	lv_json_bool(j, "filesAnalyzed", 0);
	lv_json_arr(j, "checksums");
	lv_json_obj(j, NULL);
	lv_json_str(j, "algorithm", "SHA256");
	lv_json_str(j, "checksumValue", p->sha256);
	lv_json_end(j, '}');
	lv_json_end(j, ']');
	t->len = 0;
	lv_buf_printf(t, "built from source package %s version %s; from the lock's repository '%s'", p->source,
		      p->source_version, p->repo);
	lv_json_str(j, "sourceInfo", t->p);
	lv_json_str(j, "licenseConcluded", "NOASSERTION");
	lv_json_str(j, "licenseDeclared", e ? p->license : "NOASSERTION");
	lv_json_str(j, "copyrightText", "NOASSERTION");
	t->len = 0;
	enum lv_license_method m = LV_LIC_NONE;
	int ambiguous = 0;
	lv_license_method_parse(p->license_method, &m, &ambiguous);
	lv_buf_printf(t, "license found by %s in usr/share/doc/%s/copyright%s%s%s%s", lv_license_method_name(m),
		      p->copyright_from, *p->copyright_sha256 ? " (SHA256 " : "", p->copyright_sha256,
		      *p->copyright_sha256 ? ")" : "",
		      ambiguous ? "; ambiguous: the file names several licenses without saying which files each covers"
				: "");
	lv_json_str(j, "licenseComments", t->p);
	lv_json_arr(j, "externalRefs");
	lv_json_obj(j, NULL);
	lv_json_str(j, "referenceCategory", "PACKAGE-MANAGER");
	lv_json_str(j, "referenceType", "purl");
	t->len = 0;
	purl(t, p);
	lv_json_str(j, "referenceLocator", t->p);
	lv_json_end(j, '}');
	lv_json_end(j, ']');
	lv_json_end(j, '}');
	lv_spdx_free(e);
}

/* hasExtractedLicensingInfos (§10): each LicenseRef used, sorted; frees refs. */
static void extracted_licenses(struct lv_json *j, char **refs, size_t nrefs, struct lv_buf *t)
{
	if (!nrefs)
		return;
	qsort(refs, nrefs, sizeof(char *), cmp_str);
	lv_json_arr(j, "hasExtractedLicensingInfos");
	for (size_t i = 0; i < nrefs; i++) {
		lv_json_obj(j, NULL);
		lv_json_str(j, "licenseId", refs[i]);
		lv_json_str(j, "name", refs[i] + 11);
		t->len = 0;
		lv_buf_printf(t, "A license named '%s' in a Debian copyright file (not on the SPDX "
				 "License List); its text is in the copyright files of the "
				 "packages that declare it.", refs[i] + 11);
		lv_json_str(j, "extractedText", t->p);
		lv_json_end(j, '}');
		free(refs[i]);
	}
	free(refs);
	lv_json_end(j, ']');
}

static void describes(struct lv_json *j, const char *ref)
{
	lv_json_obj(j, NULL);
	lv_json_str(j, "spdxElementId", "SPDXRef-DOCUMENT");
	lv_json_str(j, "relationshipType", "DESCRIBES");
	lv_json_str(j, "relatedSpdxElement", ref);
	lv_json_end(j, '}');
}

/* relationships: the document DESCRIBES every package and files: entry. */
static void relationships(struct lv_json *j, const struct lv_lockset *const sets[2], size_t nfs)
{
	char ref[512];

	lv_json_arr(j, "relationships");
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s]->n; i++) {
			spdx_ref(ref, sizeof(ref), set_names[s], sets[s]->v[i].name);
			describes(j, ref);
		}
	for (size_t i = 0; i < nfs; i++) {
		snprintf(ref, sizeof(ref), "SPDXRef-files-%zu", i + 1);
		describes(j, ref);
	}
	lv_json_end(j, ']');
}

void lv_spdx_write(const struct lv_lock *l, const struct lv_manifest *m, const char *lock_sha256, long long epoch,
		   struct lv_buf *out)
{
	const struct lv_mfile *fs = m ? m->files.v : NULL;
	size_t nfs = m ? m->files.n : 0;
	const struct lv_lockset *const sets[2] = { &l->rootfs, &l->boot };
	struct lv_json j;
	struct lv_buf t = { 0 };
	char **refs = NULL;
	size_t nrefs = 0;

	lv_json_init(&j, out);
	lv_json_obj(&j, NULL);
	document_info(&j, l, lock_sha256, epoch);
	lv_json_arr(&j, "packages");
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s]->n; i++)
			package_entry(&j, &sets[s]->v[i], set_names[s], &t, &refs, &nrefs);
	for (size_t i = 0; i < nfs; i++)
		files_entry(&j, &fs[i], i, &t, &refs, &nrefs);
	lv_json_end(&j, ']');
	extracted_licenses(&j, refs, nrefs, &t);
	relationships(&j, sets, nfs);
	lv_json_end(&j, '}');
	lv_buf_release(&t);
}
